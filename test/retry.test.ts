import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY, nextRetryDelay, parseRetryAfter, type AttemptResult, type RetryPolicy } from '../src/net/retry.ts';
import { FetchError, type FetchErrorCode } from '../src/net/types.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const policy: RetryPolicy = { retries: 3, baseDelayMs: 1000, maxDelayMs: 5000, maxRetryAfterMs: 60_000 };
const top = () => 0.999999; // jitter at its ceiling
const half = () => 0.5;

function status(code: number, headers: Record<string, string[]> = {}): AttemptResult {
  return { response: { status: code, headers } };
}
function failure(code: FetchErrorCode, phase: 'connect' | 'request'): AttemptResult {
  return { error: new FetchError(code, phase, 'https://example.org/', code) };
}

test('DEFAULT_RETRY', () => {
  assert.deepEqual(DEFAULT_RETRY, { retries: 2, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 });
});

test('parseRetryAfter: delta-seconds', () => {
  assert.equal(parseRetryAfter('120', NOW), 120_000);
  assert.equal(parseRetryAfter('0', NOW), 0);
  assert.equal(parseRetryAfter(' 5 ', NOW), 5000);
});

test('parseRetryAfter: the three HTTP-date forms', () => {
  // 90 seconds after NOW, written three ways.
  assert.equal(parseRetryAfter('Wed, 15 Jan 2025 12:01:30 GMT', NOW), 90_000);
  assert.equal(parseRetryAfter('Wednesday, 15-Jan-25 12:01:30 GMT', NOW), 90_000);
  assert.equal(parseRetryAfter('Wed Jan 15 12:01:30 2025', NOW), 90_000);
});

test('parseRetryAfter: a date in the past means now', () => {
  assert.equal(parseRetryAfter('Tue, 14 Jan 2025 12:00:00 GMT', NOW), 0);
});

test('parseRetryAfter: garbage is null', () => {
  for (const value of [undefined, '', 'soon', '-5', '1.5', '12abc', 'foo 2025', '2025-01-15T12:01:30Z', 'Wed, 15 Jan 2025 12:01:30 PST']) {
    assert.equal(parseRetryAfter(value, NOW), null, String(value));
  }
});

test('never more than policy.retries retries', () => {
  const result = failure('unreachable', 'connect');
  for (let attempt = 1; attempt <= policy.retries; attempt += 1) {
    assert.notEqual(nextRetryDelay(attempt, result, true, policy, NOW, half), null, `attempt ${attempt}`);
  }
  assert.equal(nextRetryDelay(policy.retries + 1, result, true, policy, NOW, half), null);
  assert.equal(nextRetryDelay(1, result, true, { ...policy, retries: 0 }, NOW, half), null);
});

test('429 and 503 are retried even when the request is not repeat-safe', () => {
  for (const code of [429, 503]) {
    assert.notEqual(nextRetryDelay(1, status(code), false, policy, NOW, half), null, String(code));
  }
});

test('Retry-After is honoured, in both forms', () => {
  assert.equal(nextRetryDelay(1, status(429, { 'retry-after': ['7'] }), false, policy, NOW, half), 7000);
  assert.equal(nextRetryDelay(1, status(503, { 'retry-after': ['Wed, 15 Jan 2025 12:00:20 GMT'] }), false, policy, NOW, half), 20_000);
});

test('a Retry-After above the cap means no retry', () => {
  assert.equal(nextRetryDelay(1, status(429, { 'retry-after': ['61'] }), true, policy, NOW, half), null);
  assert.equal(nextRetryDelay(1, status(429, { 'retry-after': ['60'] }), true, policy, NOW, half), 60_000);
});

test('an unreadable Retry-After falls back to backoff', () => {
  assert.equal(nextRetryDelay(1, status(503, { 'retry-after': ['later'] }), false, policy, NOW, half), 500);
});

test('other 5xx are retried only when repeat-safe', () => {
  for (const code of [500, 502, 504, 599]) {
    assert.notEqual(nextRetryDelay(1, status(code), true, policy, NOW, half), null, String(code));
    assert.equal(nextRetryDelay(1, status(code), false, policy, NOW, half), null, String(code));
  }
});

test('timeouts and resets after connecting are retried only when repeat-safe', () => {
  for (const code of ['timeout', 'reset'] as const) {
    assert.notEqual(nextRetryDelay(1, failure(code, 'request'), true, policy, NOW, half), null, code);
    assert.equal(nextRetryDelay(1, failure(code, 'request'), false, policy, NOW, half), null, code);
  }
});

test('unreachable (nothing sent) is always retried', () => {
  assert.notEqual(nextRetryDelay(1, failure('unreachable', 'connect'), false, policy, NOW, half), null);
});

test('never retried: private-address, bad-url, redirects, too-large, protocol, aborted', () => {
  const never: Array<[FetchErrorCode, 'connect' | 'request']> = [
    ['private-address', 'connect'],
    ['bad-url', 'connect'],
    ['redirects', 'request'],
    ['too-large', 'request'],
    ['protocol', 'request'],
    ['aborted', 'request'],
    ['aborted', 'connect'],
  ];
  for (const [code, phase] of never) {
    assert.equal(nextRetryDelay(1, failure(code, phase), true, policy, NOW, half), null, code);
  }
});

test('never retried: other 4xx, and any 1xx-3xx answer', () => {
  for (const code of [400, 401, 403, 404, 405, 410, 413, 422, 200, 201, 202, 301, 304]) {
    assert.equal(nextRetryDelay(1, status(code), true, policy, NOW, half), null, String(code));
  }
});

test('backoff doubles from baseDelayMs and is capped at maxDelayMs', () => {
  const result = failure('unreachable', 'connect');
  const wide = { ...policy, retries: 10 };
  const ceilings = [1, 2, 3, 4, 5].map((attempt) => nextRetryDelay(attempt, result, true, wide, NOW, top));
  assert.deepEqual(ceilings, [999, 1999, 3999, 4999, 4999]);
});

test('jitter is full: the delay is a uniform pick between 0 and the ceiling', () => {
  const result = failure('unreachable', 'connect');
  assert.equal(nextRetryDelay(2, result, true, policy, NOW, () => 0), 0);
  assert.equal(nextRetryDelay(2, result, true, policy, NOW, () => 0.25), 500);
  for (let i = 0; i < 200; i += 1) {
    const delay = nextRetryDelay(3, result, true, policy, NOW) ?? -1;
    assert.ok(delay >= 0 && delay < 4000, String(delay));
  }
});
