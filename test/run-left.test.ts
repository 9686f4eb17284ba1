// Step 5 of a run (src/run/left.ts): a post of the state gone from the site. On a real loopback web: its URL is
// checked, and with `deletes` each Webmention target it linked is told again (the receiver sees it gone); the
// post record is then marked deleted. Without `deletes`, or while the URL still answers, nothing is sent.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { localRun } from './fixtures/lifecycle/web.ts';
import { stepRun } from './fixtures/run-context.ts';
import { tellLeft } from '../src/run/left.ts';
import { createPairRunner } from '../src/run/pairs.ts';
import { createDiscover } from '../src/run/discover.ts';
import { createDeliverer } from '../src/run/deliver.ts';
import { createInFlightGate } from '../src/state/in-flight.ts';
import { createScope } from '../src/scope.ts';
import type { OptionsInput } from '../src/options.ts';
import type { PostRecord } from '../src/state/format.ts';
import { GONE } from '../src/lifecycle/plan.ts';

const URL_GONE = 'http://blog.example/gone/';
const KNOWN: PostRecord = { url: URL_GONE, file: 'gone/index.html', hash: '1'.repeat(64), targets: ['http://wm.example/one'], seen: '2026-01-01T00:00:00.000Z', fingerprint: 'f0' };

async function setup(t: TestContext, extra: Partial<OptionsInput>) {
  const { web, options } = await localRun(t, 'run-left');
  const run = await stepRun(t, { ...options, ...extra });
  const { ctx } = run;
  await ctx.state.putPost(KNOWN);
  await ctx.state.put({
    source: URL_GONE, target: 'http://wm.example/one', protocol: 'webmention', endpoint: 'http://wm.example/webmention', status: 'sent',
    code: 'ok', message: 'HTTP 202', at: '2026-01-01T00:00:00.000Z', attempts: 1, retryable: false, fingerprint: 'f0',
  });
  const departed = new Set<string>();
  const pairs = createPairRunner(ctx, {
    discover: createDiscover(ctx.net, true, ctx.emit),
    deliverer: createDeliverer(ctx, { inFlight: createInFlightGate(() => 2), live: null, departed }),
    scope: createScope(ctx.options),
    liveCheck: false,
  });
  const left = async () => {
    await tellLeft(ctx, KNOWN, pairs, departed);
    await pairs.idle();
  };
  return { web, ...run, departed, left };
}

test('without deletes: the post is counted and said gone, with what a run with deletes would tell; nothing is fetched', async (t) => {
  const { web, ctx, events, left } = await setup(t, { deletes: false });
  await left();
  assert.equal(web.requests.length, 0);
  assert.equal(ctx.tally.summary.deletedPosts, 1);
  assert.deepEqual(events.filter((e) => e.type === 'deleted'), [
    { type: 'deleted', url: URL_GONE, file: 'gone/index.html', targets: 1, message: 'gone from the site; 1 Webmention target(s) to tell: run with deletes' },
  ]);
  assert.equal(ctx.state.getPost(URL_GONE)?.deleted, undefined);
});

test('with deletes, once the URL answers 404: each Webmention target is told again, and the post is recorded deleted', async (t) => {
  const { web, ctx, departed, left } = await setup(t, { deletes: true });
  await left();
  assert.deepEqual(web.requests.map((r) => `${r.method} ${r.host}${r.path}`), ['GET blog.example/gone/', 'GET wm.example/one', 'POST wm.example/webmention']);
  assert.equal(new URLSearchParams(web.posts()[0]?.body).get('source'), URL_GONE);
  assert.ok(departed.has(URL_GONE));
  const told = ctx.state.get(URL_GONE, 'http://wm.example/one');
  assert.deepEqual([told?.status, told?.fingerprint, told?.update], ['sent', GONE, true]);
  assert.match(ctx.tally.results[0]?.message ?? '', /^post deleted: /);
  assert.equal(typeof ctx.state.getPost(URL_GONE)?.deleted, 'string');
});

test('with deletes, while the URL still answers: a warning, nothing sent, the post not marked', async (t) => {
  const { web, ctx, left } = await setup(t, { deletes: true });
  web.status.set('/gone/', 200);
  await left();
  assert.equal(web.posts().length, 0);
  assert.equal(ctx.tally.warnings.length, 1);
  assert.match(ctx.tally.warnings[0]?.message ?? '', /^gone from the site but /);
  assert.equal(ctx.state.getPost(URL_GONE)?.deleted, undefined);
});
