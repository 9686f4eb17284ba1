// At most `max` tasks pending at once: the sender starts a task per (post, target) pair as the posts stream in,
// and waits for room before starting the next, so memory does not grow with the site.
//
// Waiting for room must not subscribe to the pending tasks. `await Promise.race(pending)` in a loop does: each
// call adds a reaction (and a derived promise) to every pending task, kept until that task settles. A task
// waiting behind a busy host lives while thousands of quick ones come and go, and collects a reaction for each:
// 1.8 million of them (170 MB), and growing, on a 10,000-post site whose 9,933 link targets all failed (1.56 GB
// peak RSS). Here a task settling wakes the waiters instead: a wait costs the same whatever is pending.

export interface TaskWindow {
  /** Resolves once fewer than `max` tasks are pending. */
  room(): Promise<void>;
  /** Runs `work` as a pending task; the promise returned is the task's. */
  start(work: () => Promise<void>): Promise<void>;
  /** Resolves when every task started so far has settled (rejects as Promise.all does). */
  idle(): Promise<void>;
  /** Tasks pending now. */
  readonly size: number;
}

export function createTaskWindow(max: number): TaskWindow {
  const pending = new Set<Promise<void>>();
  let waiters: Array<() => void> = [];
  const wake = () => {
    // Every waiter checks again: waking one only could strand another once no task is left to settle.
    const woken = waiters;
    waiters = [];
    for (const resolve of woken) resolve();
  };
  return {
    async room() {
      while (pending.size >= max) await new Promise<void>((resolve) => waiters.push(resolve));
    },
    start(work) {
      const task = work().finally(() => {
        pending.delete(task);
        wake();
      });
      pending.add(task);
      return task;
    },
    async idle() {
      await Promise.all(pending);
    },
    get size() {
      return pending.size;
    },
  };
}
