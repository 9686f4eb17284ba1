// The receiver's store (Kysely, on SQLite and on Postgres alike) and its job queue: one row per (site, source,
// target), updates replace, deletes mark; jobs are taken with a lease, retried with backoff, dead-lettered; two
// stores (two processes) on one database never take the same job, and a process killed mid-job loses it to another
// at the end of its lease. SQLite alone: a killed writer never leaves a corrupt or half-written database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../src/receive/store/sqlite.ts';
import { isLinkbackError } from '../src/errors.ts';
import type { Received, ReceiverStore, Verification } from '../src/receive/types.ts';
import { root } from './receive-helpers.ts';
import { forEachStore } from './receive-stores.ts';

const SITE = 'https://blog.example';
const T0 = new Date('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function claimOf(i: number, extra: Partial<Received> = {}): Received {
  return { site: SITE, protocol: 'webmention', source: `https://other.example/p/${i}`, target: `${SITE}/post`, clientAddress: '192.0.2.1', receivedAt: T0.toISOString(), ...extra };
}

const mention = (text: string): Extract<Verification, { ok: true }> => ({ ok: true, property: 'in-reply-to', content: { html: `<p>${text}</p>`, text }, author: { name: 'Ann' } });

async function open(t: { after: (fn: () => Promise<void>) => void }, maxAttempts = 3): Promise<{ store: ReceiverStore; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-store-'));
  const file = join(dir, 'mentions.db');
  const store = await openSqliteStore({ file, maxAttempts });
  t.after(async () => {
    await store.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });
  return { store, file };
}

/** enqueue + claim + complete, as a worker would. */
async function verifyOnce(store: ReceiverStore, received: Received, verification: Verification, now: Date) {
  const job = await store.enqueue(received);
  const taken = await store.claim('w', now, 60_000);
  assert.equal(taken?.id, job.id);
  return store.complete(job.id, verification, now);
}

