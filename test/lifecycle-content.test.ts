// What a post's targets hear of an edit, and what a run leaves out, against a local web (issue 11, reproductions
// 7, 8 and 10): an edit below the first paragraph reaches every Webmention target still linked, once; a rebuild
// that changes only the page around the post sends nothing; a state written before the content text was in the
// fingerprint is upgraded without re-sending; links to 127.0.0.1 on another port than the site's are notified;
// article-like pages without a date are counted and hinted at. Assertions are on what the servers received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send } from '../src/index.ts';
import type { LinkbackEvent, OptionsInput } from '../src/index.ts';
import { openState } from '../src/state/store.ts';
import { localRun } from './fixtures/lifecycle/web.ts';
import type { TestWeb } from './fixtures/lifecycle/web.ts';
import { build, postUrl } from './fixtures/lifecycle/blog.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';
import { runCli } from './fixtures/cli/run.ts';

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<{ web: TestWeb; site: string; options: OptionsInput }> {
  const run = await localRun(t, 'content');
  const site = join(run.dir, 'site');
  return { web: run.web, site, options: { ...run.options, site } };
}

/** Webmention targets told since request `from`, sorted. */
function told(web: TestWeb, from: number): string[] {
  return web.requests.slice(from)
    .filter((r) => r.method === 'POST' && r.host === 'wm.example')
    .map((r) => new URLSearchParams(r.body).get('target') ?? '')
    .sort();
}

const THREE = ['http://wm.example/one', 'http://wm.example/three', 'http://wm.example/two'];

/** Build noise inside the content region itself: a script and a comment carrying the build, and related posts. */
const noise = (build: string) => `<script>window.build = "${build}";</script><!-- built ${build} -->` +
  `<aside class="related"><a href="http://blog.example/other-${build}/">Read next: ${build}</a></aside>`;

const C: PostSpec = {
  slug: 'c',
  title: 'Three receivers',
  date: '2024-07-01',
  body: '<p>First paragraph, citing <a href="http://wm.example/one">one</a>, <a href="http://wm.example/two">two</a> ' +
    'and <a href="http://wm.example/three">three</a>.</p>\n<p>Second paragraph.</p>',
};
/** C edited: the link to three removed (its word stays), a paragraph added below the first. */
const C_EDITED: PostSpec = {
  ...C,
  body: C.body.replace('<a href="http://wm.example/three">three</a>', 'three') + '\n<p>A paragraph added later.</p>',
};

test('reproduction 10: an edit below the first paragraph reaches all three targets, the removed one and the two still linked, once', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [{ ...C, body: C.body + noise('T1') }], 'T1');
  await send(options);
  assert.deepEqual(told(web, 0), THREE);

  let from = web.requests.length;
  await build(site, [{ ...C, body: C.body + noise('T2') }], 'T2');
  const rebuilt = await send(options);
  assert.equal(rebuilt.summary.posts, 1, 'the file changed, so it was read');
  assert.deepEqual(web.requests.slice(from), [], 'a rebuild that changes only the footer, build time, scripts and related posts sends nothing');

  from = web.requests.length;
  await build(site, [{ ...C_EDITED, body: C_EDITED.body + noise('T3') }], 'T3');
  const edited = await send(options);
  assert.deepEqual(told(web, from), THREE, 'each target told once');
  assert.equal(edited.summary.resent, 3);

  from = web.requests.length;
  await build(site, [{ ...C_EDITED, body: C_EDITED.body + noise('T4') }], 'T4');
  await send(options);
  await send(options);
  assert.deepEqual(web.requests.slice(from), [], 'and never again');
});

/** sha256 of title, summary and date: the fingerprint linkback wrote before the content text was in it. */
function version1(title: string, excerpt: string, published: string | null): string {
  return createHash('sha256').update(JSON.stringify([title, excerpt, published])).digest('hex');
}

