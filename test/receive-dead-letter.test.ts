// Dead letters (issue 13), on both databases. The store's rule: a job is dead-lettered when its verification
// failed --max-attempts times, or when its lease expired MAX_LEASE_EXPIRIES times (poison: every worker that took it
// died); a lease expiry is not a failed attempt, so workers killed again and again (which catch the same oldest
// jobs each time) dead-letter nothing. Then the moderation page and the admin API: list the dead jobs, re-queue them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULTS, parseSettings } from '../src/options.ts';
import { startWorkers } from '../src/receive/queue/workers.ts';
import type { WorkerEvent } from '../src/receive/queue/workers.ts';
import { startReceiver } from '../src/receive/serve.ts';
import { MAX_LEASE_EXPIRIES } from '../src/receive/store/store.ts';
import type { Received, ReceiverStore } from '../src/receive/types.ts';
import { sendWebmention } from './receive-helpers.ts';
import { forEachStore } from './receive-stores.ts';
import type { StoreKind } from './receive-stores.ts';

const SITE = 'https://blog.example';
const T0 = new Date('2026-03-01T12:00:00.000Z');
const LEASE = 60_000;

function claimOf(i: number): Received {
  return { site: SITE, protocol: 'webmention', source: `https://other.example/p/${i}`, target: `${SITE}/post`, clientAddress: '192.0.2.1', receivedAt: T0.toISOString() };
}

/** An injected clock the test moves by hand. */
function clock() {
  let ms = T0.getTime();
  return { now: () => new Date(ms), advance: (by: number) => (ms += by) };
}

/** Takes up to `n` due jobs for one worker, as its `--verify-workers` loops would. */
async function claimMany(store: ReceiverStore, worker: string, now: Date, n: number): Promise<number[]> {
  const taken: number[] = [];
  for (let i = 0; i < n; i++) {
    const job = await store.claim(`${worker}-${i}`, now, LEASE);
    if (!job) break;
    taken.push(job.id);
  }
  return taken;
}