forEachStore((kind) => {
  test(`${kind.name}: an update replaces the mention (one row per site, source and target) and keeps the moderator's status`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const first = await verifyOnce(store, claimOf(1), mention('first'), at(0));
    assert.equal(first?.status, 'pending');
    assert.equal(first?.content?.text, 'first');
    await store.setStatus(first!.id, 'approved', at(1));
    const second = await verifyOnce(store, claimOf(1), { ...mention('edited'), property: 'like-of' }, at(2));
    assert.equal(second?.id, first?.id);
    assert.equal(second?.status, 'approved');
    assert.equal(second?.content?.text, 'edited');
    assert.equal(second?.property, 'like-of');
    assert.equal(second?.receivedAt, T0.toISOString());
    assert.equal((await store.mentions({ site: SITE })).length, 1);
    assert.equal(await store.isApprovedDomain(SITE, 'other.example'), true);
    assert.equal(await store.isApprovedDomain(SITE, 'elsewhere.example'), false);
  });

  test(`${kind.name}: a source gone (410) or no longer linking marks the mention deleted, never removes it; linking again brings it back as pending`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const stored = await verifyOnce(store, claimOf(1), mention('hello'), at(0));
    const gone = await verifyOnce(store, claimOf(1), { ok: false, code: 'gone', reason: 'source answered 410', retryable: false }, at(1));
    assert.equal(gone?.id, stored?.id);
    assert.equal(gone?.status, 'deleted');
    assert.equal(gone?.content?.text, 'hello', 'the row is marked, not emptied');
    const back = await verifyOnce(store, claimOf(1), mention('again'), at(2));
    assert.equal(back?.status, 'pending');
    const unlinked = await verifyOnce(store, claimOf(1), { ok: false, code: 'no-link', reason: 'no link', retryable: false }, at(3));
    assert.equal(unlinked?.status, 'deleted');
    // A refusal for a pair never stored stores nothing, and the job says why.
    const job = await store.enqueue(claimOf(2));
    await store.claim('w', at(4), 60_000);
    assert.equal(await store.complete(job.id, { ok: false, code: 'no-link', reason: 'no link', retryable: false }, at(4)), undefined);
    assert.equal((await store.job(job.id))?.lastError, 'no-link: no link');
    assert.equal((await store.mentions({})).length, 1);
  });

  test(`${kind.name}: a repeat of a claim still queued is the same job; one already taken gets a new one`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const a = await store.enqueue(claimOf(1));
    const b = await store.enqueue(claimOf(1, { clientAddress: '192.0.2.9' }));
    assert.equal(b.id, a.id);
    assert.equal((await store.job(a.id))?.received.clientAddress, '192.0.2.9');
    assert.equal(await store.queueDepth(), 1);
    await store.claim('w', at(0), 60_000);
    const c = await store.enqueue(claimOf(1));
    assert.notEqual(c.id, a.id);
    assert.equal(await store.queueDepth(), 2);
  });

  test(`${kind.name}: claim leases: a taken job is not taken again before its lease ends, then it is (a crashed worker), counted an expiry, not a failure`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t, 3);
    const one = await store.enqueue(claimOf(1));
    const two = await store.enqueue(claimOf(2));
    const a = await store.claim('a', at(0), 1000);
    const b = await store.claim('b', at(0), 1000);
    assert.deepEqual([a?.id, b?.id], [one.id, two.id], 'oldest first, never the same job twice');
    assert.equal(await store.claim('c', at(999), 1000), undefined, 'both leased');
    const again = await store.claim('c', at(1000), 1000);
    assert.equal(again?.id, one.id, 'taken again when its lease ends');
    assert.deepEqual([again?.attempts, again?.expiries], [2, 1]);
    await store.complete(two.id, mention('x'), at(1000));
    await store.claim('d', at(2000), 1000); // third attempt
    const fourth = await store.claim('e', at(3000), 1000);
    assert.deepEqual([fourth?.id, fourth?.attempts, fourth?.expiries], [one.id, 4, 3], 'past maxAttempts: lost leases are not failures (poison: receive-dead-letter.test.ts)');
    // A late answer from a worker that lost its lease does not undo the verdict.
    assert.equal((await store.job(two.id))?.state, 'done');
    await store.complete(two.id, { ok: false, code: 'no-link', reason: 'late', retryable: false }, at(4000));
    assert.equal((await store.mentions({}))[0]?.status, 'pending');
  });

  test(`${kind.name}: retry: not due before its backoff, then taken again; dead after maxAttempts`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t, 2);
    const job = await store.enqueue(claimOf(1));
    await store.claim('w', at(0), 1000);
    await store.retry(job.id, 'fetch-failed: 503', at(30_000));
    assert.equal((await store.job(job.id))?.state, 'queued');
    assert.equal(await store.claim('w', at(29_999), 1000), undefined);
    assert.equal((await store.claim('w', at(30_000), 1000))?.attempts, 2);
    await store.retry(job.id, 'fetch-failed: 503', at(90_000));
    const dead = await store.job(job.id);
    assert.equal(dead?.state, 'dead');
    assert.equal(dead?.lastError, 'fetch-failed: 503 (dead-lettered after 2 failed attempts)');
    assert.equal(await store.queueDepth(), 0);
  });

  test(`${kind.name}: sites: ensureSite is idempotent and keeps its read token; mentions filter and page newest first`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const site = await store.ensureSite(SITE);
    assert.ok(site.readToken.length >= 32);
    assert.deepEqual(await store.ensureSite(SITE), site);
    assert.deepEqual(await store.sites(), [site]);
    for (let i = 0; i < 5; i++) await verifyOnce(store, claimOf(i, { receivedAt: at(i).toISOString() }), mention(`m${i}`), at(i));
    const page = await store.mentions({ site: SITE, perPage: 2, page: 1 });
    assert.deepEqual(page.map((m) => m.content?.text), ['m2', 'm1']);
    assert.equal((await store.mentions({ status: ['approved'] })).length, 0);
    assert.equal((await store.mentions({ since: at(2).toISOString() })).length, 2);
  });

  test(`${kind.name}: sites: ensureSites adds many in one go (past one statement's chunk), keeps existing tokens, is idempotent`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const first = await store.ensureSite(SITE);
    const origins = [SITE, ...Array.from({ length: 1_203 }, (_, i) => `https://site${i}.example`)];
    await store.ensureSites(origins);
    await store.ensureSites(origins);
    const sites = await store.sites();
    assert.equal(sites.length, 1_204);
    assert.deepEqual(sites.find((site) => site.origin === SITE), first, 'the existing site keeps its read token');
    assert.equal(new Set(sites.map((site) => site.readToken)).size, 1_204, 'each site its own token');
  });

  test(`${kind.name}: two stores on one database (two processes) claiming at once never take the same job, and take them all`, { skip: kind.skip, timeout: 300_000 }, async (t) => {
    const { store, another } = await kind.open(t);
    const other = await another();
    const enqueued = new Set<number>();
    for (let i = 0; i < 120; i++) enqueued.add((await store.enqueue(claimOf(i))).id);
    const taken: number[] = [];
    // Four claim loops per store, all at the same instant, as the workers of two `serve` processes would be.
    const loop = async (from: ReceiverStore, name: string) => {
      for (let job = await from.claim(name, at(0), 60_000); job; job = await from.claim(name, at(0), 60_000)) taken.push(job.id);
    };
    await Promise.all([store, other].flatMap((from, s) => [0, 1, 2, 3].map((w) => loop(from, `p${s}-w${w}`))));
    assert.equal(taken.length, enqueued.size, 'each job taken exactly once');
    assert.deepEqual(new Set(taken), enqueued);
    assert.equal(await other.claim('late', at(1), 60_000), undefined, 'all leased');
  });

  test(`${kind.name}: a process SIGKILLed holding a job loses it at the end of its lease to another process, which verifies it into one row`, { skip: kind.skip, timeout: 300_000 }, async (t) => {
    const { store, where } = await kind.open(t);
    const job = await store.enqueue(claimOf(1));
    // The child takes the job with the real clock and a 1 s lease, says so, and hangs "verifying" until killed.
    const opener = kind.name === 'sqlite'
      ? `(await import(${JSON.stringify(join(root, 'src/receive/store/sqlite.ts'))})).openSqliteStore({ file: ${JSON.stringify(where)}, maxAttempts: 3 })`
      : `(await import(${JSON.stringify(join(root, 'src/receive/store/postgres.ts'))})).openPostgresStore({ url: ${JSON.stringify(where)}, maxAttempts: 3 })`;
    const script = `
      const store = await ${opener};
      const job = await store.claim('doomed', new Date(), 1000);
      process.stdout.write(JSON.stringify(job) + '\\n');
      setInterval(() => {}, 60000);`;
    const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    const held = await new Promise<{ id: number; notBefore: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out) as { id: number; notBefore: string });
      });
      void exited.then(() => reject(new Error('the child exited before taking the job')));
    });
    assert.equal(held.id, job.id);
    child.kill('SIGKILL');
    await exited;
    const leaseEnd = new Date(held.notBefore);
    assert.equal(await store.claim('survivor', new Date(leaseEnd.getTime() - 1), 60_000), undefined, 'still the dead process\'s until its lease ends');
    const again = await store.claim('survivor', leaseEnd, 60_000);
    assert.equal(again?.id, job.id);
    assert.equal(again?.attempts, 2);
    await store.complete(job.id, mention('verified once'), leaseEnd);
    assert.equal((await store.job(job.id))?.state, 'done');
    assert.equal((await store.mentions({})).length, 1);
  });
});


