// Step 4 of a run (src/run/deliver.ts): one notification to a known endpoint, on a real loopback server and a
// real state file: "in flight" durable before the request is on the wire, the outcome recorded after; held
// when our post is not live yet; recorded as done without sending (markExisting); nothing sent by a dry run.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stepRun } from './fixtures/run-context.ts';
import type { StepRun } from './fixtures/run-context.ts';
import { createDeliverer } from '../src/run/deliver.ts';
import type { DeliverWith } from '../src/run/deliver.ts';
import { createInFlightGate } from '../src/state/in-flight.ts';
import type { OptionsInput } from '../src/options.ts';
import type { Endpoint, Post } from '../src/types.ts';
import type { NotificationRecord } from '../src/state/format.ts';

const POST: Post = { url: 'http://blog.example/a/', file: 'a/index.html', title: 'A post', excerpt: 'About it', blogName: 'Blog', published: '2026-01-01', links: ['http://wm.example/one'], hash: 'h' };
const TARGET = 'http://wm.example/one';
const ENDPOINT: Endpoint = { protocol: 'webmention', url: 'http://wm.example/webmention', via: 'Link header' };

/** wm.example's endpoint; each POST notes the pair's record as the state held it when the request arrived. */
async function receiver(t: TestContext, seen: () => NotificationRecord | undefined) {
  const posts: Array<{ body: URLSearchParams; recordAtArrival: string | undefined }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push({ body: new URLSearchParams(Buffer.concat(chunks).toString('utf8')), recordAtArrival: seen()?.status });
      res.writeHead(202, { 'content-type': 'text/plain' }).end('queued');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, posts };
}

async function setup(t: TestContext, extra: Partial<OptionsInput> = {}): Promise<StepRun & { posts: Awaited<ReturnType<typeof receiver>>['posts'] }> {
  // The receiver is started first (the options name its port) and reads the state once the run has one.
  const opened: { run?: StepRun } = {};
  const server = await receiver(t, () => opened.run?.state.get(POST.url, TARGET));
  const run = await stepRun(t, { state: 'unused', connectTo: { '*': `127.0.0.1:${server.port}` }, allowPrivate: true, retries: 0, ...extra });
  opened.run = run;
  return { ...run, posts: server.posts };
}

const gate = (more: Partial<DeliverWith> = {}): DeliverWith => ({ inFlight: createInFlightGate(() => 2), live: null, departed: new Set(), ...more });

test('a notification is recorded in flight before it goes on the wire, and its outcome after', async (t) => {
  const run = await setup(t);
  await createDeliverer(run.ctx, gate()).deliver(POST, TARGET, ENDPOINT, undefined, { fingerprint: 'f1' }, null);
  assert.equal(run.posts.length, 1);
  assert.equal(run.posts[0]?.recordAtArrival, 'in-flight');
  assert.equal(run.posts[0]?.body.get('source'), POST.url);
  assert.equal(run.posts[0]?.body.get('target'), TARGET);
  const stored = run.state.get(POST.url, TARGET);
  assert.equal(stored?.status, 'sent');
  assert.equal(stored?.attempts, 1);
  assert.equal(stored?.fingerprint, 'f1');
  assert.deepEqual(run.ctx.tally.results.map((r) => [r.status, r.code, r.message]), [['sent', 'ok', stored?.message]]);
  assert.equal(run.ctx.tally.summary.resent, 0);
});

test('an update says why, and counts as re-sent', async (t) => {
  const run = await setup(t);
  const previous = { source: POST.url, target: TARGET, protocol: 'webmention', endpoint: ENDPOINT.url, status: 'sent', code: 'ok', message: 'HTTP 202', at: '2026-01-02T00:00:00.000Z', attempts: 1, retryable: false, fingerprint: 'f0' } satisfies NotificationRecord;
  await createDeliverer(run.ctx, gate()).deliver(POST, TARGET, ENDPOINT, previous, { fingerprint: 'f1', update: true }, 'post changed');
  assert.equal(run.posts.length, 1);
  assert.equal(run.state.get(POST.url, TARGET)?.attempts, 2);
  assert.equal(run.state.get(POST.url, TARGET)?.update, true);
  assert.match(run.ctx.tally.results[0]?.message ?? '', /^post changed: /);
  assert.equal(run.ctx.tally.summary.resent, 1);
});

test('a post not live yet: the pair is held and recorded retryable, nothing is sent; a departed post is not checked', async (t) => {
  const run = await setup(t);
  const asked: string[] = [];
  const live = async (post: Post) => {
    asked.push(post.url);
    return { live: false as const, why: 'HTTP 404', httpStatus: 404 };
  };
  const deliverer = createDeliverer(run.ctx, gate({ live }));
  await deliverer.deliver(POST, TARGET, ENDPOINT, undefined, { fingerprint: 'f1' }, null);
  assert.equal(run.posts.length, 0);
  const held = run.state.get(POST.url, TARGET);
  assert.deepEqual([held?.status, held?.code, held?.retryable, held?.attempts], ['failed', 'not-deployed', true, 0]);
  assert.equal(run.ctx.tally.summary.held, 1);
  assert.deepEqual(asked, [POST.url]);

  const gone = createDeliverer(run.ctx, gate({ live, departed: new Set([POST.url]) }));
  await gone.deliver(POST, TARGET, ENDPOINT, held, { fingerprint: 'gone', update: true }, 'post deleted');
  assert.equal(run.posts.length, 1);
  assert.deepEqual(asked, [POST.url]);
});

test('markExisting records the pair as done and sends nothing', async (t) => {
  const run = await setup(t, { markExisting: true });
  const entry: NotificationRecord = { source: POST.url, target: TARGET, protocol: null, endpoint: null, status: 'sent', code: 'already-done', message: 'recorded as done without sending (markExisting)', at: '2026-01-02T00:00:00.000Z', attempts: 0, retryable: false };
  await createDeliverer(run.ctx, gate()).mark(POST, TARGET, entry, null);
  assert.equal(run.posts.length, 0);
  assert.deepEqual(run.state.get(POST.url, TARGET), entry);
  assert.equal(run.ctx.tally.summary.marked, 1);
  assert.equal(run.ctx.tally.results[0]?.code, 'already-done');
});

test('a dry run reports what it would send, and touches neither the wire nor the state', async (t) => {
  const run = await setup(t, { dryRun: true });
  const deliverer = createDeliverer(run.ctx, gate());
  await deliverer.deliver(POST, TARGET, ENDPOINT, undefined, { fingerprint: 'f1' }, null);
  await deliverer.mark(POST, 'http://wm.example/two', { source: POST.url, target: 'http://wm.example/two', protocol: null, endpoint: null, status: 'sent', code: 'already-done', message: 'm', at: '2026-01-02T00:00:00.000Z', attempts: 0, retryable: false }, null);
  assert.equal(run.posts.length, 0);
  assert.equal(run.state.get(POST.url, TARGET), undefined);
  assert.deepEqual(run.ctx.tally.results.map((r) => [r.status, r.message]), [
    ['dry-run', 'would send webmention (Link header)'],
    ['dry-run', 'would be recorded as done without sending (markExisting)'],
  ]);
});

test('a stopped run sends nothing more', async (t) => {
  const run = await setup(t);
  run.abort();
  await createDeliverer(run.ctx, gate()).deliver(POST, TARGET, ENDPOINT, undefined, { fingerprint: 'f1' }, null);
  assert.equal(run.posts.length, 0);
  assert.equal(run.state.get(POST.url, TARGET), undefined);
  assert.equal(run.ctx.tally.results.length, 0);
});
