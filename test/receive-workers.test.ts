// Verification workers on a real store: a verifier that never answers costs one worker its deadline, not the others;
// a job left by a crashed worker is taken again after its lease; retryable failures back off; stopping puts the
// verifications in flight back in the queue. On SQLite and on Postgres alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startWorkers } from '../src/receive/queue/workers.ts';
import type { Verifier, WorkerEvent } from '../src/receive/queue/workers.ts';
import type { Received } from '../src/receive/types.ts';
import { forEachStore } from './receive-stores.ts';

const SITE = 'https://blog.example';
const claimOf = (path: string): Received => ({ site: SITE, protocol: 'webmention', source: `https://src.example/${path}`, target: `${SITE}/post`, clientAddress: '192.0.2.1', receivedAt: new Date().toISOString() });

/** Collects worker events; `until` resolves when the predicate holds over what came so far. */
function events() {
  const seen: WorkerEvent[] = [];
  let waiters: Array<() => void> = [];
  return {
    seen,
    onEvent(event: WorkerEvent) {
      seen.push(event);
      for (const wake of waiters) wake();
    },
    async until(predicate: (seen: WorkerEvent[]) => boolean): Promise<void> {
      while (!predicate(seen)) await new Promise<void>((resolve) => waiters.push(resolve));
      waiters = [];
    },
  };
}

forEachStore((kind) => {
  test(`${kind.name}: a source that never answers holds one worker until its deadline; the other worker verifies everything else meanwhile`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const log = events();
    // Ignores its signal on purpose: the deadline must free the worker anyway.
    const verify: Verifier = (received) => received.source.endsWith('/silent') ? new Promise(() => {}) : Promise.resolve({ ok: true, property: 'mention-of' });
    await store.enqueue(claimOf('silent'));
    for (let i = 0; i < 10; i++) await store.enqueue(claimOf(`p${i}`));
    // The deadline is long: all ten others must be done by the free worker while the silent one holds the other.
    const workers = startWorkers({ store, verify, count: 2, deadlineMs: 60_000, pollMs: 20, onEvent: log.onEvent });
    t.after(() => workers.stop());
    await log.until((seen) => seen.filter((e) => e.type === 'done').length === 10);
    assert.ok(!log.seen.some((e) => e.type !== 'done'), 'the silent source is still in flight');
    assert.equal((await store.mentions({})).length, 10);
    await workers.stop();
    const silent = (await store.mentions({})).find((m) => m.source.endsWith('/silent'));
    assert.equal(silent, undefined);
    assert.equal(await store.queueDepth(), 1, 'stopping put the silent one back in the queue');
  });

  test(`${kind.name}: at its deadline a verification is a retryable failure, retried after the backoff and dead after maxAttempts`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const log = events();
    const job = await store.enqueue(claimOf('silent'));
    const workers = startWorkers({ store, verify: () => new Promise(() => {}), count: 1, deadlineMs: 50, backoffMs: () => 0, pollMs: 10, onEvent: log.onEvent });
    t.after(() => workers.stop());
    await log.until((seen) => seen.filter((e) => e.type === 'retry').length === 3);
    await workers.stop();
    const dead = await store.job(job.id);
    assert.equal(dead?.state, 'dead');
    assert.match(dead?.lastError ?? '', /^fetch-failed: no verdict within 50 ms/);
    assert.equal(dead?.attempts, 3);
  });

  test(`${kind.name}: a job taken by a worker that crashed is taken again once its lease ends, and verified once`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const log = events();
    const job = await store.enqueue(claimOf('p'));
    const crashedAt = new Date(Date.parse((await store.job(job.id))!.notBefore) + 1);
    assert.equal((await store.claim('crashed-worker', crashedAt, 1000))?.id, job.id);
    // The clock of the new workers: past the crashed worker's lease.
    const workers = startWorkers({ store, verify: async () => ({ ok: true, property: 'like-of' }), count: 1, deadlineMs: 1000, pollMs: 10, now: () => new Date(crashedAt.getTime() + 1000), onEvent: log.onEvent });
    t.after(() => workers.stop());
    await log.until((seen) => seen.some((e) => e.type === 'done'));
    await workers.stop();
    const done = await store.job(job.id);
    assert.equal(done?.state, 'done');
    assert.equal(done?.attempts, 2);
    assert.equal((await store.mentions({}))[0]?.property, 'like-of');
  });

  test(`${kind.name}: a verifier that throws is a retryable failure, not a dead worker`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const log = events();
    await store.enqueue(claimOf('boom'));
    await store.enqueue(claimOf('fine'));
    const verify: Verifier = async (received) => {
      if (received.source.endsWith('boom')) throw new Error('parser bug');
      return { ok: true, property: 'mention-of' };
    };
    const workers = startWorkers({ store, verify, count: 1, deadlineMs: 1000, pollMs: 10, onEvent: log.onEvent });
    t.after(() => workers.stop());
    await log.until((seen) => seen.some((e) => e.type === 'done'));
    // Before the store closes (t.after hooks run in the order given): seen with Kysely on pg, a query on a
    // destroyed pool never settles and the worker's loop would hang the test.
    await workers.stop();
    const retry = log.seen.find((e) => e.type === 'retry');
    assert.ok(retry && retry.type === 'retry' && !retry.verification.ok && /parser bug/.test(retry.verification.reason));
  });
});
