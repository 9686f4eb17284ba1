// The pairs of a run (src/run/pairs.ts): each (post, target) pair of a post through plan -> discover -> deliver,
// on a real loopback web and a real state: what the servers receive, what is recorded, and the post record
// written once the post's pairs are done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localRun } from './fixtures/lifecycle/web.ts';
import { stepRun } from './fixtures/run-context.ts';
import { createPairRunner } from '../src/run/pairs.ts';
import { createDiscover } from '../src/run/discover.ts';
import { createDeliverer } from '../src/run/deliver.ts';
import { planPost } from '../src/run/plan.ts';
import { createInFlightGate } from '../src/state/in-flight.ts';
import { createScope } from '../src/scope.ts';
import type { OptionsInput } from '../src/options.ts';
import type { Post } from '../src/types.ts';
import type { StepRun } from './fixtures/run-context.ts';

const post = (links: string[], hash: string): Post => ({ url: 'http://blog.example/a/', file: 'a/index.html', title: 'A', excerpt: 'x', blogName: 'Blog', published: '2026-01-01', links, hash });

async function setup(t: { after: (fn: () => Promise<void>) => void }, extra: Partial<OptionsInput> = {}) {
  const { web, options } = await localRun(t, 'run-pairs');
  const run = await stepRun(t, { ...options, ...extra });
  return { web, run };
}

/** Hands a post's pairs to a new runner, as src/linkback.ts does, and waits for them and the post record. */
async function handle(run: StepRun, p: Post): Promise<void> {
  const { ctx } = run;
  const scope = createScope(ctx.options);
  const pairs = createPairRunner(ctx, {
    discover: createDiscover(ctx.net, true, ctx.emit),
    deliverer: createDeliverer(ctx, { inFlight: createInFlightGate(() => 2), live: null, departed: new Set() }),
    scope,
    liveCheck: false,
  });
  await pairs.post(p, planPost(p, ctx.state.getPost(p.url), { arxivEndpoint: ctx.options.arxivEndpoint, exclude: [], scope }));
  await pairs.idle();
}

test('a post\'s first run: every protocol sent once, no endpoint recorded, and the post recorded after its pairs', async (t) => {
  const { web, run } = await setup(t);
  const first = post(['http://wm.example/one', 'http://pb.example/p', 'http://plain.example/x', 'http://arxiv.org/abs/1706.03762'], '1'.repeat(64));
  await handle(run, first);
  assert.deepEqual(web.posts().map((r) => `${r.host}${r.path}`).sort(), ['arxiv.org/trackback/1706.03762', 'pb.example/xmlrpc', 'wm.example/webmention']);
  assert.equal(web.requests.some((r) => r.host === 'arxiv.org' && r.method === 'GET'), false, 'arXiv is known by rule');
  assert.equal(run.state.get(first.url, 'http://plain.example/x')?.status, 'no-endpoint');
  const summary = run.ctx.tally.summary;
  assert.deepEqual([summary.targets, summary.sent, summary.noEndpoint], [4, 3, 1]);
  assert.deepEqual([...run.state.getPost(first.url)?.targets ?? []].sort(), ['http://pb.example/p', 'http://plain.example/x', 'http://wm.example/one', 'https://arxiv.org/abs/1706.03762']);
  assert.deepEqual(run.events.filter((e) => e.type === 'post').length, 1);
});

test('the same post again: nothing sent; edited to drop a Webmention link: that target is told, once', async (t) => {
  const { web, run } = await setup(t);
  await handle(run, post(['http://wm.example/one', 'http://wm.example/two'], '1'.repeat(64)));
  const before = web.requests.length;
  await handle(run, post(['http://wm.example/one', 'http://wm.example/two'], '1'.repeat(64)));
  assert.equal(web.requests.length, before);
  assert.equal(run.ctx.tally.summary.skipped, 2);
  await handle(run, post(['http://wm.example/one'], '2'.repeat(64)));
  const after = web.requests.slice(before);
  assert.deepEqual(after.filter((r) => r.method === 'POST').map((r) => new URLSearchParams(r.body).get('target')), ['http://wm.example/two']);
  assert.equal(run.state.get('http://blog.example/a/', 'http://wm.example/two')?.update, true);
  assert.deepEqual(run.state.getPost('http://blog.example/a/')?.targets, ['http://wm.example/one']);
  assert.equal(run.state.getPost('http://blog.example/a/')?.unlinked, undefined);
});

test('a dry run: every pair reported, nothing posted, nothing recorded', async (t) => {
  const { web, run } = await setup(t, { dryRun: true });
  await handle(run, post(['http://wm.example/one', 'http://arxiv.org/abs/1706.03762'], '1'.repeat(64)));
  assert.equal(web.posts().length, 0);
  assert.deepEqual(run.ctx.tally.results.map((r) => r.status), ['dry-run', 'dry-run']);
  assert.equal(run.state.getPost('http://blog.example/a/'), undefined);
});
