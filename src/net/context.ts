// The network side of one run (send or verify): the limiter, host pacing, retry rules and clock that every
// request of the run shares, built from the options.
import type { Options } from '../options.ts';
import type { HttpClient } from './types.ts';
import { createLimiter } from './limiter.ts';
import { DEFAULT_RETRY } from './retry.ts';
import type { NetContext } from './attempt.ts';
import { sleep } from './attempt.ts';
import { HostSchedule, DEFAULT_INTERVAL_MS, archiveHostsFor, arxivHostsFor, settingFor } from '../ratelimit/host.ts';
import { createPacer } from '../ratelimit/pacer.ts';
import type { HostWait } from '../ratelimit/pacer.ts';

/** The limiter, host pacing, retry rules and clock of one run, shared by every request it makes. */
export function netContextFor(options: Options, client: HttpClient, now: () => Date, signal?: AbortSignal,
  io: { sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined; onWait?: ((wait: HostWait) => void) | undefined } = {}): NetContext {
  const hosts = hostSettings(options);
  const schedule = new HostSchedule({
    defaultInterval: DEFAULT_INTERVAL_MS,
    arxivHosts: arxivHostsFor(options.arxivEndpoint),
    archiveHosts: archiveHostsFor(options), // Save Page Now's 4 captures a minute
    hosts,
    maxHostWait: options.maxHostWait,
    maxRetryAfter: options.maxRetryAfter,
  });
  const clock = () => now().getTime();
  const wait = io.sleep ?? sleep;
  // Pacing measures time with the clock its waits run on: the caller's `now` only when it brings its own sleep
  // (a virtual clock); a `now` alone may be frozen (records stamped with a fixed date) and would never let a turn come.
  const paceClock = io.sleep ? clock : Date.now;
  return {
    client,
    limit: createLimiter({ concurrency: options.concurrency, perHost: options.perHost, perHostFor: (host) => settingFor(host, { hosts })?.perHost }),
    retry: { ...DEFAULT_RETRY, retries: options.retries, maxRetryAfterMs: options.maxRetryAfter },
    now: clock,
    sleep: wait,
    pacer: createPacer(schedule, { now: paceClock, sleep: wait, signal, onWait: io.onWait }),
    ...(signal ? { signal } : {}),
  };
}

/** The per-host settings (`hosts`) by lower-case host: host names are case-insensitive, and URLs spell them so. */
export function hostSettings(options: Options): Options['hosts'] {
  return Object.fromEntries(Object.entries(options.hosts).map(([host, setting]) => [host.toLowerCase(), setting]));
}
