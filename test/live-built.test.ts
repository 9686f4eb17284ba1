// The live check of a post deployed as built (src/lifecycle/live.ts builtCopy): when the live page is the very file
// the scan read (same bytes, decoded alike) its targets are the built post's, without parsing it again. Shown equal
// to what the full read (targetReader) gives on real built sites, and on the wire: an identical copy is sent with
// no parse, a copy that differs is read as before, and a server naming another charset gets the full read.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { builtCopy, createLiveCheck, liveView, siteClientFor, targetReader } from '../src/lifecycle/live.ts';
import type { LiveView, TargetReader } from '../src/lifecycle/live.ts';
import { parseOptions } from '../src/options.ts';
import type { OptionsInput } from '../src/options.ts';
import { scanSite } from '../src/site/index.ts';
import { sha256 } from '../src/site/hash.ts';
import { contextFromHome, readHints, readHome } from '../src/site/scan.ts';
import { createDeliverer } from '../src/run/deliver.ts';
import { createInFlightGate } from '../src/state/in-flight.ts';
import type { Endpoint, Post } from '../src/types.ts';
import { send } from '../src/index.ts';
import { stepRun } from './fixtures/run-context.ts';
import { localRun } from './fixtures/lifecycle/web.ts';
import { build, postHtml } from './fixtures/lifecycle/blog.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';

/** A TargetReader that counts its parses. */
function counting(read: TargetReader): TargetReader & { calls: number } {
  const spy = Object.assign((html: string, url: string) => {
    spy.calls++;
    return read(html, url);
  }, { calls: 0 });
  return spy;
}

