// How many requests run at once: `concurrency` in all and `perHost` against any one host,
// so a post with fifty links to one site does not hammer it, and one slow site does not
// stall the others. A host may have its own perHost (config `hosts`).

import pLimit, { type LimitFunction } from 'p-limit';

/**
 * Runs `fn` in a slot of `host` and an overall slot. `turn`, when given, runs in the host slot before the overall
 * slot is taken: the host's pacing wait (src/ratelimit/), which must not sit on a slot another host could use.
 */
export type Limiter = <T>(host: string, fn: () => Promise<T>, turn?: () => Promise<void>) => Promise<T>;

export function createLimiter(opts: { concurrency: number; perHost: number; perHostFor?: (host: string) => number | undefined }): Limiter {
  const global = pLimit(opts.concurrency);
  // One queue per host, dropped when its last task settles so the map does not grow with
  // every host ever seen.
  const hosts = new Map<string, { limit: LimitFunction; tasks: number }>();

  return async <T>(host: string, fn: () => Promise<T>, turn?: () => Promise<void>): Promise<T> => {
    let entry = hosts.get(host);
    if (!entry) {
      entry = { limit: pLimit(opts.perHostFor?.(host) ?? opts.perHost), tasks: 0 };
      hosts.set(host, entry);
    }
    entry.tasks += 1;
    const current = entry;
    try {
      // Host slot first, then a global one: a task queued behind its busy host must not sit
      // on a global slot that a task for another host could use. Both queues are FIFO.
      return await current.limit(async () => {
        await turn?.();
        return global(fn);
      });
    } finally {
      current.tasks -= 1;
      if (current.tasks === 0) hosts.delete(host);
    }
  };
}
