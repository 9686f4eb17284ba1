import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { createLimiter } from '../src/net/limiter.ts';

/** Tasks the test finishes by hand, recording what ran at the same time. */
function harness() {
  const running = new Map<string, number>();
  const started: string[] = [];
  const finishers = new Map<string, () => void>();
  let maxOverall = 0;
  const maxPerHost = new Map<string, number>();
  const task = (host: string, name: string) => () =>
    new Promise<string>((resolve) => {
      started.push(name);
      running.set(host, (running.get(host) ?? 0) + 1);
      const overall = [...running.values()].reduce((a, b) => a + b, 0);
      maxOverall = Math.max(maxOverall, overall);
      maxPerHost.set(host, Math.max(maxPerHost.get(host) ?? 0, running.get(host) ?? 0));
      finishers.set(name, () => {
        running.set(host, (running.get(host) ?? 1) - 1);
        resolve(name);
      });
    });
  const finish = async (name: string) => {
    const done = finishers.get(name);
    assert.ok(done, `${name} has not started`);
    done();
    await tick();
  };
  return { task, started, finish, stats: () => ({ maxOverall, maxPerHost }) };
}

test('at most `concurrency` tasks overall and `perHost` per host, with both limits reached', async () => {
  const run = createLimiter({ concurrency: 3, perHost: 2 });
  const h = harness();
  const all: Array<Promise<string>> = [];
  for (const host of ['a', 'b', 'c', 'd']) {
    for (let i = 0; i < 5; i += 1) all.push(run(host, h.task(host, `${host}${i}`)));
  }
  // Finish whatever is running, oldest first, until everything is done.
  const finished = new Set<string>();
  while (finished.size < 20) {
    await tick();
    const name = h.started.find((n) => !finished.has(n));
    assert.ok(name !== undefined, 'nothing is running: the limiter stalled');
    finished.add(name);
    await h.finish(name);
  }
  const results = await Promise.all(all);
  assert.equal(results.length, 20);
  const { maxOverall, maxPerHost } = h.stats();
  assert.equal(maxOverall, 3);
  for (const host of ['a', 'b', 'c', 'd']) assert.equal(maxPerHost.get(host), 2, host);
});

test('a task waiting for its busy host does not take a global slot from another host', async () => {
  const run = createLimiter({ concurrency: 2, perHost: 1 });
  const h = harness();
  const pending = [
    run('slow.example', h.task('slow.example', 'slow1')),
    run('slow.example', h.task('slow.example', 'slow2')),
    run('slow.example', h.task('slow.example', 'slow3')),
    run('other.example', h.task('other.example', 'other1')),
  ];
  await tick();
  // slow2 and slow3 wait for their host; the second global slot goes to other1.
  assert.deepEqual(h.started, ['slow1', 'other1']);
  await h.finish('slow1');
  assert.deepEqual(h.started, ['slow1', 'other1', 'slow2']);
  await h.finish('slow2');
  await h.finish('other1');
  await h.finish('slow3');
  assert.deepEqual(await Promise.all(pending), ['slow1', 'slow2', 'slow3', 'other1']);
});

test('tasks for one host start in the order they were submitted', async () => {
  const run = createLimiter({ concurrency: 4, perHost: 1 });
  const h = harness();
  const names = ['p0', 'p1', 'p2', 'p3', 'p4'];
  const pending = names.map((name) => run('one.example', h.task('one.example', name)));
  for (const name of names) {
    await tick();
    await h.finish(name);
  }
  assert.deepEqual(h.started, names);
  await Promise.all(pending);
});

test('a global slot freed goes to the task that waited longest', async () => {
  const run = createLimiter({ concurrency: 1, perHost: 1 });
  const h = harness();
  const pending = ['a', 'b', 'c'].map((host) => run(host, h.task(host, host)));
  await tick();
  assert.deepEqual(h.started, ['a']);
  await h.finish('a');
  assert.deepEqual(h.started, ['a', 'b']);
  await h.finish('b');
  await h.finish('c');
  assert.deepEqual(h.started, ['a', 'b', 'c']);
  await Promise.all(pending);
});

test('results and failures pass through, and a failure frees its slots', async () => {
  const run = createLimiter({ concurrency: 1, perHost: 1 });
  await assert.rejects(run('x.example', () => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(await run('x.example', () => Promise.resolve(42)), 42);
  assert.equal(await run('y.example', async () => 'ok'), 'ok');
});
