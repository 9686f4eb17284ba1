// Waking workers across processes on Postgres: a job accepted by a web receiver is taken by a worker receiver on
// another connection (as another process would hold) at once, by LISTEN/NOTIFY, although that worker polls only every
// 10 minutes; after its listening connection is killed, the listener reconnects and the next job wakes it again.
// Without the notification the jobs would wait the 10 minutes, far past the test's timeout: the test fails. No
// duration is measured: the worker is known idle (its look found nothing) before each job is sent.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import pg from 'pg';
import { parseSettings } from '../src/options.ts';
import type { OptionsInput } from '../src/options.ts';
import { startReceiver } from '../src/receive/serve.ts';
import type { WorkerEvent } from '../src/receive/queue/workers.ts';
import { openPostgresStore } from '../src/receive/store/postgres.ts';
import { LISTENER_NAME } from '../src/receive/store/pg-listen.ts';
import type { ReceiverStore } from '../src/receive/types.ts';
import { POSTGRES_MISSING, postgresBin, startPostgres } from './postgres-fixture.ts';
import type { PostgresServer } from './postgres-fixture.ts';
import { sendWebmention } from './receive-helpers.ts';

const SITE = 'https://blog.example';
const TEN_MINUTES = 600_000;

const bin = postgresBin();
describe('waking worker processes on Postgres', { skip: bin ? false : POSTGRES_MISSING }, () => {
  let server: PostgresServer | undefined;
  after(() => server?.stop());

  test('a job accepted by a web process is taken by an idle worker process at once (LISTEN/NOTIFY), also after its listener was cut off', { timeout: 180_000 }, async (t) => {
    server = await startPostgres(bin!);
    const url = await server.createDatabase();
    const settings = (role: OptionsInput['role']) => parseSettings({ sites: [SITE], port: 0, rateClient: 0, rateSource: 0, database: url, role, verifyWorkers: 1 });
    const verify = async () => ({ ok: true as const, property: 'mention-of' as const });

    const webStore = await openPostgresStore({ url, maxAttempts: 5 });
    const web = await startReceiver(settings('web'), { store: webStore, verify, pollMs: TEN_MINUTES });
    // The worker's store, as its own process opens it, with each look that found nothing counted: after one, the
    // worker sleeps for the poll interval unless something wakes it.
    const workerStore = await openPostgresStore({ url, maxAttempts: 5 });
    const looks = new EventEmitter();
    let emptyLooks = 0;
    const counting: ReceiverStore = {
      ...workerStore,
      claim: async (...args) => {
        const job = await workerStore.claim(...args);
        if (!job) {
          emptyLooks++;
          looks.emit('empty');
        }
        return job;
      },
    };
    const idleAfter = async (n: number) => {
      while (emptyLooks < n) await once(looks, 'empty');
    };
    const events = new EventEmitter();
    const errors: unknown[] = [];
    const worker = await startReceiver(settings('worker'), {
      store: counting, verify, pollMs: TEN_MINUTES,
      onWorkerEvent: (event: WorkerEvent) => events.emit(event.type, event),
      onError: (error) => errors.push(error),
    });
    t.after(async () => {
      await worker.close();
      await web.close();
    });
    // Every verdict, kept from the start: a job may be verified before its 202 reaches the test.
    const verdicts = new Map<number, WorkerEvent>();
    events.on('done', (event: Extract<WorkerEvent, { type: 'done' }>) => verdicts.set(event.job.id, event));
    const verified = async (jobId: number) => {
      while (!verdicts.has(jobId)) await once(events, 'done');
      return verdicts.get(jobId) as Extract<WorkerEvent, { type: 'done' }>;
    };
    const accept = async (i: number) => {
      const answer = await sendWebmention(`${web.url}/webmention`, `https://source.example/${i}`, `${SITE}/post`);
      assert.ok(answer !== 'failed');
      assert.equal(answer.status, 202, answer.body);
      return Number(/^\/status\/(\d+)$/.exec(answer.location ?? '')?.[1]);
    };

    await idleAfter(1);
    const first = await accept(1);
    assert.equal((await verified(first)).verification.ok, true);
    assert.equal((await webStore.job(first))?.state, 'done');
    await idleAfter(2); // its look after the job: asleep again

    // Cut the listener's connection, as a Postgres restart or a network failure would.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    t.after(() => admin.end());
    const listeners = async () => (await admin.query<{ pid: number; state: string; query: string }>(
      'select pid, state, query from pg_stat_activity where application_name = $1', [LISTENER_NAME])).rows;
    const [before, ...others] = await listeners();
    assert.ok(before, 'the worker process listens on a connection of its own');
    assert.deepEqual(others, [], 'one listener per worker process (the web process has none)');
    assert.match(before.query, /^LISTEN linkback_jobs/);
    await admin.query('select pg_terminate_backend($1)', [before.pid]);
    // Reconnected: it wakes the workers once (for what it may have missed), and they find nothing.
    await idleAfter(3);
    const [again, ...more] = (await listeners()).filter((listener) => listener.pid !== before.pid);
    assert.ok(again, 'a new listening connection');
    assert.deepEqual(more, []);
    assert.match(again.query, /^LISTEN linkback_jobs/);
    const second = await accept(2);
    assert.equal((await verified(second)).verification.ok, true);
    assert.equal((await webStore.job(second))?.state, 'done');
    assert.ok(errors.some((error) => /terminat/i.test(String(error))), `the lost connection reported: ${errors.map(String).join('; ')}`);
  });
});