async function scratch(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-live-built-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function postsOf(root: string, siteUrl: string | null): Promise<Post[]> {
  const posts: Post[] = [];
  for await (const page of scanSite(root, { siteUrl, blogName: null })) if (page.kind === 'post') posts.push(page.post);
  return posts;
}

const targets = (view: LiveView): string[] => (view.live ? [...view.targets].sort() : [`not live: ${view.why}`]);

/** Built sites of the repository: the example site (README "npm run demo") and the built generator fixtures. */
const BUILT_SITES = ['example/site', ...['eleventy-like', 'minima-like', 'papermod-like'].map((name) => `test/fixtures/site/${name}`)];

/**
 * For each post of the built site at `root` (with the site URL its home page gives, and one of another origin,
 * where posts take their URL from their file): the built copy's targets against targetReader's on the file's bytes.
 */
async function compareSite(root: string): Promise<{ compared: number; linked: number }> {
  let compared = 0;
  let linked = 0;
  const home = contextFromHome(await readHome(root, readHints({ siteUrl: null, blogName: null })), { siteUrl: null, blogName: null }, null);
  for (const siteUrl of [home.homeBase?.href, 'https://elsewhere.example/blog/']) {
    if (siteUrl === undefined) continue;
    const options = parseOptions({ site: root, siteUrl });
    const copies = builtCopy(options);
    assert.notEqual(copies, null);
    for (const post of await postsOf(root, siteUrl)) {
      const body = await readFile(join(root, post.file));
      for (const contentType of ['text/html; charset=utf-8', 'text/html', undefined]) {
        const answer = { status: 200, body, contentType };
        const full = liveView(answer, post.url, targetReader(options));
        const read = counting(targetReader(options));
        const shortcut = liveView(answer, post.url, read, copies?.(post) ?? null);
        assert.deepEqual(targets(shortcut), targets(full), `${root} ${post.file} (${siteUrl}, ${contentType})`);
        assert.equal(read.calls, 0, `${root} ${post.file}: not parsed again`);
        compared++;
        if (full.live && full.targets.size > 0) linked++;
      }
    }
  }
  return { compared, linked };
}

test('built sites of the repository: the built copy of each post gives exactly the targets targetReader reads from its bytes', async (t) => {
  const blog = join(await scratch(t), 'blog');
  await build(blog, [{ slug: 'a', title: 'A', date: '2024-05-01', body: '<p><a href="http://wm.example/one">one</a> <a href="../b/">b</a> <a href="https://arxiv.org/pdf/2001.08361v2">paper</a></p>' }], 'T1');
  for (const root of [...BUILT_SITES, blog]) {
    const { compared, linked } = await compareSite(root);
    assert.ok(compared > 0 && linked > 0, `${root}: ${compared} compared, ${linked} with targets`);
  }
});

const run = promisify(execFile);
const GENERATORS = join(import.meta.dirname, 'fixtures', 'site');

test('Jekyll and Hugo builds of the generator fixtures: the same', { timeout: 240_000 }, async (t) => {
  const dir = await scratch(t);
  const built: string[] = [];
  for (const [name, command, version, args] of [
    ['jekyll', 'jekyll', ['--version'], (src: string, out: string) => ['build', '--quiet', '--source', src, '--destination', out]],
    ['hugo-site', 'hugo', ['version'], (src: string, out: string) => ['--quiet', '--source', src, '--destination', out, '--themesDir', GENERATORS, '--theme', 'hugo-theme']],
  ] as const) {
    const src = join(dir, name, 'src');
    const out = join(dir, name, 'out');
    await cp(join(GENERATORS, name), src, { recursive: true });
    // Not installed: skipped below. Installed but failing: the test fails (a broken fixture must not pass as "not there").
    const installed = await run(command, [...version], { timeout: 60_000 }).then(() => true, () => false);
    if (!installed) continue;
    await run(command, args(src, out), { cwd: src, timeout: 120_000 });
    built.push(out);
  }
  if (built.length === 0) return void t.skip('neither jekyll nor hugo installed (apt-get install jekyll jekyll-theme-minima hugo)');
  for (const root of built) {
    const { compared, linked } = await compareSite(root);
    assert.ok(compared > 0 && linked > 0, `${root}: ${compared} compared, ${linked} with targets`);
  }
});

test('without a site URL the built read and targetReader can differ (a canonical on another host): no built copy then', async (t) => {
  const root = await scratch(t);
  await writeFile(join(root, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>Blog</title><link rel="canonical" href="https://blog.example/"></head><body></body></html>');
  await mkdir(join(root, 'p'));
  // Its canonical names www.: the scan counts both hosts as the site's own, targetReader only the post's.
  await writeFile(join(root, 'p', 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><title>P</title><link rel="canonical" href="https://www.blog.example/p/"></head>' +
    '<body><article class="h-entry"><h1>P</h1><time class="dt-published" datetime="2024-05-01">May</time>' +
    '<div class="e-content"><a href="https://blog.example/other/">other</a> <a href="https://x.example/">x</a></div></article></body></html>');
  const [post] = await postsOf(root, null);
  assert.ok(post);
  const options = parseOptions({ site: root });
  const full = liveView({ status: 200, body: await readFile(join(root, 'p', 'index.html')), contentType: 'text/html' }, post.url, targetReader(options));
  assert.deepEqual(targets(full), ['https://blog.example/other/', 'https://x.example/']);
  assert.deepEqual(post.links, ['https://x.example/']);
  assert.equal(builtCopy(options), null);

  // With a site URL both take the post's URL on the site's origin, and agree.
  const withUrl = parseOptions({ site: root, siteUrl: 'https://blog.example/' });
  const [own] = await postsOf(root, 'https://blog.example/');
  assert.ok(own);
  assert.equal(own.url, 'https://blog.example/p/');
  const answer = { status: 200, body: await readFile(join(root, 'p', 'index.html')), contentType: 'text/html' };
  const read = counting(targetReader(withUrl));
  assert.deepEqual(targets(liveView(answer, own.url, read, builtCopy(withUrl)?.(own) ?? null)), targets(liveView(answer, own.url, targetReader(withUrl))));
  assert.equal(read.calls, 0);
  // A feed's posts are not files of the site.
  assert.equal(builtCopy(parseOptions({ feed: 'https://blog.example/feed.xml', siteUrl: 'https://blog.example/' })), null);
});

test('bytes alike but not read alike: another charset named by the server, two byte-order marks, a one-byte change', () => {
  const options = parseOptions({ site: '.', siteUrl: 'http://blog.example/' });
  const html = Buffer.from('<!doctype html><html><head><title>P</title></head><body><article><h1>P</h1><p><a href="http://x.example/caf\u00e9">x</a></p></article></body></html>');
  const url = 'http://blog.example/p/';
  const copy = { hash: '', targets: () => new Set(['http://x.example/caf%C3%A9']) };
  const view = (body: Buffer, contentType: string) => {
    const read = counting(targetReader(options));
    const got = liveView({ status: 200, body, contentType }, url, read, { ...copy, hash: sha256(body) });
    return { targets: targets(got), parsed: read.calls };
  };
  assert.deepEqual(view(html, 'text/html; charset=utf-8'), { targets: ['http://x.example/caf%C3%A9'], parsed: 0 });
  // The same bytes as windows-1252 are another text, and "é" another URL: the full read says so.
  assert.deepEqual(view(html, 'text/html; charset=ISO-8859-1'), { targets: ['http://x.example/caf%C3%83%C2%A9'], parsed: 1 });
  // A page declaring windows-1252 is left to the full read even when the server agrees.
  const legacy = Buffer.from(html.toString('latin1').replace('<head>', '<head><meta charset="windows-1252">'), 'latin1');
  assert.equal(view(legacy, 'text/html; charset=windows-1252').parsed, 1);
  // Not UTF-8 and nothing declared: both read it as windows-1252, but not by the same decoder.
  assert.equal(view(Buffer.from('<p><a href="http://x.example/\x93">x</a></p>', 'latin1'), 'text/html').parsed, 1);
  const twoBoms = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]), html]);
  assert.equal(view(twoBoms, 'text/html').parsed, 1);
  const oneBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), html]);
  assert.equal(view(oneBom, 'text/html; charset=ISO-8859-1').parsed, 0, 'a BOM wins over the header in both reads');
  // A hash of other bytes: read.
  const read = counting(targetReader(options));
  liveView({ status: 200, body: html, contentType: 'text/html' }, url, read, { ...copy, hash: sha256(Buffer.concat([html, Buffer.from(' ')])) });
  assert.equal(read.calls, 1);
});