forEachStore((kind) => {
  test(`${kind.name}: ten workers killed one lease apart, each holding the same oldest jobs, dead-letter none of them (default --max-attempts)`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t, DEFAULTS.maxAttempts);
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await store.enqueue(claimOf(i))).id);
    const time = clock();
    const heldEveryTime = new Set(ids.slice(0, 8));
    for (let kill = 1; kill <= 10; kill++) {
      // A fresh worker process takes 8 jobs (the oldest due: the ones the last killed worker held), then is killed.
      const taken = await claimMany(store, `killed${kill}`, time.now(), 8);
      assert.deepEqual(new Set(taken), heldEveryTime, `kill ${kill}: the same oldest jobs`);
      time.advance(LEASE);
    }
    // A worker that lives takes every job and verifies it.
    for (let job = await store.claim('survivor', time.now(), LEASE); job; job = await store.claim('survivor', time.now(), LEASE)) {
      await store.complete(job.id, { ok: true, property: 'mention-of' }, time.now());
    }
    const jobs = await Promise.all(ids.map((id) => store.job(id)));
    assert.deepEqual(jobs.filter((job) => job?.state !== 'done').map((job) => [job?.id, job?.state, job?.lastError]), [], 'none dead-lettered, all verified');
    const oldest = jobs[0]!;
    assert.deepEqual([oldest.attempts, oldest.expiries], [11, 10], 'taken 11 times, its lease expired 10 times');
    assert.equal((await store.queueStats()).jobs.dead, 0);
  });

  test(`${kind.name}: a poison job (its lease expires every time it is taken) is dead-lettered at the ${MAX_LEASE_EXPIRIES}th expiry, with the poison reason; its neighbours are verified`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t, DEFAULTS.maxAttempts);
    const poison = await store.enqueue(claimOf(1));
    const time = clock();
    let taken = 0;
    for (let job = await store.claim('w', time.now(), LEASE); job; job = await store.claim('w', time.now(), LEASE)) {
      assert.equal(job.id, poison.id);
      taken++;
      // An innocent job arrives meanwhile and is verified by another worker: only the poison one kills workers.
      const innocent = await store.enqueue(claimOf(100 + taken));
      const other = await store.claim('healthy', time.now(), LEASE);
      assert.equal(other?.id, innocent.id);
      await store.complete(innocent.id, { ok: true, property: 'mention-of' }, time.now());
      time.advance(LEASE); // the worker holding the poison job died
      assert.ok(taken <= MAX_LEASE_EXPIRIES, 'never taken past the bound');
    }
    assert.equal(taken, MAX_LEASE_EXPIRIES);
    const dead = await store.job(poison.id);
    assert.equal(dead?.state, 'dead');
    assert.deepEqual([dead?.attempts, dead?.expiries], [MAX_LEASE_EXPIRIES, MAX_LEASE_EXPIRIES]);
    assert.match(dead?.lastError ?? '', new RegExp(`^poison: its lease expired ${MAX_LEASE_EXPIRIES} times`));
    assert.deepEqual((await store.queueStats()).jobs, { queued: 0, running: 0, done: MAX_LEASE_EXPIRIES, dead: 1 });
  });

  test(`${kind.name}: a job is dead-lettered after --max-attempts failed verifications, its expired leases not counted, with the failure reason`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t, 3);
    const job = await store.enqueue(claimOf(1));
    const time = clock();
    // Three workers die holding it: no verification failed yet.
    for (let i = 0; i < 3; i++) {
      assert.equal((await store.claim(`killed${i}`, time.now(), LEASE))?.id, job.id);
      time.advance(LEASE);
    }
    // Then its source answers 503 three times.
    for (let failure = 1; failure <= 3; failure++) {
      const taken = await store.claim('w', time.now(), LEASE);
      assert.equal(taken?.id, job.id, `taken for failure ${failure}`);
      await store.retry(job.id, 'fetch-failed: 503', time.now());
      assert.equal((await store.job(job.id))?.state, failure < 3 ? 'queued' : 'dead');
    }
    const dead = await store.job(job.id);
    assert.deepEqual([dead?.attempts, dead?.expiries], [6, 3]);
    assert.equal(dead?.lastError, 'fetch-failed: 503 (dead-lettered after 3 failed attempts)');
    assert.equal(await store.claim('w', time.now(), LEASE), undefined);
  });

  test(`${kind.name}: the backoff after a failure counts the failed attempts only, not the leases lost before`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t, DEFAULTS.maxAttempts);
    const job = await store.enqueue(claimOf(1));
    const time = clock();
    for (let kill = 0; kill < 3; kill++) {
      assert.equal((await store.claim(`killed${kill}`, time.now(), LEASE))?.id, job.id);
      time.advance(LEASE);
    }
    const asked: number[] = [];
    let failed!: () => void;
    const retried = new Promise<void>((resolve) => (failed = resolve));
    const workers = startWorkers({
      store, verify: async () => ({ ok: false, code: 'fetch-failed', reason: 'HTTP 503', retryable: true }), count: 1, deadlineMs: 600_000, pollMs: 10,
      now: time.now, backoffMs: (n) => (asked.push(n), 3_600_000), onEvent: (event) => event.type === 'retry' && failed(),
    });
    await retried;
    await workers.stop();
    assert.deepEqual(asked, [1], 'the first failure: the shortest backoff');
    assert.deepEqual([(await store.job(job.id))?.state, (await store.job(job.id))?.attempts, (await store.job(job.id))?.expiries], ['queued', 4, 3]);
  });

  test(`${kind.name}: a verification cut short by a shutdown, ten times over (a deploy loop), puts its job back each time, neither failed nor poison`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t, 2);
    const job = await store.enqueue(claimOf(1));
    for (let stop = 1; stop <= 10; stop++) {
      let taken!: () => void;
      const verifying = new Promise<void>((resolve) => (taken = resolve));
      // The source answers nothing: the worker is mid-verification when it is stopped.
      const workers = startWorkers({ store, verify: () => (taken(), new Promise(() => {})), count: 1, deadlineMs: 600_000, pollMs: 10 });
      await verifying;
      await workers.stop();
      const back = await store.job(job.id);
      assert.deepEqual([back?.state, back?.attempts, back?.expiries], ['queued', 0, 0], `stop ${stop}: back in the queue, not counted`);
    }
    let verified!: () => void;
    const finished = new Promise<void>((resolve) => (verified = resolve));
    const workers = startWorkers({ store, verify: async () => ({ ok: true, property: 'mention-of' }), count: 1, deadlineMs: 600_000, pollMs: 10, onEvent: (event) => event.type === 'done' && verified() });
    await finished;
    await workers.stop();
    assert.deepEqual([(await store.job(job.id))?.state, (await store.job(job.id))?.attempts], ['done', 1]);
  });
});

