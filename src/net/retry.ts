// When to try a request again, and how long to wait first. Pure: the caller does the waiting.
//
// Rules (`attempt` = attempts made so far, 1 after the first):
//  1. Never more than `policy.retries` retries (at most retries + 1 attempts in all).
//  2. 429 and 503 are retried for every request, GET or POST: the server says it did not
//     process the request. Retry-After is honoured (delta-seconds or HTTP-date); when it asks
//     for longer than `maxRetryAfterMs` we give up instead of waiting that long.
//  3. Other 5xx, and errors of phase 'request' with code 'timeout' or 'reset', only when the
//     request is repeat-safe (`repeatSafe`): GET discovery, and webmention and pingback POSTs,
//     where the protocols make a repeated notification harmless. Trackback is not repeat-safe:
//     the request may have been processed, and a repeat may post a second trackback.
//  4. Errors of phase 'connect' with code 'unreachable' (DNS failure, refused, connect
//     timeout) are always retried: nothing was sent.
//  5. Never: private-address, bad-url, redirects, too-large, protocol, aborted; other 4xx;
//     any 1xx-3xx answer.
//  Delay: exponential backoff from `baseDelayMs` (base, 2 x base, 4 x base, ...) capped at
//  `maxDelayMs`, with full jitter (a uniform pick between 0 and that), so that many runs that
//  failed together do not come back together. A Retry-After replaces the backoff.

import type { FetchError } from './types.ts';

export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 2,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
};

export type AttemptResult =
  | { response: { status: number; headers: Record<string, string[]> } }
  | { error: FetchError };

const DELTA_SECONDS = /^\d+$/;
// The three HTTP-date forms of RFC 9110 5.6.7. Date.parse alone accepts far more
// ("foo 2020" is a date to V8), so the shape is checked first.
const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Milliseconds a Retry-After header asks us to wait, counted from `nowMs`.
 * A date in the past means "now" (0); anything unreadable is null.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (DELTA_SECONDS.test(text)) return Number(text) * 1000;
  let date: number;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) date = Date.parse(text);
  // asctime carries no zone but means GMT; V8 would read it as local time.
  else if (ASCTIME_DATE.test(text)) date = Date.parse(`${text} GMT`);
  else return null;
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - nowMs);
}

/**
 * Milliseconds to wait before attempt number `attempt + 1`, or null to stop (rules above).
 * `random` returns a number in [0, 1); pass a fixed one in tests.
 */
export function nextRetryDelay(
  attempt: number,
  result: AttemptResult,
  repeatSafe: boolean,
  policy: RetryPolicy,
  nowMs: number,
  random: () => number = Math.random,
): number | null {
  if (attempt > policy.retries) return null;
  if ('error' in result) {
    return errorIsRetryable(result.error, repeatSafe) ? backoff(attempt, policy, random) : null;
  }
  const { status, headers } = result.response;
  const serverSaysUnprocessed = status === 429 || status === 503;
  const serverError = status >= 500 && status <= 599;
  if (!serverSaysUnprocessed && !(serverError && repeatSafe)) return null;
  const retryAfter = parseRetryAfter(headers['retry-after']?.[0], nowMs);
  if (retryAfter === null) return backoff(attempt, policy, random);
  return retryAfter > policy.maxRetryAfterMs ? null : retryAfter;
}

function errorIsRetryable(error: FetchError, repeatSafe: boolean): boolean {
  if (error.phase === 'connect') return error.code === 'unreachable';
  return repeatSafe && (error.code === 'timeout' || error.code === 'reset');
}

function backoff(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}
