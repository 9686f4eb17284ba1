// The receiver's rate limiter (pure, time passed in): a minute's worth at once, then one per refill, a Retry-After
// that is honest, a bounded memory under a flood of addresses, and IPv6 clients limited by their /64.
// Touches no database (the limiter keeps its buckets in memory).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientKey, createRateLimiter } from '../src/receive/accept/limits.ts';

test('a bucket of perMinute tokens, refilled continuously; Retry-After says when the next token comes', () => {
  const limiter = createRateLimiter(6); // one token per 10 s
  for (let i = 0; i < 6; i++) assert.deepEqual(limiter.take('a', 0), { ok: true });
  assert.deepEqual(limiter.take('a', 0), { ok: false, retryAfterSeconds: 10 });
  assert.deepEqual(limiter.take('b', 0), { ok: true }, 'keys are separate');
  assert.deepEqual(limiter.take('a', 4_000), { ok: false, retryAfterSeconds: 6 });
  assert.deepEqual(limiter.take('a', 10_000), { ok: true });
  assert.equal(limiter.take('a', 10_000).ok, false);
  assert.equal(createRateLimiter(0).take('a', 0).ok, true, '0 = no limit');
});

test('a flood of distinct keys never holds more than the bound', () => {
  const limiter = createRateLimiter(1, 100);
  for (let i = 0; i < 10_000; i++) limiter.take(`k${i}`, 0);
  assert.ok(limiter.size <= 100, `${limiter.size} keys`);
  // The newest keys are still limited: pruning forgets the oldest first.
  assert.equal(limiter.take('k9999', 0).ok, false);
});

test('IPv6 clients share a bucket per /64; IPv4 per address', () => {
  assert.equal(clientKey('2001:db8:1:2:aaaa::1'), clientKey('2001:0db8:0001:0002:ffff:1:2:3'));
  assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'));
  assert.equal(clientKey('192.0.2.1'), '192.0.2.1');
  assert.notEqual(clientKey('192.0.2.1'), clientKey('192.0.2.2'));
});
