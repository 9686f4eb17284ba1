// `serve --role web|worker|all` and what operators scrape: a web process accepts and queues but verifies nothing; a
// worker process on the same database verifies and answers only /healthz, /readyz and /metrics; /metrics says
// accepted, verified, rejected, the queue's depth and its oldest job's age. On SQLite and on Postgres alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings } from '../src/options.ts';
import type { OptionsInput } from '../src/options.ts';
import { renderMetrics } from '../src/receive/http/ops.ts';
import { startReceiver } from '../src/receive/serve.ts';
import type { Receiver, ReceiverDeps } from '../src/receive/serve.ts';
import type { WorkerEvent } from '../src/receive/queue/workers.ts';
import type { ReceiverStore } from '../src/receive/types.ts';
import { sendWebmention } from './receive-helpers.ts';
import { forEachStore } from './receive-stores.ts';

const SITE = 'https://blog.example';
const T0 = new Date('2026-03-01T12:00:00.000Z');

async function receiver(t: { after: (fn: () => Promise<void>) => void }, store: ReceiverStore, settings: Partial<OptionsInput>, deps: ReceiverDeps = {}): Promise<Receiver> {
  const options = parseSettings({ sites: [SITE], port: 0, rateClient: 0, rateSource: 0, ...settings });
  const started = await startReceiver(options, { store, verify: async () => ({ ok: true, property: 'mention-of' }), ...deps });
  t.after(() => started.close());
  return started;
}

/** The value of one sample in a Prometheus text answer. */
function sample(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} in\n${metrics}`);
  return Number(line.slice(name.length + 1));
}

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};

test('metrics in Prometheus text format: HELP and TYPE per metric, jobs by state, the oldest waiting job\'s age', () => {
  const text = renderMetrics({ accepted: 7, verified: 4, rejected: 2, retried: 1 }, { jobs: { queued: 3, running: 1, done: 6, dead: 1 }, oldestWaiting: '2026-03-01T11:59:30.000Z' }, T0);
  assert.match(text, /^# HELP linkback_accepted_total .+\n# TYPE linkback_accepted_total counter\nlinkback_accepted_total 7\n/);
  assert.equal(sample(text, 'linkback_verified_total'), 4);
  assert.equal(sample(text, 'linkback_rejected_total'), 2);
  assert.equal(sample(text, 'linkback_jobs{state="dead"}'), 1);
  assert.equal(sample(text, 'linkback_queue_depth'), 4);
  assert.equal(sample(text, 'linkback_oldest_job_age_seconds'), 30);
  assert.match(text, /# TYPE linkback_queue_depth gauge\n/);
  assert.ok(text.endsWith('\n'));
  const idle = renderMetrics({ accepted: 0, verified: 0, rejected: 0, retried: 0 }, { jobs: { queued: 0, running: 0, done: 0, dead: 0 } }, T0);
  assert.equal(sample(idle, 'linkback_oldest_job_age_seconds'), 0);
});

forEachStore((kind) => {
  test(`${kind.name}: a web process queues without verifying; a worker process on the same database verifies it; /metrics of each says so`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store, another } = await kind.open(t);
    let clock = T0;
    const web = await receiver(t, store, { role: 'web' }, { now: () => clock });
    const answer = await sendWebmention(`${web.url}/webmention`, 'https://other.example/a', `${SITE}/post`);
    assert.ok(answer !== 'failed');
    assert.equal(answer.status, 202, answer.body);
    clock = new Date(T0.getTime() + 5000);
    const waiting = await get(`${web.url}/metrics`);
    assert.equal(waiting.status, 200);
    assert.match(waiting.type ?? '', /^text\/plain; version=0\.0\.4/);
    assert.equal(sample(waiting.body, 'linkback_accepted_total'), 1);
    assert.equal(sample(waiting.body, 'linkback_queue_depth'), 1, 'a web process verifies nothing');
    assert.equal(sample(waiting.body, 'linkback_oldest_job_age_seconds'), 5);

    const done: WorkerEvent[] = [];
    let onDone: () => void = () => {};
    const verified = new Promise<void>((resolve) => (onDone = resolve));
    const worker = await receiver(t, await another(), { role: 'worker' }, {
      now: () => clock,
      onWorkerEvent: (event) => {
        done.push(event);
        if (event.type === 'done') onDone();
      },
    });
    await verified;
    const refused = await sendWebmention(`${worker.url}/webmention`, 'https://other.example/b', `${SITE}/post`);
    assert.ok(refused !== 'failed');
    assert.equal(refused.status, 404, 'a worker accepts nothing');
    assert.equal((await get(`${worker.url}/healthz`)).status, 200);
    assert.equal((await get(`${worker.url}/readyz`)).status, 200);
    const after = (await get(`${worker.url}/metrics`)).body;
    assert.equal(sample(after, 'linkback_accepted_total'), 0);
    assert.equal(sample(after, 'linkback_verified_total'), 1);
    assert.equal(sample(after, 'linkback_jobs{state="done"}'), 1);
    assert.equal(sample(after, 'linkback_queue_depth'), 0);
    assert.equal(sample(after, 'linkback_oldest_job_age_seconds'), 0);
    assert.equal(sample((await get(`${web.url}/metrics`)).body, 'linkback_queue_depth'), 0, 'the queue figures are the database\'s');
    assert.equal((await store.mentions({})).length, 1);
    // Here, not in t.after: the receivers (their workers) must stop before the stores close.
    await worker.close();
    await web.close();
  });

  test(`${kind.name}: /readyz is 503 while the database does not answer, without saying why`, { skip: kind.skip, timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    let down = false;
    // The real store, but its queries failing on demand, as when the database server goes away.
    const flaky: ReceiverStore = { ...store, queueDepth: () => (down ? Promise.reject(new Error('connect ECONNREFUSED 10.0.0.5:5432')) : store.queueDepth()) };
    const web = await receiver(t, flaky, {});
    assert.equal((await get(`${web.url}/readyz`)).status, 200);
    down = true;
    const answer = await get(`${web.url}/readyz`);
    assert.equal(answer.status, 503);
    assert.doesNotMatch(answer.body, /10\.0\.0\.5/);
    await web.close();
  });
});
