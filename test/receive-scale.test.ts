// Receiving at scale (issue 13): one `serve --role web` and two `serve --role worker` processes on one Postgres take
// 10,000 webmentions from 50 source hosts while a worker is SIGKILLed ten times (and restarted each time). At the end
// every acknowledged webmention is verified or rejected, none lost, none verified twice into two rows: checked in the
// database itself. One local HTTP server plays the 50 hosts (--connect-to '*=…' keeps each URL's host name).
// LINKBACK_SCALE_N sets the number of webmentions (default 10,000); every wait is on the database, never a clock.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { close, listen, sendWebmention, startServe } from './receive-helpers.ts';
import type { ServeChild } from './receive-helpers.ts';
import { POSTGRES_MISSING, postgresBin, startPostgres } from './postgres-fixture.ts';
import type { PostgresServer } from './postgres-fixture.ts';

const SITE = 'https://blog.example';
// The 10,000 by default (3 min 12 s on a loaded 2-core machine); LINKBACK_SCALE_N=1000 for a quicker run.
const N = Number(process.env.LINKBACK_SCALE_N ?? 10_000);
const HOSTS = 50;
const KILLS = 10;
const target = (i: number) => `${SITE}/posts/${i % 500}`;
const sourceUrl = (i: number) => `http://source${i % HOSTS}.example/post/${i}`;
// One in ten sources does not link to its target: those end rejected (done, with a reason, and no mention row).
const links = (i: number) => i % 10 !== 7;

