// How many notifications to one host may be "in flight" in the state at once: at most perHost, at every instant,
// so that a SIGKILL leaves at most perHost per host uncertain (or, for Webmention and Pingback, to send again).
//
// The connection slot alone does not give that: the slot is free once the answer is in, but the outcome is
// durable only after its own append + fdatasync, and meanwhile the next request to the host records its "in
// flight" and goes on the wire (a kill then left perHost + 1). A pair holds its place here from before its slot
// to its outcome being durable, retry waits included. Taken outside the connection slot, so it can never wait on
// a pair that waits for a slot.
import pLimit from 'p-limit';
import type { LimitFunction } from 'p-limit';
import { hostKey } from '../ratelimit/host.ts';

export type InFlightGate = <T>(endpoint: string, fn: () => Promise<T>) => Promise<T>;

/** `perHost`: the number of places for a host (host:port), the same as its connection slots (net/limiter.ts). */
export function createInFlightGate(perHost: (host: string) => number): InFlightGate {
  // One queue per host, dropped when its last task settles (as in net/limiter.ts).
  const hosts = new Map<string, { limit: LimitFunction; tasks: number }>();
  return async <T>(endpoint: string, fn: () => Promise<T>): Promise<T> => {
    const host = hostKey(endpoint);
    let entry = hosts.get(host);
    if (!entry) {
      entry = { limit: pLimit(perHost(host)), tasks: 0 };
      hosts.set(host, entry);
    }
    entry.tasks += 1;
    const current = entry;
    try {
      return await current.limit(fn);
    } finally {
      current.tasks -= 1;
      if (current.tasks === 0) hosts.delete(host);
    }
  };
}