test('a database from a newer linkback (an unknown migration) is refused with DB_UNUSABLE, not used', { timeout: 120_000 }, async (t) => {
  const { store, file } = await open(t);
  await store.close();
  const raw = new Database(file);
  raw.prepare("insert into kysely_migration (name, timestamp) values ('9999_future', '2030-01-01')").run();
  raw.close();
  await assert.rejects(openSqliteStore({ file, maxAttempts: 3 }), (error) => isLinkbackError(error, 'DB_UNUSABLE'));
});

test('a writer SIGKILLed mid-stream leaves a database that passes integrity_check and holds every enqueue it confirmed', { timeout: 300_000 }, async (t) => {
  const { store, file } = await open(t);
  await store.close();
  // The child confirms each durable enqueue on stdout; it is killed after 200 confirmations, mid-transaction likely.
  const script = `
    const { openSqliteStore } = await import(${JSON.stringify(join(root, 'src/receive/store/sqlite.ts'))});
    const store = await openSqliteStore({ file: ${JSON.stringify(file)}, maxAttempts: 3 });
    for (let i = 0; ; i++) {
      const job = await store.enqueue({ site: 'https://blog.example', protocol: 'webmention', source: 'https://s.example/' + i,
        target: 'https://blog.example/t', clientAddress: '192.0.2.1', receivedAt: new Date().toISOString() });
      const taken = await store.claim('w', new Date(), 60000);
      if (taken) await store.complete(taken.id, { ok: true, property: 'mention-of', content: { html: 'x'.repeat(2000), text: 'x' } }, new Date());
      process.stdout.write(job.id + '\\n');
    }`;
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const confirmed: number[] = [];
  let buffer = '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) confirmed.push(Number(line));
    if (confirmed.length >= 200) child.kill('SIGKILL');
  });
  await exited;
  assert.ok(confirmed.length >= 200);
  const raw = new Database(file);
  assert.equal(raw.pragma('integrity_check', { simple: true }), 'ok');
  const ids = new Set((raw.prepare('select id from jobs').all() as Array<{ id: number }>).map((r) => r.id));
  raw.close();
  for (const id of confirmed) assert.ok(ids.has(id), `confirmed job ${id} is on disk`);
  const reopened = await openSqliteStore({ file, maxAttempts: 3 });
  assert.ok((await reopened.mentions({})).length >= confirmed.length - 1);
  await reopened.close();
});
