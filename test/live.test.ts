// Is the post live? Before notifying about a post, linkback fetches it once and sends a pair only when the live
// page shows the link; otherwise the pair is held (retryable) and the next run sends it. On the wire, against the
// lifecycle test web: blog.example serves the built folder only once it is "deployed" (web.site), or an older copy
// (web.pages).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { send } from '../src/index.ts';
import type { OptionsInput, Result } from '../src/index.ts';
import { openState } from '../src/state/store.ts';
import { liveView, notLiveReason, targetReader } from '../src/lifecycle/live.ts';
import { parseOptions } from '../src/options.ts';
import { localRun } from './fixtures/lifecycle/web.ts';
import type { TestWeb } from './fixtures/lifecycle/web.ts';
import { build, postHtml, postUrl } from './fixtures/lifecycle/blog.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';
import { runCli } from './fixtures/cli/run.ts';

const A: PostSpec = {
  slug: 'a',
  title: 'On scaling',
  date: '2024-05-01',
  body: '<p>Notes on <a href="http://wm.example/one">one</a>, <a href="http://wm.example/two">two</a>, ' +
    '<a href="http://pb.example/p">a pingback page</a> and <a href="https://arxiv.org/abs/2001.08361">the paper</a>.</p>',
};
const SENT_A = ['POST arxiv.org/trackback/2001.08361', 'POST pb.example/xmlrpc', 'POST wm.example/webmention', 'POST wm.example/webmention'];

/** The built site in `<dir>/site`, not deployed yet: blog.example answers 404 until `deploy()`. */
async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const run = await localRun(t, 'live');
  const site = join(run.dir, 'site');
  run.web.site = null;
  const deploy = () => void (run.web.site = site);
  return { ...run, site, deploy, options: { ...run.options, site } as OptionsInput };
}

/** Requests since `from`, as "METHOD host/path", sorted (pairs run concurrently). */
function wire(web: TestWeb, from = 0): string[] {
  return web.requests.slice(from).map((r) => `${r.method} ${r.host}${r.path}`).sort();
}
const posts = (web: TestWeb, from = 0) => wire(web, from).filter((line) => line.startsWith('POST'));
const liveGets = (web: TestWeb, from = 0) => wire(web, from).filter((line) => line.startsWith('GET blog.example'));
const byTarget = (results: Result[]) => new Map(results.map((r) => [r.target, r]));

test('a post not deployed yet (404): every pair held and nothing POSTed; after the deploy the next run sends each once', async (t) => {
  const { web, site, deploy, options } = await setup(t);
  await build(site, [A], 'T1');

  const held = await send(options);
  assert.deepEqual(posts(web), [], 'nothing notified');
  assert.deepEqual(liveGets(web), ['GET blog.example/a/'], 'one GET of the post for its four pairs');
  assert.equal(held.summary.held, 4);
  assert.equal(held.summary.sent + held.summary.failed, 0);
  for (const r of held.results) {
    assert.equal(r.status, 'held');
    assert.equal(r.code, 'not-deployed');
    assert.equal(r.message, `held: ${postUrl('a')} is not live yet (HTTP 404); deploy first, the next run sends it`);
  }
  const state = await openState(options.state as string, { readOnly: true });
  const record = state.get(postUrl('a'), 'http://wm.example/one');
  await state.close();
  assert.equal(record?.status, 'failed');
  assert.equal(record?.retryable, true);
  assert.equal(record?.code, 'not-deployed');
  assert.equal(record?.attempts, 0, 'nothing went on the wire');

  deploy();
  const before = web.requests.length;
  const sent = await send(options);
  assert.deepEqual(posts(web, before), SENT_A, 'each pair once, without --retry-failed');
  assert.equal(sent.summary.sent, 4);
  assert.equal(sent.summary.held, 0);

  // Nothing left to send: no request at all, not even the GET of the post.
  const last = web.requests.length;
  await send(options);
  assert.deepEqual(wire(web, last), []);
});

