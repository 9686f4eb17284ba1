// Per-host pacing: a minimum interval between request STARTS to one host, on top of the in-flight limit of
// net/limiter.ts (lychee paces hosts the same way: lychee-lib/src/ratelimit/host/). And what a host that said
// "slow down" costs: a pause of that host for the run, escalating, bounded by a budget per host.
//
// Pure: every time is a number of ms passed in; pacer.ts does the waiting with an injected clock.
//
// The defaults come from what receivers enforce:
// - arXiv asks automated clients for one request every 3 s (arxiv.org/help/robots, the API terms of use) and
//   serves a 403 "Access Denied" page to faster ones: every request to an arXiv host, and to the host of the
//   arXiv trackback endpoint whatever --arxiv-endpoint says, starts 3 s after the previous one.
// - WordPress refuses a second comment, pingback or trackback from one address within 15 s
//   (wp_check_comment_flood, on timestamps of whole seconds, counted from when the previous one was stored): a
//   notification POST to a WordPress endpoint starts 16 s after the previous one was ANSWERED. Discovery GETs are
//   not comments and are not held to it.
// - Any other host: 100 ms between starts (lychee's default is 50 ms; with 2 in flight per host, a host answering in
//   200 ms or more never notices it). A post citing twenty sites that share webmention.io's endpoint takes 2 s more.
// - The Wayback Machine's Save Page Now (src/archive/, with --archive): 4 captures a minute for anonymous users (its
//   SPN2 API docs; changelog 2023-01-22, counted over the last 60 s): one request every 15 s to the endpoint's host.
// A host's `interval` set in the config or by a flag replaces these rules for that host: its owner knows better.

export const DEFAULT_INTERVAL_MS = 100;
export const ARXIV_INTERVAL_MS = 3_000;
/** Save Page Now's 4 captures a minute. */
export const ARCHIVE_INTERVAL_MS = 15_000;
/** WordPress's 15 s flood window, plus a second for its whole-second timestamps and clock skew. */
export const WORDPRESS_INTERVAL_MS = 16_000;
/** The first pause after a "slow down" is at least this, or the host's interval if longer; then it doubles. */
export const MIN_PAUSE_MS = 1_000;
/** The reason a wait gives when the host is paused after a "slow down". */
export const PAUSED = 'asked to slow down';

export interface HostSetting {
  /** ms between request starts to this host. */
  interval?: number | undefined;
  /** Requests in flight to this host (overrides perHost). */
  perHost?: number | undefined;
}

export interface PaceRules {
  defaultInterval: number;
  /** Hosts that carry arXiv's pacing: arxiv.org and its subdomains always, plus the host of --arxiv-endpoint. */
  arxivHosts: ReadonlySet<string>;
  /** The host of the Save Page Now endpoint, paced at its 4 captures a minute (only when archiving). */
  archiveHosts?: ReadonlySet<string>;
  /** Per-host settings, by host name or host:port. */
  hosts: Readonly<Record<string, HostSetting>>;
  /** The per-run budget of slow-down pauses for one host; past it, what the host still has is held for the next run. */
  maxHostWait: number;
  /** A single Retry-After longer than this is not waited for in this run. */
  maxRetryAfter: number;
}

/** One request as pacing sees it. */
export interface Paced {
  url: string;
  /** A notification POST (a comment to WordPress), not a discovery GET. */
  notification: boolean;
}

export type PauseDecision =
  /** Try again once the host's pause is over (`until`, ms). */
  | { retry: true; until: number; pauseMs: number; escalated: boolean }
  /** The host's budget for this run is spent: hold what it has. */
  | { retry: false; why: string };

interface HostState {
  // Starts promised to requests waiting for them (reserved) and starts that happened (actual): a request takes
  // its turn from the first, and checks the second right before going on the wire, so a start that slipped
  // (a slow state write between the two) still keeps the interval on the wire.
  reserved: number;
  actual: number;
  commentReserved: number;
  commentActual: number;
  pausedUntil: number;
  pauses: number;
  pausedMs: number;
  slowDowns: number;
  givenUp: boolean;
  /** Known as WordPress from its answers ("too quickly", fault 429), whatever its endpoint's path says. */
  wordpress: boolean;
}

export interface HostStats {
  host: string;
  slowDowns: number;
  pausedMs: number;
  givenUp: boolean;
}

