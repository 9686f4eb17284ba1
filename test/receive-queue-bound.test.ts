// The bounded queue's check (accept/queue-bound.ts): counted at most once per interval, our enqueues added between.
// Touches no database: the count is a function here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createQueueBound } from '../src/receive/accept/queue-bound.ts';

test('the queue is counted once per interval; our own enqueues count at once; a new count frees the places', async () => {
  let depth = 1;
  let counts = 0;
  let clock = 0;
  const bound = createQueueBound(async () => { counts++; return depth; }, 3, () => clock, 1000);
  assert.equal(await bound.full(), false);
  bound.added();
  assert.equal(await bound.full(), false, '2 of 3');
  bound.added();
  assert.equal(await bound.full(), true, '3 of 3, counted by us before the database is asked again');
  assert.equal(counts, 1, 'one count for the three checks within the interval');
  depth = 0; // the workers drained it
  clock = 1000;
  assert.equal(await bound.full(), false, 'the next count sees the free places');
  assert.equal(counts, 2);
});

test('concurrent checks share one count', async () => {
  let counts = 0;
  let release: (n: number) => void = () => {};
  const bound = createQueueBound(() => { counts++; return new Promise<number>((resolve) => { release = resolve; }); }, 1, () => 0, 1000);
  const checks = [bound.full(), bound.full(), bound.full()];
  release(5);
  assert.deepEqual(await Promise.all(checks), [true, true, true]);
  assert.equal(counts, 1);
});