test('a live copy without one of the links: only that pair is held, the others are sent; the deploy sends it', async (t) => {
  const { web, site, deploy, options } = await setup(t);
  await build(site, [A], 'T2');
  // The live copy is the build before the link to "two" was added.
  web.pages.set('/a/', postHtml({ ...A, body: A.body.replace('<a href="http://wm.example/two">two</a>', 'two') }, 'T1'));

  const first = await send(options);
  const rows = byTarget(first.results);
  assert.equal(rows.get('http://wm.example/two')?.status, 'held');
  assert.equal(rows.get('http://wm.example/two')?.message, `held: the live copy of ${postUrl('a')} does not link to it yet; deploy first, the next run sends it`);
  for (const target of ['http://wm.example/one', 'http://pb.example/p', 'https://arxiv.org/abs/2001.08361']) {
    assert.equal(rows.get(target)?.status, 'sent', target);
  }
  assert.deepEqual(posts(web), ['POST arxiv.org/trackback/2001.08361', 'POST pb.example/xmlrpc', 'POST wm.example/webmention']);
  assert.deepEqual(new URLSearchParams(web.posts().find((r) => r.host === 'wm.example')?.body).get('target'), 'http://wm.example/one');

  web.pages.delete('/a/');
  deploy();
  const before = web.requests.length;
  await send(options);
  assert.deepEqual(posts(web, before), ['POST wm.example/webmention']);
  assert.equal(new URLSearchParams(web.requests.at(-1)?.body).get('target'), 'http://wm.example/two');
});

test('live and linked: sent, with one GET of the post however many targets it has, and none for a post with nothing to send', async (t) => {
  const { web, site, deploy, options } = await setup(t);
  deploy();
  const many = Array.from({ length: 12 }, (_, i) => `<a href="http://wm.example/t${i}">t${i}</a>`).join(' ');
  const B: PostSpec = { slug: 'b', title: 'Many', date: '2024-06-01', body: `<p>${many} <a href="https://arxiv.org/abs/1706.03762">attention</a> and GPT-3</p>` };
  await build(site, [A, B], 'T1');
  const first = await send({ ...options, concurrency: 8 });
  assert.equal(first.summary.sent, 17);
  assert.equal(first.summary.held, 0);
  assert.deepEqual(liveGets(web), ['GET blog.example/a/', 'GET blog.example/b/']);

  // B edited (a word turned into an arXiv link: its text is the same, so no webmention update is due); A rebuilt
  // too but has nothing left to send: only B is fetched.
  await build(site, [A, { ...B, body: B.body.replace('GPT-3', '<a href="https://arxiv.org/abs/2005.14165">GPT-3</a>') }], 'T2');
  const before = web.requests.length;
  await send(options);
  assert.deepEqual(wire(web, before), ['GET blog.example/b/', 'POST arxiv.org/trackback/2005.14165']);
});

test('a removed link is told only once the live copy no longer carries it', async (t) => {
  const { web, site, deploy, options } = await setup(t);
  deploy();
  await build(site, [A], 'T1');
  await send(options);
  const oldCopy = web.requests.length;

  // Rebuilt without "two"; the live copy is still the old one, which links it.
  const edited = { ...A, body: A.body.replace('<a href="http://wm.example/two">two</a>', 'two') };
  await build(site, [edited], 'T2');
  web.pages.set('/a/', postHtml(A, 'T1'));
  const held = await send(options);
  assert.deepEqual(posts(web, oldCopy), []);
  const row = byTarget(held.results).get('http://wm.example/two');
  assert.equal(row?.status, 'held');
  assert.equal(row?.message, `link removed: held: the live copy of ${postUrl('a')} still links to it; deploy first, the next run sends it`);

  web.pages.delete('/a/');
  const before = web.requests.length;
  await send(options);
  assert.deepEqual(posts(web, before), ['POST wm.example/webmention']);
  assert.equal(new URLSearchParams(web.requests.at(-1)?.body).get('target'), 'http://wm.example/two');
});

test('a dry run checks too and says which pairs would be held; it records nothing', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A], 'T1');
  const dry = await send({ ...options, dryRun: true });
  assert.deepEqual(posts(web), []);
  assert.deepEqual(liveGets(web), ['GET blog.example/a/']);
  assert.equal(dry.results.length, 4);
  for (const r of dry.results) {
    assert.equal(r.status, 'dry-run');
    assert.equal(r.code, 'not-deployed');
    assert.equal(r.message, `would be held: ${postUrl('a')} is not live yet (HTTP 404)`);
  }
});

