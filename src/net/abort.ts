// Waiting on a run's AbortSignal from many places at once (hundreds of retry waits, every request on the
// wire). One listener per signal, fanning out: Node warns about a listener leak on the user's terminal past
// 10 listeners on one signal.
const waiters = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `fn` once when `signal` fires (at once if it has); returns the unsubscribe. */
export function whenAborted(signal: AbortSignal, fn: () => void): () => void {
  if (signal.aborted) {
    fn();
    return () => {};
  }
  let set = waiters.get(signal);
  if (!set) {
    const fresh = new Set<() => void>();
    waiters.set(signal, fresh);
    signal.addEventListener('abort', () => {
      for (const waiter of fresh) waiter();
      fresh.clear();
    }, { once: true });
    set = fresh;
  }
  set.add(fn);
  return () => void set.delete(fn);
}
