// Fair scheduling per site (issue 13), on SQLite and Postgres: a flood of one site's claims queued first does not
// keep another site's claims waiting behind it. Asserted on the order jobs finish in (counts), never on time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Received, ReceiverStore } from '../src/receive/types.ts';
import { WALK_LIMIT } from '../src/receive/store/store.ts';
import { forEachStore } from './receive-stores.ts';

const A = 'https://a.example';
const B = 'https://b.example';
const T0 = new Date('2026-03-01T12:00:00.000Z');

function claimOf(site: string, i: number): Received {
  return { site, protocol: 'webmention', source: `https://src.example/${i}`, target: `${site}/post`, clientAddress: '192.0.2.1', receivedAt: T0.toISOString() };
}

/** `count` workers taking and finishing jobs until none is due; the sites of the finished jobs, in finishing order. */
async function drain(stores: ReceiverStore[], count: number): Promise<string[]> {
  const order: string[] = [];
  // The clock stands still: fairness must not rest on timestamps differing.
  const work = async (n: number) => {
    const store = stores[n % stores.length]!;
    for (;;) {
      const job = await store.claim(`worker-${n}`, T0, 60_000);
      if (!job) return;
      order.push(job.received.site);
      await store.complete(job.id, { ok: false, code: 'no-link', reason: 'test', retryable: false }, T0);
    }
  };
  await Promise.all(Array.from({ length: count }, (_, n) => work(n)));
  return order;
}

forEachStore((kind) => {
  test(`${kind.name}: 10 jobs of site B queued after 1,000 of site A are all done long before A's`, { timeout: 600_000 }, async (t) => {
    const { store, another } = await kind.open(t);
    await store.ensureSite(A);
    await store.ensureSite(B);
    for (let i = 0; i < 1000; i++) await store.enqueue(claimOf(A, i));
    for (let i = 0; i < 10; i++) await store.enqueue(claimOf(B, i));
    // Four workers; on Postgres in two "processes" (two stores on one database). One SQLite file has one process.
    const order = await drain(kind.name === 'postgres' ? [store, await another()] : [store], 4);
    assert.equal(order.length, 1010, 'every job done once');
    const lastB = order.lastIndexOf(B);
    const firstA = order.indexOf(A);
    const aDoneBefore = order.slice(0, lastB).filter((site) => site === A).length;
    // Round-robin: about one A job per B job (a few more while workers race); first-come would be 1,000.
    assert.ok(aDoneBefore <= 30, `${aDoneBefore} of A's jobs were done before B's last one (order starts ${order.slice(0, 30).join(' ')})`);
    assert.ok(firstA >= 0 && order.filter((site) => site === B).length === 10);
  });

  test(`${kind.name}: one site alone is taken oldest first, and a removed site's waiting jobs are dead-lettered`, async (t) => {
    const { store } = await kind.open(t);
    await store.ensureSite(A);
    await store.ensureSite(B);
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await store.enqueue(claimOf(A, i))).id);
    const bJob = await store.enqueue(claimOf(B, 0));
    assert.equal(await store.removeSite(B, T0), true);
    assert.equal(await store.removeSite(B, T0), false);
    assert.equal((await store.job(bJob.id))?.state, 'dead');
    const taken = [];
    for (let job = await store.claim('w', T0, 60_000); job; job = await store.claim('w', T0, 60_000)) taken.push(job.id);
    assert.deepEqual(taken, ids);
  });

  test(`${kind.name}: with more sites waiting than claim() walks, it sorts instead and the order is the same round-robin`, { timeout: 600_000 }, async (t) => {
    const { store } = await kind.open(t);
    // A's flood first, then one job of each of WALK_LIMIT + 20 other sites (some configured, some not: their turn
    // counts as the oldest either way). The first claims sort the queue; once WALK_LIMIT sites or fewer are left
    // waiting, they walk the index: one order throughout, asserted job by job.
    const others = Array.from({ length: WALK_LIMIT + 20 }, (_, i) => `https://site-${String(i).padStart(3, '0')}.example`);
    await store.ensureSites([A, ...others.filter((_, i) => i % 2 === 0)]);
    const aIds = [];
    for (let i = 0; i < 5; i++) aIds.push((await store.enqueue(claimOf(A, i))).id);
    const otherIds = [];
    for (const [i, site] of others.entries()) otherIds.push((await store.enqueue(claimOf(site, i))).id);
    const taken = [];
    // Each job finished before the next claim: a running job still counts as waiting.
    for (let job = await store.claim('w', T0, 60_000); job; job = await store.claim('w', T0, 60_000)) {
      taken.push(job.id);
      await store.complete(job.id, { ok: false, code: 'no-link', reason: 'test', retryable: false }, T0);
    }
    // A's oldest job first (every turn equal), then each other site once, oldest job first, then the rest of A's.
    assert.deepEqual(taken, [aIds[0], ...otherIds, ...aIds.slice(1)]);
  });

  test(`${kind.name}: sites keep their settings; a rotated token replaces the old one`, async (t) => {
    const { store, another } = await kind.open(t);
    const first = await store.putSite(A, { rateClient: 5, approve: 'all', blockDomains: ['spam.example'] });
    assert.deepEqual(first.settings, { rateClient: 5, approve: 'all', blockDomains: ['spam.example'] });
    const again = await store.putSite(A, { rateSource: 7 });
    assert.equal(again.readToken, first.readToken, 'settings changed, token kept');
    const rotated = await store.rotateToken(A);
    assert.ok(rotated && rotated.readToken !== first.readToken);
    // Another process on the same database sees it at once.
    const seen = await (await another()).site(A);
    assert.deepEqual(seen, { origin: A, readToken: rotated.readToken, settings: { rateSource: 7 } });
    assert.equal(await store.rotateToken(B), undefined);
  });
});