test('our own site is fetched even on a loopback address without allowPrivate (targets are not)', async (t) => {
  const { web, site, deploy, options } = await setup(t);
  deploy();
  await build(site, [{ ...A, body: '<p><a href="https://arxiv.org/abs/2001.08361">the paper</a></p>' }], 'T1');
  const report = await send({ ...options, allowPrivate: false });
  assert.deepEqual(wire(web), ['GET blog.example/a/'], 'the post was checked; the trackback to loopback was refused before sending');
  assert.equal(report.results[0]?.code, 'private-address');
});

test('command line: a held run exits 0 and says why; --no-check-live sends without the GET, and so does checkLive: false in the config', async (t) => {
  const { web, site, dir } = await setup(t);
  await build(site, [A], 'T1');
  const net = ['--connect-to', `*=127.0.0.1:${web.port}`, '--allow-private', '--arxiv-endpoint', 'http://arxiv.org/trackback/{id}', '--retries', '0'];

  const held = await runCli(['send', site, '--state', join(dir, 'held.json'), ...net]);
  assert.equal(held.code, 0, held.stderr);
  assert.match(held.stdout, /held: http:\/\/blog\.example\/a\/ is not live yet \(HTTP 404\); deploy first, the next run sends it/);
  assert.match(held.stdout, /4 held for the next run/);
  assert.deepEqual(posts(web), []);

  const before = web.requests.length;
  const unchecked = await runCli(['send', site, '--state', join(dir, 'flag.json'), '--no-check-live', ...net]);
  assert.equal(unchecked.code, 0, unchecked.stderr);
  assert.deepEqual(posts(web, before), SENT_A);
  assert.deepEqual(liveGets(web, before), [], 'no GET of the post');

  // The flag layer must not say "check" when the flag is not given: the config's false holds.
  const config = join(dir, 'linkback.config.json');
  await writeFile(config, JSON.stringify({ checkLive: false }));
  const configured = web.requests.length;
  const fromConfig = await runCli(['send', site, '--config', config, '--state', join(dir, 'config.json'), ...net]);
  assert.equal(fromConfig.code, 0, fromConfig.stderr);
  assert.deepEqual(posts(web, configured), SENT_A);
  assert.deepEqual(liveGets(web, configured), []);
});

test('liveView / notLiveReason: what counts as live, read with the site reader', () => {
  const read = targetReader(parseOptions({ site: '.' }));
  const url = 'https://blog.example/p/';
  const page = (body: string) => ({ status: 200, body: Buffer.from(`<html><body><article><h1>P</h1>${body}</article></body></html>`), contentType: 'text/html' });
  // Relative links resolve against the post's URL; an arXiv pdf link maps to the abs page the target is named by.
  const view = liveView(page('<p><a href="../q/">q</a> <a href="https://arxiv.org/pdf/2001.08361v2">paper</a> <a href="https://x.example/a?b=1&amp;c=2">x</a></p>'), url, read);
  assert.equal(notLiveReason(view, url, 'https://arxiv.org/abs/2001.08361', true), null);
  assert.equal(notLiveReason(view, url, 'https://x.example/a?b=1&c=2', true), null);
  assert.equal(notLiveReason(view, url, 'https://y.example/', true), `the live copy of ${url} does not link to it yet`);
  assert.equal(notLiveReason(view, url, 'https://x.example/a?b=1&c=2', false), `the live copy of ${url} still links to it`);
  assert.equal(notLiveReason(view, url, 'https://y.example/', false), null);
  // Not 200: held, except a removed link on a page that is gone (the receiver sees no link either way).
  const gone = liveView({ status: 410, body: Buffer.alloc(0), contentType: 'text/plain' }, url, read);
  assert.equal(notLiveReason(gone, url, 'https://y.example/', true), `${url} is not live yet (HTTP 410)`);
  assert.equal(notLiveReason(gone, url, 'https://y.example/', false), null);
  const moved = liveView({ status: 503, body: Buffer.alloc(0), contentType: 'text/plain' }, url, read);
  assert.equal(notLiveReason(moved, url, 'https://y.example/', false), `${url} is not live yet (HTTP 503)`);
  const down = liveView({ error: 'cannot connect: ECONNREFUSED' }, url, read);
  assert.equal(notLiveReason(down, url, 'https://y.example/', true), `${url} is not live yet (cannot connect: ECONNREFUSED)`);
  const image = liveView({ status: 200, body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), contentType: 'image/png' }, url, read);
  assert.equal(notLiveReason(image, url, 'https://y.example/', true), `${url} is not live yet (not an HTML page)`);
});