// The moderation page and the admin API, on a real receiver (HTTP, workers) over each database. --max-attempts 1:
// the first failed verification dead-letters its job, so no backoff is waited for.
const ADMIN = 'admin-token-for-tests-0123456789';
// What a stranger controls ends up on the page: the source URL and the failure's reason. The accept step stores the
// source as the URL parser wrote it (quotes and brackets percent-encoded); a raw one (stored by an older or another
// accept path) must be escaped all the same.
const EVIL_SOURCE = `https://evil.example/p?q='"><script>alert(1)</script>`;
const RAW_SOURCE = `javascript:alert(1)//"><script>alert(3)</script>`;
const EVIL_REASON = `<script>alert("reason")</script><img src=x onerror=alert(2)>`;

interface Harness {
  url: string;
  store: ReceiverStore;
  /** Sends a webmention; resolves with its job id (from the 202's status URL). */
  send(source: string): Promise<number>;
  /** Resolves once a worker event matched (event-driven: no clock). */
  until(match: (event: WorkerEvent) => boolean): Promise<void>;
  /** While true, every verification fails retryably (with EVIL_REASON). */
  failing: { now: boolean };
}

async function harness(t: { after: (fn: () => Promise<void>) => void }, kind: StoreKind): Promise<Harness> {
  const { store } = await kind.open(t, 1);
  const failing = { now: true };
  const seen: WorkerEvent[] = [];
  let wake: Array<() => void> = [];
  const options = parseSettings({ sites: [SITE], port: 0, rateClient: 0, rateSource: 0, adminToken: ADMIN });
  const receiver = await startReceiver(options, {
    store,
    verify: async () => (failing.now ? { ok: false, code: 'fetch-failed', reason: EVIL_REASON, retryable: true } : { ok: true, property: 'mention-of' }),
    onWorkerEvent: (event) => {
      seen.push(event);
      for (const one of wake) one();
      wake = [];
    },
  });
  t.after(() => receiver.close());
  return {
    url: receiver.url,
    store,
    failing,
    async send(source) {
      const answer = await sendWebmention(`${receiver.url}/webmention`, source, `${SITE}/post`);
      assert.ok(answer !== 'failed' && answer.status === 202, JSON.stringify(answer));
      return Number(/^\/status\/(\d+)$/.exec(answer.location ?? '')?.[1]);
    },
    async until(match) {
      while (!seen.some(match)) await new Promise<void>((resolve) => wake.push(resolve));
    },
  };
}

const retried = (id: number) => (event: WorkerEvent) => event.type === 'retry' && event.job.id === id;
const done = (id: number) => (event: WorkerEvent) => event.type === 'done' && event.job.id === id;

async function deadJob(h: Harness, source: string): Promise<number> {
  const id = await h.send(source);
  await h.until(retried(id));
  assert.equal((await h.store.job(id))?.state, 'dead');
  return id;
}