const bin = postgresBin();
describe('serve at scale on Postgres', { skip: bin ? false : POSTGRES_MISSING }, () => {
  let server: PostgresServer | undefined;
  after(() => server?.stop());

  test(`1 web + 2 worker processes, ${N} webmentions from ${HOSTS} hosts, a worker SIGKILLed ${KILLS} times: every acknowledged one verified or rejected, once`, { timeout: 900_000 }, async (t) => {
    server = await startPostgres(bin!);
    const url = await server.createDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'linkback-scale-'));
    t.after(() => rm(dir, { recursive: true, force: true }));

    // While `gate` is closed the source holds its answers: a worker then holds jobs mid-verification for as long
    // as the test needs to see them and kill it (no race with a verification that takes milliseconds).
    const hostsSeen = new Set<string>();
    let gateClosed = false;
    let held: Array<() => void> = [];
    const source = await listen((req, res) => {
      const i = Number(/\/post\/(\d+)$/.exec(req.url ?? '')?.[1]);
      hostsSeen.add(req.headers.host ?? '');
      const body = links(i) ? `<a href="${target(i)}">this post</a>` : 'no link here';
      const answer = () => res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><p>See ${body}.</p>`);
      if (gateClosed) held.push(answer);
      else answer();
    });
    const openGate = () => {
      gateClosed = false;
      for (const answer of held) answer();
      held = [];
    };
    t.after(() => close(source.server));

    const common = ['--site', SITE, '--database', url, '--allow-private', '--connect-to', `*=${new URL(source.origin).host}`,
      '--rate-client', '0', '--rate-source', '0', '--max-queue', String(N * 2), '--verify-workers', '8',
      // The lease is twice this: the jobs a killed worker held come back after 20 s.
      // The default --max-attempts (5), fewer than the kills: a job caught by several kills has lost its lease several
      // times, which is no failed attempt, and at most ten times, under the poison bound (MAX_LEASE_EXPIRIES, store.ts).
      '--verify-timeout', '10000'];
    const children: ServeChild[] = [];
    const start = async (role: 'web' | 'worker') => {
      const child = await startServe([...common, '--role', role], { cwd: dir, compiled: true });
      children.push(child);
      return child;
    };
    t.after(() => {
      for (const child of children) child.child.kill('SIGKILL');
    });
    const web = await start('web');
    const workers = [await start('worker'), await start('worker')];

    const reader = new pg.Client({ connectionString: url });
    await reader.connect();
    t.after(() => reader.end());
    const count = async (where: string) => Number((await reader.query(`select count(*) n from jobs where ${where}`)).rows[0].n);
    const pause = () => new Promise((resolve) => setTimeout(resolve, 100));

    // The flood: 16 senders in parallel, each acknowledgement's job id kept. It goes in N/11 steps, each let go by
    // the killer (below), so every kill finds jobs in the queue and the run cannot end before the tenth kill.
    const step = Math.floor(N / (KILLS + 1));
    let permitted = 0;
    let permits: Array<() => void> = [];
    const permit = (upTo: number) => {
      permitted = upTo;
      for (const wake of permits) wake();
      permits = [];
    };
    const acked = new Map<number, number>();
    let next = 0;
    const sender = async () => {
      for (;;) {
        while (next >= permitted && next < N) await new Promise<void>((resolve) => permits.push(resolve));
        if (next >= N) return;
        const i = next++;
        let answer = await sendWebmention(`${web.url}/webmention`, sourceUrl(i), target(i));
        // The web process is never killed: a lost answer (a loaded machine) is sent again, as a sender would.
        while (answer === 'failed') answer = await sendWebmention(`${web.url}/webmention`, sourceUrl(i), target(i));
        assert.equal(answer.status, 202, answer.body);
        const id = Number(/^\/status\/(\d+)$/.exec(answer.location ?? '')?.[1]);
        assert.ok(id > 0, `Location ${answer.location}`);
        acked.set(i, id);
      }
    };
    const flood = Promise.all(Array.from({ length: 16 }, sender));

    // The killer, per step: close the gate, let the step's webmentions go (the workers hold 8 each; the rest wait
    // in the queue), wait until the victim holds jobs (mid-verification), SIGKILL it, open the gate, start it again
    // in the background (the next kill is the other worker's) and wait for the step's acknowledgements.
    let kills = 0;
    const heldAtKill = new Set<number>();
    const restarted: Array<Promise<ServeChild>> = workers.map((w) => Promise.resolve(w));
    for (let k = 1; k <= KILLS; k++) {
      const victim = (k - 1) % 2;
      const worker = await restarted[victim]!;
      const pid = worker.child.pid!;
      gateClosed = true;
      permit(k * step);
      const holding = async () => (await reader.query<{ id: number }>(`select id from jobs where state = 'running' and lease_owner like 'worker-${pid}-%'`)).rows;
      while ((await holding()).length === 0) await pause();
      worker.child.kill('SIGKILL');
      assert.equal(await worker.exited, 'SIGKILL');
      // What it held when it died (read after its death: one seen before may have been finishing): all taken again.
      for (const { id } of await holding()) heldAtKill.add(id);
      openGate();
      kills++;
      restarted[victim] = start('worker');
      while (acked.size < k * step) await pause();
    }
    permit(N);
    await flood;
    assert.equal(acked.size, N);
    workers.splice(0, 2, ...await Promise.all(restarted));

    // Done when nothing is queued or running (the jobs a killed worker held come due when their lease ends).
    while (await count("state in ('queued', 'running')") > 0) await pause();
    for (const child of [web, ...workers]) child.child.kill('SIGTERM');
    for (const child of [web, ...workers]) assert.equal(await child.exited, 0, child.stderr());

    assert.equal(kills, KILLS);
    assert.equal(hostsSeen.size, HOSTS, 'the sources were fetched from every host');
    const jobs = new Map((await reader.query<{ id: number; state: string; last_error: string | null; mention_id: number | null; attempts: number; expiries: number; source: string }>(
      'select id, state, last_error, mention_id, attempts, expiries, source from jobs')).rows.map((j) => [j.id, j]));
    assert.equal(jobs.size, N, 'one job per acknowledged webmention, none more');
    assert.equal(new Set(acked.values()).size, N);
    let verified = 0;
    let rejected = 0;
    for (const [i, id] of acked) {
      const job = jobs.get(id);
      assert.ok(job, `the job of acknowledged webmention ${i} exists`);
      assert.equal(job.source, sourceUrl(i));
      if (links(i)) {
        assert.deepEqual([job.state, job.last_error], ['done', null], `webmention ${i} verified`);
        assert.ok(job.mention_id, `webmention ${i} has its mention`);
        verified++;
      } else {
        assert.equal(job.state, 'done', `webmention ${i} rejected`);
        assert.match(job.last_error ?? '', /^no-link: /, `webmention ${i} rejected with its reason`);
        rejected++;
      }
    }
    const retaken = [...jobs.values()].filter((j) => j.attempts > 1).length;
    const mostAttempts = Math.max(...[...jobs.values()].map((j) => j.attempts));
    const mostExpiries = Math.max(...[...jobs.values()].map((j) => j.expiries));
    assert.ok(heldAtKill.size > 0, 'the kills caught verifications in flight');
    for (const id of heldAtKill) {
      const job = jobs.get(id)!;
      assert.ok(job.attempts > 1 && job.expiries > 0, `job ${id}, held by a killed worker, was taken again after its lease expired`);
    }
    const mentions = (await reader.query<{ source: string; target: string }>('select source, target from mentions')).rows;
    assert.equal(mentions.length, verified, 'one mention row per verified webmention, none twice');
    const pairs = new Set(mentions.map((m) => `${m.source} ${m.target}`));
    assert.equal(pairs.size, verified);
    for (const [i] of acked) assert.equal(pairs.has(`${sourceUrl(i)} ${target(i)}`), links(i), `mention ${i}`);
    t.diagnostic(`${N} acknowledged: ${verified} verified, ${rejected} rejected; ${kills} kills, ${heldAtKill.size} jobs held by the killed workers, ${retaken} jobs taken again, at most ${mostAttempts} attempts and ${mostExpiries} lease expiries for one job`);
  });
});
