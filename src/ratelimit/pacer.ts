// The waiting side of host.ts: one per run, shared by every request of it. The clock and the sleep are
// injected (tests run 15 s waits on a virtual clock); a signal cuts every wait short.
import type { HostSchedule, Paced, PauseDecision } from './host.ts';
import { PAUSED, hostKey } from './host.ts';

/** A wait on one host, for the progress line and the summary. */
export interface HostWait {
  host: string;
  ms: number;
  /** Why: "arXiv asks for 3 s between requests", "WordPress flood window", "asked to slow down", … */
  reason: string;
  /** ISO time the wait ends. */
  until: string;
  /** A pause after the host said "slow down", not its regular pacing. */
  slowDown: boolean;
}

export interface Pacer {
  readonly schedule: HostSchedule;
  /** Waits for the request's turn on its host (in its host slot, before the overall slot). Resolves early on abort. */
  turn(req: Paced): Promise<void>;
  /** Right before the request goes on the wire: waits out a start that slipped in since the turn, then counts it. */
  start(req: Paced): Promise<void>;
  answered(req: Paced): void;
  slowedDown(url: string, retryAfterMs: number | null, wordpress: boolean): PauseDecision;
  /** Waited so far, by host (overlapping waits once), and why (the reason of the longest wait). */
  waits(): Array<{ host: string; ms: number; reason: string }>;
}

/** Waits shorter than this are pacing too fine to tell anyone about (the default 100 ms). */
export const TELL_WAIT_MS = 1_000;

export function createPacer(schedule: HostSchedule, io: {
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal | undefined;
  onWait?: ((wait: HostWait) => void) | undefined;
}): Pacer {
  // Per host, the time some request to it was waiting: waits that overlap (two requests in line) count once.
  const waited = new Map<string, { ms: number; until: number; reason: string; longest: number }>();
  const wait = async (host: string, ms: number, reason: string): Promise<void> => {
    const now = io.now();
    const seen = waited.get(host) ?? { ms: 0, until: now, reason, longest: 0 };
    seen.ms += Math.max(0, now + ms - Math.max(now, seen.until));
    seen.until = Math.max(seen.until, now + ms);
    if (ms >= seen.longest) {
      seen.longest = ms;
      seen.reason = reason;
    }
    waited.set(host, seen);
    if (ms >= TELL_WAIT_MS) io.onWait?.({ host, ms, reason, until: new Date(now + ms).toISOString(), slowDown: reason.startsWith(PAUSED) });
    await io.sleep(ms, io.signal).catch(() => {}); // stopped: the caller checks the signal
  };
  return {
    schedule,
    async turn(req) {
      if (io.signal?.aborted) return;
      const now = io.now();
      const { at, reason } = schedule.reserve(req, now);
      if (at > now) await wait(hostKey(req.url), at - now, reason);
    },
    async start(req) {
      // Checked again after each wait: another start or a pause may have come meanwhile. A clock that did not move
      // over a wait (a frozen one) counts the start at once rather than loop for ever.
      for (let before = io.now(), ms = schedule.start(req, before); ms > 0 && !io.signal?.aborted; before = io.now(), ms = schedule.start(req, before)) {
        await wait(hostKey(req.url), ms, schedule.waitReason(req, before));
        if (io.now() <= before) {
          schedule.start(req, before, true);
          return;
        }
      }
    },
    answered(req) {
      schedule.answered(req, io.now());
    },
    slowedDown(url, retryAfterMs, wordpress) {
      return schedule.slowedDown(url, io.now(), retryAfterMs, wordpress);
    },
    waits() {
      return [...waited].map(([host, w]) => ({ host, ms: w.ms, reason: w.reason }));
    },
  };
}
