// verify: for what was sent, does the target show the post now? Against the simulated web's arXiv-like listing
// (with moderation) and a local web whose pages and Webmention status URLs the tests control.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { baseline, send, verify } from '../src/index.ts';
import type { OptionsInput, VerifyResult } from '../src/index.ts';
import { openState } from '../src/state/store.ts';
import { startSimulatedWeb } from '../example/web.ts';
import { localRun } from './fixtures/lifecycle/web.ts';
import type { TestWeb } from './fixtures/lifecycle/web.ts';
import { build, postUrl } from './fixtures/lifecycle/blog.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const POST1 = 'https://blog.example.org/2026/10/02/attention-is-all-you-need/';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-verify-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('arXiv: the trackback listing shows the post only once moderated; verified then, recorded with the time, not checked again', async (t) => {
  const web = await startSimulatedWeb({ holdTrackbacks: true });
  t.after(() => web.close());
  const dir = await tempDir(t);
  const options: OptionsInput = {
    site: join(root, 'example/site'),
    state: join(dir, 'state.json'),
    connectTo: { '*': `127.0.0.1:${web.port}` },
    allowPrivate: true,
    arxivEndpoint: 'http://arxiv.org/trackback/{id}',
    arxivListing: 'http://arxiv.org/tb/{id}',
    retries: 0,
    // About verify: the example blog's https:// posts are served with a certificate this process does not trust
    // (see test/fixtures/simulated-run.ts); the live check has its own tests.
    checkLive: false,
  };
  await send(options);
  const arxiv = (results: VerifyResult[]) => results.filter((r) => r.method === 'arxiv-listing');

  const held = await verify(options, { now: () => new Date('2026-12-01T00:00:00Z') });
  assert.equal(arxiv(held.results).length, 4, 'four papers were sent a trackback (the unknown one failed)');
  assert.ok(arxiv(held.results).every((r) => r.result === 'not-yet'));
  const listing = held.results.find((r) => r.source === POST1 && r.target === 'https://arxiv.org/abs/1706.03762');
  assert.equal(listing?.url, 'http://arxiv.org/tb/1706.03762');

  web.approveTrackbacks();
  const later = await verify(options, { now: () => new Date('2026-12-02T00:00:00Z') });
  assert.ok(arxiv(later.results).every((r) => r.result === 'verified'), JSON.stringify(arxiv(later.results)));
  const state = await openState(options.state as string, { readOnly: true });
  assert.deepEqual(state.get(POST1, 'https://arxiv.org/abs/1706.03762')?.verification, {
    result: 'verified', at: '2026-12-02T00:00:00.000Z', method: 'arxiv-listing', url: 'http://arxiv.org/tb/1706.03762',
  });
  // The simulated Webmention and Pingback targets never show the posts: recorded as not yet.
  assert.equal(state.get(POST1, 'http://webmention.example/2025/notes-on-transformers')?.verification?.result, 'not-yet');
  await state.close();

  const before = web.requests.length;
  const third = await verify(options);
  assert.equal(third.summary.alreadyVerified, 4);
  assert.ok(!web.requests.slice(before).some((r) => r.path.startsWith('/tb/')), 'a verified notification is not checked again');
});

async function setup(t: { after: (fn: () => Promise<void>) => void }, posts: readonly PostSpec[]): Promise<{ web: TestWeb; site: string; options: OptionsInput }> {
  const { web, dir, options } = await localRun(t, 'verify');
  const site = join(dir, 'site');
  await build(site, posts, 'T1');
  return { web, site, options: { ...options, site, arxivListing: 'http://arxiv.org/tb/{id}' } };
}

const A: PostSpec = {
  slug: 'a', title: 'A', date: '2024-05-01',
  body: '<p><a href="http://wm.example/one">one</a> <a href="http://pb.example/p">p</a> <a href="http://wm.example/gone">gone</a></p>',
};