forEachStore((kind) => {
  test(`${kind.name}: store: dead jobs listed newest first with counts per site; re-queued one by one or by site, attempts reset, due now; a removed site's stay dead`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t, 1);
    const other = 'https://other-site.example';
    await store.ensureSite(SITE);
    await store.ensureSite(other);
    const time = clock();
    const kill = async (received: Received) => {
      const job = await store.enqueue(received);
      assert.equal((await store.claim('w', time.now(), LEASE))?.id, job.id);
      await store.retry(job.id, 'fetch-failed: 503', time.now());
      time.advance(1000);
      return job.id;
    };
    const a = await kill(claimOf(1));
    const b = await kill(claimOf(2));
    const c = await kill({ ...claimOf(3), site: other, target: `${other}/post` });
    const listed = await store.deadJobs({ limit: 2 });
    assert.deepEqual(listed.jobs.map((job) => job.id), [c, b], 'the newest first, at most the limit');
    assert.deepEqual(listed.perSite, [{ site: SITE, count: 2 }, { site: other, count: 1 }], 'counted all, not only those listed');
    assert.deepEqual((await store.deadJobs({ site: SITE, limit: 10 })).jobs.map((job) => job.id), [b, a]);

    assert.equal(await store.requeue({ job: a }, time.now()), 1);
    assert.equal(await store.requeue({ job: a }, time.now()), 0, 'no longer dead');
    const back = await store.job(a);
    assert.deepEqual([back?.state, back?.attempts, back?.expiries, back?.notBefore], ['queued', 0, 0, time.now().toISOString()]);
    assert.equal((await store.claim('w', time.now(), LEASE))?.id, a, 'due now');

    assert.equal(await store.removeSite(other, time.now()), true);
    assert.equal(await store.requeue({ site: other }, time.now()), 0, 'nobody reads a removed site');
    assert.equal(await store.requeue({ job: c }, time.now()), 0);
    assert.equal(await store.requeue({ site: SITE }, time.now()), 1);
    assert.deepEqual((await store.deadJobs({ limit: 10 })).jobs.map((job) => job.id), [c]);
  });

  test(`${kind.name}: the moderation page lists a dead job (escaped), refuses its Retry without the CSRF token, and with it re-queues the job, which a worker then verifies`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const h = await harness(t, kind);
    const id = await deadJob(h, EVIL_SOURCE);
    const raw = (await h.store.enqueue({ ...claimOf(9), source: RAW_SOURCE, receivedAt: new Date().toISOString() })).id;
    await h.until(retried(raw));
    const login = await fetch(`${h.url}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: ADMIN }), redirect: 'manual' });
    assert.equal(login.status, 303);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = async () => (await fetch(`${h.url}/admin`, { headers: { cookie } })).text();
    const before = await page();
    assert.match(before, new RegExp(`<article id="job-${id}"`));
    assert.match(before, new RegExp(`<article id="job-${raw}"`));
    assert.match(before, /failed jobs \(2\)/);
    assert.match(before, /taken 1 times, 0 of them lost/);
    assert.match(before, /Retry all 2 of https:\/\/blog\.example/);
    assert.doesNotMatch(before, /<script|<img/i, 'nothing a stranger wrote is markup');
    assert.ok(before.includes(`fetch-failed: &lt;script&gt;alert(&quot;reason&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; (dead-lettered after 1 failed attempt)`));
    assert.ok(before.includes('<a href="https://evil.example/p?q=%27%22%3E%3Cscript%3Ealert(1)%3C/script%3E"'), 'the source as stored, a link');
    assert.ok(before.includes('<div>From javascript:alert(1)//&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;</div>'), 'a raw source: escaped text, not a link');
    const csrf = /name="csrf" value="([^"]+)"/.exec(before)?.[1];
    assert.ok(csrf);

    const post = (path: string, form: Record<string, string>) => fetch(`${h.url}${path}`, { method: 'POST', headers: { cookie }, body: new URLSearchParams(form), redirect: 'manual' });
    assert.equal((await post(`/admin/jobs/${id}/retry`, {})).status, 403, 'no CSRF token');
    assert.equal((await post(`/admin/jobs/${id}/retry`, { csrf: 'forged' })).status, 403, 'a wrong one');
    assert.equal((await fetch(`${h.url}/admin/jobs/${id}/retry`, { method: 'POST', body: new URLSearchParams({ csrf }), redirect: 'manual' })).status, 401, 'no session');
    assert.equal((await h.store.job(id))?.state, 'dead', 'still dead');

    h.failing.now = false;
    const retry = await post(`/admin/jobs/${id}/retry`, { csrf, return: 'pending' });
    assert.equal(retry.status, 303);
    assert.equal(retry.headers.get('location'), '/admin?status=pending&requeued=1#failed');
    await h.until(done(id));
    const verified = await h.store.job(id);
    assert.equal(verified?.state, 'done');
    assert.equal((await h.store.mention(verified!.mentionId!))?.source, new URL(EVIL_SOURCE).href);
    const after = await (await fetch(`${h.url}/admin?status=pending&requeued=1`, { headers: { cookie } })).text();
    assert.match(after, /failed jobs \(1\)/);
    assert.doesNotMatch(after, new RegExp(`id="job-${id}"`));
    assert.match(after, /1 failed job\(s\) back in the queue/);
  });

  test(`${kind.name}: the admin API lists dead jobs and re-queues one, or all of a site's, with the admin token only; workers then verify them`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const h = await harness(t, kind);
    const first = await deadJob(h, 'https://one.example/post');
    const second = await deadJob(h, 'https://two.example/post');
    const call = async (path: string, token: string | undefined, body?: unknown) => {
      const res = await fetch(`${h.url}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, json: await res.json() as Record<string, unknown> };
    };
    assert.equal((await call('/admin/api/jobs/dead', undefined)).status, 401);
    assert.equal((await call(`/admin/api/jobs/dead?token=${ADMIN}`, undefined)).status, 401, 'the query token is not read');
    assert.equal((await call('/admin/api/jobs/retry', 'wrong', { job: first })).status, 403);
    assert.equal((await h.store.job(first))?.state, 'dead');

    const listed = await call(`/admin/api/jobs/dead?origin=${encodeURIComponent(SITE)}`, ADMIN);
    assert.equal(listed.status, 200);
    const jobs = listed.json.jobs as Array<Record<string, unknown>>;
    assert.deepEqual(jobs.map((job) => job.id), [second, first]);
    assert.deepEqual({ ...jobs[1], deadAt: undefined, receivedAt: undefined }, {
      id: first, site: SITE, protocol: 'webmention', source: 'https://one.example/post', target: `${SITE}/post`, attempts: 1, expiries: 0,
      lastError: `fetch-failed: ${EVIL_REASON} (dead-lettered after 1 failed attempt)`, deadAt: undefined, receivedAt: undefined,
    });
    assert.deepEqual(listed.json.perSite, [{ site: SITE, count: 2 }]);
    assert.equal((await call('/admin/api/jobs/dead?limit=0', ADMIN)).status, 400);

    h.failing.now = false;
    assert.deepEqual(await call('/admin/api/jobs/retry', ADMIN, { job: first }), { status: 200, json: { requeued: 1 } });
    await h.until(done(first));
    assert.equal((await call('/admin/api/jobs/retry', ADMIN, { job: first })).status, 404, 'no longer dead');
    assert.deepEqual(await call('/admin/api/jobs/retry', ADMIN, { origin: SITE }), { status: 200, json: { requeued: 1 } });
    await h.until(done(second));
    for (const id of [first, second]) assert.equal((await h.store.job(id))?.state, 'done');
    assert.deepEqual((await call('/admin/api/jobs/dead', ADMIN)).json, { jobs: [], perSite: [] });
    assert.equal((await call('/admin/api/jobs/retry', ADMIN, { origin: 'not a url' })).status, 400);
  });
});
