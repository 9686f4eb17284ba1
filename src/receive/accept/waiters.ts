// Pingback and TrackBack answer synchronously: the claim is queued like a webmention (on disk first), and the
// request waits for its verification up to a deadline. The workers report each verdict as an event; this holds
// the requests waiting for one job each. Past the deadline the request is answered as pending (its claim is
// durable and will still be verified), so a slow source costs the sender a wait, never a lost ping.
import type { Verification } from '../types.ts';

/** What the workers report (their 'done' and 'retry' events). */
export interface VerdictEvent {
  type: string;
  job?: { id: number };
  verification?: Verification;
}

export type Awaited = { state: 'verified'; verification: Verification } | { state: 'pending' };

export interface JobWaiters {
  /** Resolves with the job's first verdict, or pending after `ms` (or when `signal` aborts). */
  wait(jobId: number, ms: number, signal?: AbortSignal): Promise<Awaited>;
  /** Feed every worker event here. */
  event(event: VerdictEvent): void;
}

export function createJobWaiters(): JobWaiters {
  const waiting = new Map<number, Set<(result: Awaited) => void>>();
  return {
    wait(jobId, ms, signal) {
      return new Promise((resolve) => {
        const done = (result: Awaited) => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', pending);
          const set = waiting.get(jobId);
          set?.delete(done);
          if (set?.size === 0) waiting.delete(jobId);
          resolve(result);
        };
        const pending = () => done({ state: 'pending' });
        const timer = setTimeout(pending, ms);
        signal?.addEventListener('abort', pending);
        const set = waiting.get(jobId) ?? new Set();
        set.add(done);
        waiting.set(jobId, set);
      });
    },
    event(event) {
      const id = event.job?.id;
      if (id === undefined || event.verification === undefined) return;
      // A retryable failure puts the job back for later: that is "pending" to the sender, not a refusal.
      const result: Awaited = event.type === 'done' ? { state: 'verified', verification: event.verification } : { state: 'pending' };
      for (const done of [...(waiting.get(id) ?? [])]) done(result);
    },
  };
}
