// One request, retried by the rules of retry.ts, each attempt inside the per-host/overall limiter.
// The wait between attempts happens outside the limiter, so a host asking us to back off does not hold a
// slot that another host could use.
import type { HttpClient, HttpRequest, HttpResponse } from './types.ts';
import { FetchError } from './types.ts';
import type { RetryPolicy } from './retry.ts';
import { nextRetryDelay } from './retry.ts';

export interface NetContext {
  client: HttpClient;
  limit: <T>(host: string, fn: () => Promise<T>) => Promise<T>;
  retry: RetryPolicy;
  now: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  signal?: AbortSignal;
}

export type Attempted = { response: HttpResponse; attempts: number } | { error: FetchError; attempts: number };

/**
 * `beforeAttempt` runs inside the limiter slot, right before each attempt goes on the wire: the sender
 * uses it to make "in flight" durable at the last moment, so that a kill leaves as few requests uncertain
 * as there were really on the wire (not every request waiting for a slot). If it throws, nothing is sent.
 */
export async function requestWithRetry(ctx: NetContext, req: HttpRequest, repeatSafe: boolean, beforeAttempt?: (attempt: number) => Promise<void>): Promise<Attempted> {
  const host = hostOf(req.url);
  for (let attempt = 1; ; attempt++) {
    let result: { response: HttpResponse } | { error: FetchError };
    try {
      const request = ctx.signal ? { ...req, signal: ctx.signal } : req;
      result = {
        response: await ctx.limit(host, async () => {
          await beforeAttempt?.(attempt);
          return ctx.client.request(request);
        }),
      };
    } catch (error) {
      if (!(error instanceof FetchError)) throw error;
      result = { error };
    }
    const delay = ctx.signal?.aborted ? null : nextRetryDelay(attempt, result, repeatSafe, ctx.retry, ctx.now());
    if (delay === null) return { ...result, attempts: attempt };
    try {
      await ctx.sleep(delay, ctx.signal);
    } catch {
      return { ...result, attempts: attempt }; // aborted while waiting: report the last answer we had
    }
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** A sleep that an AbortSignal cuts short (rejecting), so Ctrl-C does not wait out a Retry-After. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