/** Rewrites the state as an older linkback left it: every fingerprint of post C by the version-1 formula. */
async function downgrade(path: string, fingerprint: string): Promise<void> {
  const state = await openState(path);
  for (const record of [...state.notifications()]) {
    if (record.source === postUrl('c')) await state.put({ ...record, fingerprint });
  }
  const post = state.getPost(postUrl('c'));
  assert.ok(post);
  await state.putPost({ ...post, fingerprint });
  await state.close();
}

test('upgrading from version-1 fingerprints re-sends nothing, adopts the new ones, and later edits are told', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [C], 'T1');
  await send(options);
  assert.deepEqual(told(web, 0), THREE);
  await downgrade(options.state as string, version1(C.title, 'First paragraph, citing one, two and three.', C.date));

  // An unchanged file is skipped unparsed, as before the upgrade.
  let from = web.requests.length;
  const same = await send(options);
  assert.equal(same.summary.unchangedPosts, 1);
  assert.deepEqual(web.requests.slice(from), []);

  // A rebuild (every file differs, the post does not): read, nothing sent, the records learn the new fingerprint.
  from = web.requests.length;
  await build(site, [C], 'T2');
  const upgraded = await send(options);
  assert.equal(upgraded.summary.posts, 1);
  assert.deepEqual(web.requests.slice(from), [], 'the upgrade re-sends nothing');
  const state = await openState(options.state as string, { readOnly: true });
  const fingerprints = THREE.map((target) => state.get(postUrl('c'), target)?.fingerprint);
  const post = state.getPost(postUrl('c'));
  await state.close();
  assert.ok(fingerprints.every((f) => f !== undefined && f.startsWith('v2:') && f === post?.fingerprint), JSON.stringify(fingerprints));
  const next = await send(options);
  assert.equal(next.summary.unchangedPosts, 1, 'adopted: the file is skipped unparsed again');

  // From now on, an edit below the first paragraph is news for every target.
  from = web.requests.length;
  await build(site, [C_EDITED], 'T3');
  await send(options);
  assert.deepEqual(told(web, from), THREE);
});

test('upgrading while the title changed: the change is told, as version 1 would have', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [C], 'T1');
  await send(options);
  await downgrade(options.state as string, version1(C.title, 'First paragraph, citing one, two and three.', C.date));
  const from = web.requests.length;
  await build(site, [{ ...C, title: 'Three receivers, revised' }], 'T2');
  await send(options);
  assert.deepEqual(told(web, from), THREE);
});

/** A webmention receiver on its own port of 127.0.0.1: every request it received. */
async function receiver(t: { after: (fn: () => Promise<void>) => void }): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}${body ? ` ${decodeURIComponent(body)}` : ''}`);
      if (req.method === 'POST') {
        res.writeHead(202, { 'content-type': 'text/plain' }).end('queued');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html', link: '</webmention>; rel="webmention"' }).end('<p>a page</p>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, seen };
}

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-content-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function writeSite(dir: string, files: Record<string, string>): Promise<string> {
  const site = join(dir, 'site');
  for (const [file, html] of Object.entries(files)) {
    await mkdir(join(site, file, '..'), { recursive: true });
    await writeFile(join(site, file), html);
  }
  return site;
}

test('reproduction 7: the own site is its host AND port: 127.0.0.1 on another port is notified; --verbose says what was dropped', async (t) => {
  const target = await receiver(t);
  const own = await receiver(t); // the site's own port: nothing may be notified there
  const siteUrl = `http://127.0.0.1:${own.port}`;
  const dir = await tempDir(t);
  const site = await writeSite(dir, {
    'post/index.html': `<!doctype html><html><head><title>Local</title></head><body><article><h1>Local</h1>
<time datetime="2024-08-01">1 August</time><p>See <a href="http://127.0.0.1:${target.port}/page">the receiver</a>,
<a href="${siteUrl}/about/">my about page</a>, <a href="http://127.0.0.1:${own.port}/tags/">tags</a> and <a href="/archive/">the archive</a>.</p></article></body></html>`,
  });
  const events: LinkbackEvent[] = [];
  // checkLive off: the site's port is a stand-in receiver here, not the site (the live check: test/live.test.ts).
  const report = await send({ site, siteUrl, state: join(dir, 'state.json'), allowPrivate: true, retries: 0, checkLive: false }, { onEvent: (e) => events.push(e) });
  assert.deepEqual(target.seen, ['GET /page', `POST /webmention source=${siteUrl}/post/&target=http://127.0.0.1:${target.port}/page`]);
  assert.equal(report.summary.sent, 1);
  assert.deepEqual(own.seen.filter((r) => r.startsWith('POST')), [], 'nothing notified on the own port');
  const dropped = events.find((e) => e.type === 'own-site');
  assert.deepEqual(dropped, { type: 'own-site', file: 'post/index.html', url: `${siteUrl}/post/`, links: [`${siteUrl}/about/`, `${siteUrl}/tags/`] });

  const cli = await runCli(['send', site, '--site-url', siteUrl, '--state', join(dir, 'cli.json'), '--allow-private', '--dry-run', '--verbose']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stderr, new RegExp(`^own-site +post/index\\.html +2 links to the site itself .*${siteUrl}/about/ ${siteUrl}/tags/$`, 'm'));
});

