import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { promiseHooks } from 'node:v8';
import { createTaskWindow } from '../src/net/task-window.ts';

/** A task the test settles by hand. */
function manual() {
  let settle!: (error?: Error) => void;
  const work = () => new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  return { work, settle: (error?: Error) => settle(error) };
}

/** True when `promise` settled within a few turns of the event loop. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  for (let i = 0; i < 5; i++) await tick();
  return settled;
}

test('room() waits while `max` tasks are pending and resolves when one settles', async () => {
  const window = createTaskWindow(2);
  const a = manual();
  const b = manual();
  await window.room();
  const taskA = window.start(a.work);
  await window.room();
  window.start(b.work);
  assert.equal(window.size, 2);
  const waiting = window.room();
  assert.equal(await settledSoon(waiting), false, 'room while two of two are pending');
  a.settle();
  await taskA;
  assert.equal(await settledSoon(waiting), true, 'room once one settled');
  assert.equal(window.size, 1);
  b.settle();
});

test('every waiter gets its turn: none is stranded once no task is left', async () => {
  const window = createTaskWindow(1);
  const only = manual();
  window.start(only.work);
  const first = window.room();
  const second = window.room();
  only.settle();
  assert.equal(await settledSoon(first), true);
  assert.equal(await settledSoon(second), true, 'the second waiter, with nothing pending');
});

test('a failed task frees its place too; idle() waits for all and rejects as Promise.all does', async () => {
  const window = createTaskWindow(2);
  const ok = manual();
  const bad = manual();
  const okTask = window.start(ok.work);
  const badTask = window.start(bad.work).catch((error: unknown) => error);
  const idle = window.idle();
  idle.catch(() => {});
  assert.equal(await settledSoon(idle), false, 'idle while tasks are pending');
  bad.settle(new Error('boom'));
  assert.equal(((await badTask) as Error).message, 'boom');
  assert.equal(window.size, 1);
  assert.equal(await settledSoon(window.room()), true);
  ok.settle();
  await okTask;
  await assert.rejects(idle, /boom/);
  assert.equal(window.size, 0);
  await window.idle();
});

/**
 * Promises created while waiting for room `waits` times with `max` tasks pending: one task settles and a new
 * one starts each time, as in the sender.
 */
async function promisesPerWait(max: number, waits: number): Promise<number> {
  const window = createTaskWindow(max);
  const tasks = Array.from({ length: max }, () => manual());
  for (const task of tasks) window.start(task.work);
  let created = 0;
  const stop = promiseHooks.onInit(() => void created++);
  try {
    for (let i = 0; i < waits; i++) {
      const waiting = window.room();
      tasks.shift()?.settle();
      await waiting;
      const next = manual();
      tasks.push(next);
      window.start(next.work);
    }
  } finally {
    stop();
  }
  for (const task of tasks) task.settle();
  await window.idle();
  return created / waits;
}

test('a wait for room costs the same with 4 or 400 tasks pending (no reaction on each pending task)', async () => {
  const few = await promisesPerWait(4, 200);
  const many = await promisesPerWait(400, 200);
  // Racing the pending tasks would create a derived promise per pending task per wait: 400 per wait here.
  assert.ok(many <= few + 1, `promises per wait: ${few} with 4 pending, ${many} with 400 pending`);
  assert.ok(many < 20, `promises per wait with 400 pending: ${many}`);
});