test('a Webmention status URL that says so decides; otherwise the target page linking back does', async (t) => {
  const { web, options } = await setup(t, [A]);
  await send(options);
  web.statusWord = 'queued';
  web.backlinks.set('/one', [postUrl('a')]);
  web.backlinks.set('/p', [postUrl('a')]);
  const byTarget = (results: VerifyResult[]) => new Map(results.map((r) => [r.target, r]));

  const first = byTarget((await verify(options)).results);
  assert.equal(first.get('http://wm.example/one')?.result, 'verified');
  assert.equal(first.get('http://wm.example/one')?.method, 'target-page');
  assert.match(first.get('http://wm.example/one')?.message ?? '', /status URL says "queued"/);
  assert.equal(first.get('http://pb.example/p')?.result, 'verified');
  assert.equal(first.get('http://wm.example/gone')?.result, 'not-yet');
  assert.equal(first.get('http://wm.example/gone')?.method, 'target-page');

  web.statusWord = 'success';
  const second = byTarget((await verify(options)).results);
  assert.equal(second.size, 1, 'only the one not verified yet');
  assert.equal(second.get('http://wm.example/gone')?.result, 'verified');
  assert.equal(second.get('http://wm.example/gone')?.method, 'status-url');
  assert.match(second.get('http://wm.example/gone')?.url ?? '', /^http:\/\/wm\.example\/status\/\d+$/);
});

test('a page that cannot be read is an error, and nothing is recorded for it', async (t) => {
  const { web, options } = await setup(t, [A]);
  await send(options);
  // Every page (and status URL) now fails: no verdict at all.
  await web.close();
  const report = await verify({ ...options, timeout: 1000, connectTimeout: 500 });
  assert.ok(report.results.every((r) => r.result === 'error'));
  assert.equal(report.summary.errors, 3);
  const state = await openState(options.state as string, { readOnly: true });
  assert.equal(state.get(postUrl('a'), 'http://wm.example/one')?.verification, undefined);
  await state.close();
});

test('only what we sent, to targets the post still links to: baseline records, dropped links and deleted posts are not checked', async (t) => {
  const { web, site, options } = await setup(t, [A]);
  await baseline(options);
  const marked = await verify(options);
  assert.equal(marked.summary.checked, 0);
  assert.equal(web.requests.length, 0);

  const B: PostSpec = { slug: 'b', title: 'B', date: '2024-06-01', body: '<p><a href="http://wm.example/b1">b1</a> <a href="http://wm.example/b2">b2</a></p>' };
  await build(site, [A, B], 'T2');
  await send(options);
  await build(site, [A, { ...B, body: '<p><a href="http://wm.example/b1">b1</a></p>' }], 'T3');
  await send(options);
  const report = await verify(options);
  assert.deepEqual(report.results.map((r) => r.target), ['http://wm.example/b1']);

  await build(site, [A], 'T4');
  web.status.set('/b/', 410);
  await send({ ...options, deletes: true });
  const afterDelete = await verify(options);
  assert.deepEqual(afterDelete.results, [], 'a deleted post should not be shown: nothing to verify');
});

test('verify is polite: one host is never asked more than perHost at once; a page is fetched once per run; dryRun records nothing', async (t) => {
  const many: PostSpec[] = Array.from({ length: 6 }, (_, i) => ({ slug: `p${i}`, title: `P${i}`, date: '2024-05-01', body: `<p><a href="http://wm.example/t${i}">t</a> <a href="https://arxiv.org/abs/2001.08361">paper</a></p>` }));
  const { web, options } = await setup(t, many);
  await send(options);
  web.delay = 30;
  web.maxInFlight.clear();
  const before = web.requests.length;
  const report = await verify({ ...options, perHost: 1, concurrency: 8, dryRun: true });
  assert.equal(report.summary.checked, 12);
  assert.equal(web.maxInFlight.get('wm.example'), 1);
  assert.equal(web.requests.slice(before).filter((r) => r.path === '/tb/2001.08361').length, 1, 'one listing serves six posts');
  assert.equal(report.summary.verified, 6, 'the listing shows all six');
  const state = await openState(options.state as string, { readOnly: true });
  assert.equal(state.get(postUrl('p0'), 'https://arxiv.org/abs/2001.08361')?.verification, undefined, 'dryRun: nothing recorded');
  await state.close();
});
