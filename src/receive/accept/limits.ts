// Rate limits for the receiver: a token bucket per key (client address, source host), refilled continuously.
// Pure: the caller passes the time. Memory is bounded: past `maxKeys`, buckets are forgotten (full ones first),
// so a flood from many addresses cannot grow the map for ever.
import ipaddr from 'ipaddr.js';

export interface RateLimiter {
  /** Takes one token for `key`; when none is left, says in how many seconds one will be. */
  take(key: string, nowMs: number): { ok: true } | { ok: false; retryAfterSeconds: number };
  readonly size: number;
}

/**
 * The rate-limit key of a client address: IPv4 as it is, IPv6 by its /64 (one site's allocation: an address per
 * request is free inside it, so limiting single IPv6 addresses would limit nothing).
 */
export function clientKey(address: string): string {
  if (!address.includes(':')) return address;
  try {
    return `${ipaddr.parse(address).toNormalizedString().split(':').slice(0, 4).join(':')}::/64`;
  } catch {
    return address;
  }
}

/** `perMinute` 0 = no limit. The bucket holds a minute's worth, so a burst of that many passes at once. */
export function createRateLimiter(perMinute: number, maxKeys = 10_000): RateLimiter {
  if (perMinute === 0) return { take: () => ({ ok: true }), size: 0 };
  const perMs = perMinute / 60_000;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function level(bucket: { tokens: number; at: number }, nowMs: number): number {
    return Math.min(perMinute, bucket.tokens + Math.max(0, nowMs - bucket.at) * perMs);
  }

  /**
   * Down to 90% of the bound, so that pruning is rare: first the buckets that are full again, then the oldest
   * (a Map iterates in insertion order). Forgetting a bucket only ever gives its key a fresh minute's worth.
   */
  function prune(nowMs: number): void {
    const goal = Math.floor(maxKeys * 0.9);
    for (const [key, bucket] of buckets) if (level(bucket, nowMs) >= perMinute) buckets.delete(key);
    for (const key of buckets.keys()) {
      if (buckets.size <= goal) break;
      buckets.delete(key);
    }
  }

  return {
    /** How many keys are remembered (for tests of the bound). */
    get size() {
      return buckets.size;
    },
    take(key, nowMs) {
      const bucket = buckets.get(key) ?? { tokens: perMinute, at: nowMs };
      const tokens = level(bucket, nowMs);
      if (tokens < 1) {
        buckets.set(key, { tokens, at: nowMs });
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / perMs / 1000)) };
      }
      buckets.set(key, { tokens: tokens - 1, at: nowMs });
      if (buckets.size > maxKeys) prune(nowMs);
      return { ok: true };
    },
  };
}
