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

export type Decision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Requests counted for one key in the database: this minute's (this one included) and the minute before's. */
export interface WindowHits {
  current: number;
  previous: number;
}

/** Counts one request for `key` in minute `minute` (minutes since the epoch) where every process sees it. */
export type HitCounter = (key: string, minute: number) => Promise<WindowHits>;

/**
 * A sliding-window limit from two fixed one-minute counts (this minute's, and the one before's weighted by how much
 * of it still lies within the last 60 s): at most `perMinute` in any minute, give or take the weighting, with no
 * state but the counts, so that processes sharing them share the limit.
 */
export function slidingWindow(perMinute: number, hits: WindowHits, nowMs: number): Decision {
  const intoMinute = (nowMs % 60_000) / 60_000;
  if (hits.previous * (1 - intoMinute) + hits.current <= perMinute) return { ok: true };
  // When the estimate falls to the limit again: later in this minute as the previous one's weight shrinks, else in
  // the next, where this minute's count is the previous one. A guess for Retry-After, not a promise.
  const thisMinute = hits.current < perMinute && hits.previous > 0 ? 1 - (perMinute - hits.current) / hits.previous : undefined;
  const at = thisMinute !== undefined && thisMinute < 1
    ? thisMinute
    : 1 + Math.max(0, 1 - (perMinute - 1) / hits.current);
  return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((at - intoMinute) * 60)) };
}

/** A rate limit that may wait on the database. */
export interface SharedLimiter {
  take(key: string, nowMs: number): Promise<Decision>;
}

/**
 * This process's bucket first (it refuses a flood without a database round trip), then, where the database counts
 * (`count`: Postgres), the count of every process under `scope:key`: N web processes let through the limit, not N
 * times it. `perMinute` 0 = no limit.
 */
export function sharedLimiter(local: RateLimiter, perMinute: number, scope: string, count?: HitCounter): SharedLimiter {
  return {
    async take(key, nowMs) {
      const here = local.take(key, nowMs);
      if (!here.ok || !count || perMinute === 0) return here;
      return slidingWindow(perMinute, await count(`${scope}:${key}`, Math.floor(nowMs / 60_000)), nowMs);
    },
  };
}