/** The host (host:port as URLs write it) that a request is paced and limited under. */
export function hostKey(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** arxiv.org, www., export. and any other subdomain; plus the host of the arXiv endpoint template. */
export function arxivHostsFor(arxivEndpoint: string): Set<string> {
  return new Set(['arxiv.org', 'export.arxiv.org', 'www.arxiv.org', hostKey(arxivEndpoint.replace('{id}', '0000.00000'))]);
}

function isArxivHost(host: string, rules: PaceRules): boolean {
  const name = host.replace(/:\d+$/, '');
  return rules.arxivHosts.has(host) || name === 'arxiv.org' || name.endsWith('.arxiv.org');
}

/** The Save Page Now endpoint's host, when archiving; else none. */
export function archiveHostsFor(options: { archive: boolean; archiveEndpoint: string }): Set<string> {
  return new Set(options.archive ? [hostKey(options.archiveEndpoint)] : []);
}

/** A host's own setting: by host:port first, then by name. */
export function settingFor(host: string, rules: Pick<PaceRules, 'hosts'>): HostSetting | undefined {
  return rules.hosts[host] ?? rules.hosts[host.replace(/:\d+$/, '')];
}

/**
 * A WordPress comment endpoint by its path: xmlrpc.php (pingback), wp-trackback.php, or a permalink ending in
 * /trackback/ (WordPress's trackback URL for a post; arXiv's /trackback/{id} does not end so).
 */
export function isWordPressEndpoint(url: string): boolean {
  try {
    const path = new URL(url).pathname;
    return /(?:^|\/)(?:xmlrpc|wp-trackback)\.php$/.test(path) || path.endsWith('/trackback/');
  } catch {
    return false;
  }
}

export interface Interval {
  ms: number;
  /** For people: why this host is paced so. */
  reason: string;
}

export class HostSchedule {
  readonly #rules: PaceRules;
  readonly #hosts = new Map<string, HostState>();

  constructor(rules: PaceRules) {
    this.#rules = rules;
  }

  #state(host: string): HostState {
    let s = this.#hosts.get(host);
    if (!s) {
      s = { reserved: -Infinity, actual: -Infinity, commentReserved: -Infinity, commentActual: -Infinity, pausedUntil: -Infinity, pauses: 0, pausedMs: 0, slowDowns: 0, givenUp: false, wordpress: false };
      this.#hosts.set(host, s);
    }
    return s;
  }

  /** The interval between any two request starts to `host`. */
  interval(host: string): Interval {
    const own = settingFor(host, this.#rules)?.interval;
    if (own !== undefined) return { ms: own, reason: 'its interval setting' };
    if (isArxivHost(host, this.#rules)) return { ms: ARXIV_INTERVAL_MS, reason: 'arXiv asks for 3 s between requests' };
    if (this.#rules.archiveHosts?.has(host)) return { ms: ARCHIVE_INTERVAL_MS, reason: 'Save Page Now takes 4 captures a minute' };
    return { ms: this.#rules.defaultInterval, reason: 'pacing' };
  }

  /** The extra interval between notifications to a WordPress endpoint (null: none applies). */
  commentInterval(host: string, req: Paced): Interval | null {
    if (!req.notification) return null;
    if (settingFor(host, this.#rules)?.interval !== undefined) return null;
    if (!isWordPressEndpoint(req.url) && !this.#state(host).wordpress) return null;
    return { ms: WORDPRESS_INTERVAL_MS, reason: 'WordPress flood window' };
  }

  /**
   * Takes the next turn of `req` on its host: the time it may start (>= now), and why it waits when it does.
   * Turns are handed out in call order, each `interval` after the one before.
   */
  reserve(req: Paced, now: number): { at: number; reason: string } {
    const host = hostKey(req.url);
    const s = this.#state(host);
    const { at, reason } = this.#earliest(host, s, req, now, true);
    s.reserved = Math.max(s.reserved, at);
    if (this.commentInterval(host, req)) s.commentReserved = Math.max(s.commentReserved, at);
    return { at, reason };
  }

  /**
   * Right before the request goes on the wire: 0 when it may start now (and it is counted as started), else
   * the ms still to wait because another start slipped in since its turn was reserved. `force` counts it as
   * started whatever the time (after that wait: a clock that did not move must not make it wait for ever).
   */
  start(req: Paced, now: number, force = false): number {
    const host = hostKey(req.url);
    const s = this.#state(host);
    const { at } = this.#earliest(host, s, req, now, false);
    if (at > now && !force) return at - now;
    s.actual = Math.max(s.actual, now);
    if (this.commentInterval(host, req)) s.commentActual = Math.max(s.commentActual, now);
    return 0;
  }

  /** Why a request waits at `now` right before the wire (for what is told about the wait). */
  waitReason(req: Paced, now: number): string {
    const host = hostKey(req.url);
    return this.#earliest(host, this.#state(host), req, now, false).reason;
  }

  /** An answer came: WordPress counts its flood window from when it stored the previous comment. */
  answered(req: Paced, now: number): void {
    const host = hostKey(req.url);
    if (this.commentInterval(host, req)) {
      const s = this.#state(host);
      s.commentActual = Math.max(s.commentActual, now);
    }
  }

  #earliest(host: string, s: HostState, req: Paced, now: number, reserving: boolean): { at: number; reason: string } {
    const every = this.interval(host);
    let at = now;
    let reason = every.reason;
    const later = (t: number, why: string) => {
      if (t > at) {
        at = t;
        reason = why;
      }
    };
    later(s.actual + every.ms, every.reason);
    if (reserving) later(s.reserved + every.ms, every.reason);
    const comment = this.commentInterval(host, req);
    if (comment) {
      later(s.commentActual + comment.ms, comment.reason);
      if (reserving) later(s.commentReserved + comment.ms, comment.reason);
    }
    later(s.pausedUntil, s.wordpress ? `${PAUSED} (WordPress flood window)` : PAUSED);
    return { at, reason };
  }

  /**
   * The host answered "slow down" at `now`. It is paused for the run: the first pause is the longer of its
   * interval (WordPress's window for a WordPress host) and MIN_PAUSE_MS, doubled at each new pause, and never
   * shorter than a Retry-After. An answer to a request that started before the current pause was set joins
   * that pause instead of escalating. Past the per-host budget (or a Retry-After over maxRetryAfter), the host
   * is given up for this run.
   */
  slowedDown(url: string, now: number, retryAfterMs: number | null, wordpress: boolean): PauseDecision {
    const host = hostKey(url);
    const s = this.#state(host);
    s.slowDowns++;
    if (wordpress) s.wordpress = true;
    if (s.givenUp) return { retry: false, why: 'still asking to slow down' };
    if (retryAfterMs !== null && retryAfterMs > this.#rules.maxRetryAfter) {
      s.givenUp = true;
      return { retry: false, why: `asks to come back in ${seconds(retryAfterMs)}` };
    }
    if (now < s.pausedUntil) {
      // A Retry-After longer than the pause on now still stretches it.
      if (retryAfterMs !== null && now + retryAfterMs > s.pausedUntil) s.pausedUntil = now + retryAfterMs;
      return { retry: true, until: s.pausedUntil, pauseMs: s.pausedUntil - now, escalated: false };
    }
    const pauseMs = nextPause(s.pauses, Math.max(this.interval(host).ms, s.wordpress ? WORDPRESS_INTERVAL_MS : 0), retryAfterMs);
    if (s.pausedMs + pauseMs > this.#rules.maxHostWait) {
      s.givenUp = true;
      return { retry: false, why: `paused ${seconds(s.pausedMs)} already; the next pause (${seconds(pauseMs)}) would pass the ${seconds(this.#rules.maxHostWait)} budget` };
    }
    s.pauses++;
    s.pausedMs += pauseMs;
    s.pausedUntil = now + pauseMs;
    return { retry: true, until: s.pausedUntil, pauseMs, escalated: true };
  }

  /** True once the host's budget for this run is spent: nothing more is sent to it. */
  givenUp(url: string): boolean {
    return this.#hosts.get(hostKey(url))?.givenUp === true;
  }

  /** How many times the host said "slow down" in this run. */
  slowDowns(url: string): number {
    return this.#hosts.get(hostKey(url))?.slowDowns ?? 0;
  }

  /** Hosts that said "slow down" in this run. */
  stats(): HostStats[] {
    return [...this.#hosts].filter(([, s]) => s.slowDowns > 0)
      .map(([host, s]) => ({ host, slowDowns: s.slowDowns, pausedMs: s.pausedMs, givenUp: s.givenUp }));
  }
}

/** The pause after `pauses` earlier ones: max(base, MIN_PAUSE_MS) x 2^pauses, at least the Retry-After. */
export function nextPause(pauses: number, baseMs: number, retryAfterMs: number | null): number {
  return Math.max(Math.max(baseMs, MIN_PAUSE_MS) * 2 ** pauses, retryAfterMs ?? 0);
}

/**
 * Across runs, for a notification still held by a host that said "slow down" when the run ended: the first time,
 * the next run sends it (no retryAt); held again, it waits 1 h, then twice as long each run (2 h, 4 h, …); once
 * that wait would pass 7 days (about the tenth held run, ten days on), the host is taken as blocking us for good
 * and the notification is recorded as failed (--retry-failed sends it again). `previous` is its record before.
 */
export function heldAcrossRuns(previous: { code: string; status: string; retryable: boolean; at: string; retryAt?: string | undefined } | undefined, now: number): { retryAt: string | null } | { giveUp: true } {
  const wasHeld = previous !== undefined && previous.status === 'failed' && previous.retryable && previous.code === 'rate-limited';
  if (!wasHeld) return { retryAt: null };
  const gap = previous.retryAt === undefined ? HOUR_MS : Math.max(HOUR_MS, 2 * (Date.parse(previous.retryAt) - Date.parse(previous.at)));
  if (!(gap <= MAX_HELD_GAP_MS)) return { giveUp: true };
  return { retryAt: new Date(now + gap).toISOString() };
}

const HOUR_MS = 3_600_000;
export const MAX_HELD_GAP_MS = 7 * 24 * HOUR_MS;

export function seconds(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return s < 120 ? `${Number.isInteger(s) ? s : s.toFixed(1)} s` : `${Math.round(s / 60)} min`;
}
