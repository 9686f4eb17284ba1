// One request, retried by the rules of retry.ts, each attempt inside the per-host/overall limiter.
// The wait between attempts happens outside the limiter, so a host asking us to back off does not hold a
// slot that another host could use.
//
// The caller's signal means "stop": no attempt starts after it fired and no retry wait goes on. A GET on the
// wire is cut at once (nothing depends on it). A POST on the wire is a notification that may already be with
// the server: it gets STOP_GRACE_MS to bring its answer home, so that Ctrl-C records it as sent rather than
// as uncertain; only then is it cut.
import type { HttpClient, HttpRequest, HttpResponse } from './types.ts';
import { FetchError } from './types.ts';
import type { RetryPolicy } from './retry.ts';
import { nextRetryDelay } from './retry.ts';
import type { Limiter } from './limiter.ts';
import type { Pacer } from '../ratelimit/pacer.ts';
import { hostKey } from '../ratelimit/host.ts';
import { whenAborted } from './abort.ts';

export interface NetContext {
  client: HttpClient;
  limit: Limiter;
  retry: RetryPolicy;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
  /** Per-host pacing (src/ratelimit/); without it, requests are only limited in number. */
  pacer?: Pacer;
}

export interface AttemptOptions {
  /** A notification POST: paced by the comment rules of its host (WordPress's flood window). */
  notification?: boolean;
  /** An answer that ends the attempts at once, whatever the retry rules say (a "slow down" the caller handles). */
  final?: (response: HttpResponse) => boolean;
}

export type Attempted = { response: HttpResponse; attempts: number } | { error: FetchError; attempts: number };

/**
 * `beforeAttempt` runs inside the limiter slot, right before each attempt goes on the wire: the sender
 * uses it to make "in flight" durable at the last moment, so that a kill leaves as few requests uncertain
 * as there were really on the wire (not every request waiting for a slot). If it throws, nothing is sent.
 * `beforeWait` runs when an attempt failed and another will follow, before the wait; if it throws, no
 * further attempt is made and the error propagates.
 */
export async function requestWithRetry(
  ctx: NetContext,
  req: HttpRequest,
  repeatSafe: boolean,
  beforeAttempt?: (attempt: number) => Promise<void>,
  beforeWait?: (attempt: number, result: { response: HttpResponse } | { error: FetchError }) => Promise<void>,
  options: AttemptOptions = {},
): Promise<Attempted> {
  const host = hostKey(req.url);
  const paced = { url: req.url, notification: options.notification === true };
  const pacer = ctx.pacer;
  // The host's turn is waited for before beforeAttempt: a notification waiting for its turn is not "in flight".
  const turn = pacer ? () => pacer.turn(paced) : undefined;
  for (let attempt = 1; ; attempt++) {
    let result: { response: HttpResponse } | { error: FetchError };
    try {
      result = {
        response: await ctx.limit(host, async () => {
          // The host was given up for the run (ratelimit/host.ts) while this notification waited for its turn:
          // checked before "in flight" is written, and again after the last wait, right before the wire.
          const givenUp = () => {
            if (paced.notification && pacer?.schedule.givenUp(req.url)) throw new FetchError('aborted', 'connect', req.url, 'held: the host asked to slow down past its budget for this run');
          };
          givenUp();
          await beforeAttempt?.(attempt);
          await pacer?.start(paced);
          givenUp();
          // Stopped while waiting for the slot: what the client would say for a signal that already fired.
          if (ctx.signal?.aborted) throw new FetchError('aborted', 'connect', req.url, 'request aborted by the caller');
          const response = await withStop(ctx.signal, req.method, (signal) => ctx.client.request(signal ? { ...req, signal } : req));
          pacer?.answered(paced);
          return response;
        }, turn),
      };
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
      result = { error };
    }
    if ('response' in result && options.final?.(result.response)) return { ...result, attempts: attempt };
    const delay = ctx.signal?.aborted ? null : nextRetryDelay(attempt, result, repeatSafe, ctx.retry, ctx.now());
    if (delay === null) return { ...result, attempts: attempt };
    await beforeWait?.(attempt, result);
    try {
      await ctx.sleep(delay, ctx.signal);
    } catch {
      return { ...result, attempts: attempt }; // aborted while waiting: report the last answer we had
    }
  }
}


/** How long a notification already on the wire may still take once the run is told to stop. */
export const STOP_GRACE_MS = 5_000;

/** Runs one request under the stop rules above. */
async function withStop<T>(stop: AbortSignal | undefined, method: HttpRequest['method'], run: (signal?: AbortSignal) => Promise<T>): Promise<T> {
  if (!stop) return run();
  if (method !== 'POST') return run(stop);
  const cut = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const off = whenAborted(stop, () => {
    timer = setTimeout(() => cut.abort(stop.reason), STOP_GRACE_MS);
  });
  try {
    return await run(cut.signal);
  } finally {
    off();
    clearTimeout(timer);
  }
}

/** A sleep that an AbortSignal cuts short (rejecting), so Ctrl-C does not wait out a Retry-After. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let off = (): void => {};
    const timer = setTimeout(() => {
      off();
      resolve();
    }, ms);
    if (signal) {
      off = whenAborted(signal, () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    }
  });
}