// On the wire: blog.example serves what the test says, with the Content-Type it says; wm.example takes webmentions.
interface Served {
  body: Buffer;
  type: string;
}

async function web(t: TestContext) {
  const pages = new Map<string, Served>();
  const requests: Array<{ method: string; host: string; path: string; body: string }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      requests.push({ method: req.method ?? '', host, path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      const page = host === 'blog.example' && req.method === 'GET' ? pages.get(req.url ?? '') : undefined;
      if (page) return void res.writeHead(200, { 'content-type': page.type }).end(page.body);
      if (host === 'wm.example' && req.method === 'POST') return void res.writeHead(202, { 'content-type': 'text/plain' }).end('queued');
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, pages, requests };
}

const SITE_URL = 'http://blog.example/';
const ONE = 'http://wm.example/one';
const CAFE = 'http://wm.example/caf%C3%A9';
const A: PostSpec = { slug: 'a', title: 'A', date: '2024-05-01', body: `<p><a href="${ONE}">one</a> and <a href="http://wm.example/caf\u00e9">a café</a></p>` };
const ENDPOINT: Endpoint = { protocol: 'webmention', url: 'http://wm.example/webmention', via: 'Link header' };

/**
 * The post as the scan reads it from the built folder, `served` (bytes and Content-Type) as its live copy, and each
 * target delivered through the deliver step with a live check whose reader counts its parses.
 */
async function deliverAll(t: TestContext, served: (built: Buffer) => Served, targetsToSend: string[]) {
  const net = await web(t);
  const site = join(await scratch(t), 'site');
  await build(site, [A], 'T1');
  const [post] = await postsOf(site, SITE_URL);
  assert.ok(post);
  assert.deepEqual(post.links, [ONE, CAFE]);
  net.pages.set('/a/', served(await readFile(join(site, 'a', 'index.html'))));
  const input: OptionsInput = { site, siteUrl: SITE_URL, connectTo: { '*': `127.0.0.1:${net.port}` }, allowPrivate: true, retries: 0 };
  const run = await stepRun(t, input);
  const siteClient = siteClientFor(run.ctx.options);
  t.after(() => siteClient.close());
  const read = counting(targetReader(run.ctx.options));
  const live = createLiveCheck(siteClient, { concurrency: 1, read, built: builtCopy(run.ctx.options) });
  const deliverer = createDeliverer(run.ctx, { inFlight: createInFlightGate(() => 2), live, departed: new Set() });
  for (const target of targetsToSend) await deliverer.deliver(post, target, ENDPOINT, undefined, { fingerprint: 'f1' }, null);
  const sent = net.requests.filter((r) => r.method === 'POST').map((r) => new URLSearchParams(r.body).get('target')).sort();
  const gets = net.requests.filter((r) => r.method === 'GET').map((r) => `${r.host}${r.path}`);
  const status = Object.fromEntries(run.ctx.tally.results.map((r) => [r.target, r.status]));
  return { sent, gets, status, parses: read.calls };
}

test('on the wire: a live copy byte for byte the built file is sent, fetched once and not parsed', async (t) => {
  const got = await deliverAll(t, (body) => ({ body, type: 'text/html; charset=utf-8' }), [ONE, CAFE]);
  assert.deepEqual(got.gets, ['blog.example/a/']);
  assert.deepEqual(got.sent, [CAFE, ONE]);
  assert.equal(got.parses, 0);
});

test('on the wire: a live copy one byte off (an older build, same links) is read, and sent', async (t) => {
  const got = await deliverAll(t, (body) => ({ body: Buffer.from(body.toString('utf8').replace('Built T1', 'Built T0')), type: 'text/html; charset=utf-8' }), [ONE, CAFE]);
  assert.deepEqual(got.sent, [CAFE, ONE]);
  assert.equal(got.parses, 1);
});

test('on the wire: a live copy without the link is read, and that pair held', async (t) => {
  const older = Buffer.from(postHtml({ ...A, body: `<p><a href="${ONE}">one</a> and a café</p>` }, 'T1'));
  const got = await deliverAll(t, () => ({ body: older, type: 'text/html; charset=utf-8' }), [ONE, CAFE]);
  assert.deepEqual(got.sent, [ONE]);
  assert.equal(got.status[CAFE], 'held');
  assert.equal(got.parses, 1);
});

test('on the wire: the same bytes served as ISO-8859-1 read as the receiver reads them: "café" is another URL there, held', async (t) => {
  const got = await deliverAll(t, (body) => ({ body, type: 'text/html; charset=ISO-8859-1' }), [ONE, CAFE]);
  assert.deepEqual(got.sent, [ONE]);
  assert.equal(got.status[CAFE], 'held');
  assert.equal(got.parses, 1);
});

test('a whole send with a site URL: the posts deployed as built are checked once each and sent', async (t) => {
  const { web: testWeb, dir, options } = await localRun(t, 'live-built');
  const site = join(dir, 'site');
  await build(site, [A, { slug: 'b', title: 'B', date: '2024-05-02', body: '<p><a href="http://pb.example/p">p</a></p>' }], 'T1');
  const report = await send({ ...options, site, siteUrl: 'http://blog.example/' });
  assert.equal(report.summary.sent, 3);
  assert.equal(report.summary.held, 0);
  const seen = testWeb.requests.map((r) => `${r.method} ${r.host}${r.path}`);
  assert.deepEqual(seen.filter((line) => line.startsWith('GET blog.example')).sort(), ['GET blog.example/a/', 'GET blog.example/b/']);
  assert.deepEqual(seen.filter((line) => line.startsWith('POST')).sort(), ['POST pb.example/xmlrpc', 'POST wm.example/webmention', 'POST wm.example/webmention']);
});