test('own site: the default port is no port (http://x:80 is http://x), and on default ports an http:// link to an https site is still its own', async (t) => {
  const dir = await tempDir(t);
  const site = await writeSite(dir, {
    'post/index.html': `<!doctype html><html><head><title>T</title></head><body><article><h1>T</h1><time datetime="2024-08-01">1 August</time>
<p><a href="http://blog.example:80/a/">a</a> <a href="http://blog.example/b/">b</a> <a href="https://blog.example:443/c/">c</a>
<a href="http://blog.example:8080/d/">d</a> <a href="https://www.blog.example/e/">e</a></p></article></body></html>`,
  });
  const report = await send({ site, siteUrl: 'https://blog.example/', state: join(dir, 'state.json'), dryRun: true });
  assert.deepEqual(report.results.map((r) => r.target).sort(), ['http://blog.example:8080/d/', 'https://www.blog.example/e/'],
    'another port, and www. (another host), are other sites');
});

const UNDATED = (title: string) => `<!doctype html><html><head><title>${title}</title></head><body>
<header class="site-header"><a href="/">Blog</a></header><main><article><h1>${title}</h1>
<p>Text citing <a href="http://wm.example/one">one</a>.</p></article></main></body></html>`;

test('reproduction 8: article-like pages without a date are counted, and the summary hints at --include-undated with an example', async (t) => {
  const dir = await tempDir(t);
  const site = await writeSite(dir, {
    'index.html': '<!doctype html><html><head><title>Blog</title></head><body><ul><li><a href="/a/">A</a></li></ul></body></html>',
    'a/index.html': UNDATED('Post A'),
    'b/index.html': UNDATED('Post B'),
    'tags/index.html': '<!doctype html><html><head><title>Tags</title></head><body><main><p>No article here.</p></main></body></html>',
  });
  const args = ['send', site, '--site-url', 'http://blog.example/', '--state', join(dir, 'state.json'), '--dry-run'];
  const table = await runCli(args);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /^0 posts read .*\nhint: 2 pages look like posts but have no machine-readable date \(e\.g\. a\/index\.html\): left out; --include-undated takes them as posts$/m);
  const json = await runCli([...args, '--json']);
  const summary = (JSON.parse(json.stdout) as { summary: { undatedPages: number; undatedExample: string } }).summary;
  assert.equal(summary.undatedPages, 2);
  assert.equal(summary.undatedExample, 'a/index.html');
  const included = await runCli([...args, '--include-undated', '--json']);
  const after = (JSON.parse(included.stdout) as { summary: { posts: number; undatedPages: number } }).summary;
  assert.ok(after.posts >= 2, 'taken as posts (with every other undated page: that is what the flag does)');
  assert.equal(after.undatedPages, 0);
});
