// Rate limits for the receiver: a token bucket per key (client address, source host), refilled continuously.
// Pure: the caller passes the time. Memory is bounded: past `maxKeys`, buckets that are full again are forgotten
// (they hold nothing a fresh bucket would not), so a flood from many addresses cannot grow the map for ever.

export interface RateLimiter {
  /** Takes one token for `key`; when none is left, says in how many seconds one will be. */
  take(key: string, nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number };
}

/** `perMinute` 0 = no limit. The bucket holds a minute's worth, so a burst of that many passes at once. */
export function createRateLimiter(perMinute: number, maxKeys = 10_000): RateLimiter {
  if (perMinute === 0) return { take: () => ({ ok: true }) };
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function level(bucket: { tokens: number; at: number }, nowMs: number): number {
    return Math.min(perMinute, bucket.tokens + Math.max(0, nowMs - bucket.at) * perMs);
  }

  return {
    take(key, nowMs) {
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: nowMs };
      const tokens = level(bucket, nowMs);
      if (tokens < 1) {
        buckets.set(key, { tokens, at: nowMs });
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
      }
      buckets.set(key, { tokens: tokens - 1, at: nowMs });
      if (buckets.size > maxKeys) {
        for (const [other, b] of buckets) if (level(b, nowMs) >= perMinute) buckets.delete(other);
      }
      return { ok: true };
    },
  };
}
