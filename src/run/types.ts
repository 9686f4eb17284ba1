// The public shapes of a run: what `send` takes besides its options (SendDeps), what it tells as it goes
// (LinkbackEvent) and what it returns (SendReport, Summary). Re-exported unchanged by src/linkback.ts and src/index.ts.
import type { Endpoint, Post, Result } from '../types.ts';
import type { SiteWarning } from '../site/index.ts';
import type { PageSource } from '../site/pages.ts';
import type { HttpClient } from '../net/types.ts';
import type { HostWait } from '../ratelimit/pacer.ts';
import type { HubPing } from '../websub/publish.ts';
import type { Capture } from '../archive/rules.ts';

export type LinkbackEvent =
  | { type: 'page'; file: string; kind: 'post' | 'listing' | 'other' | 'unchanged' | 'error'; reason: string }
  | { type: 'warning'; file: string; message: string }
  | { type: 'post'; post: Post; targets: number }
  /** A post left out by `since`: published before it, or without a date (never guessed). */
  | { type: 'filtered'; post: Post; reason: 'before-since' | 'undated' }
  /** Links of a post dropped as the site's own (same host and port), those written with a host: for --verbose. */
  | { type: 'own-site'; file: string; url: string; links: string[] }
  /** A post of the state that is gone from the site: what was (or was not) done about it. */
  | { type: 'deleted'; url: string; file: string; targets: number; message: string }
  | { type: 'discovered'; target: string; endpoint: Endpoint | null; notes: string[] }
  /** The run waits `ms` before its next request to `host` (pacing of 1 s or more, or a "slow down" pause). */
  | ({ type: 'waiting' } & HostWait)
  | { type: 'result'; result: Result };

export interface SendDeps {
  /** The HTTP client; default: undici with the options' timeouts, SSRF guard and connectTo. */
  client?: HttpClient;
  /** When it fires, no new request starts; requests in flight finish (or time out) and are recorded. */
  signal?: AbortSignal;
  onEvent?: (event: LinkbackEvent) => void;
  now?: () => Date;
  /**
   * How the run waits (pacing, "slow down" pauses, retries): rejects when `signal` fires. With `now`, a test runs
   * the receivers' 3 s and 15 s rules on a virtual clock. Default: a timer.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * The built pages, when a generator plugin already holds them (Eleventy): read instead of the site folder,
   * which is then only read for a home page missing from the list. Added for src/integrations/.
   */
  pages?: readonly PageSource[];
  /**
   * Which results the report holds; default: all. Every result is still counted in the summary and emitted
   * as a 'result' event, so a caller that shows only some (the CLI's table: report/table.ts tableRows) keeps
   * memory flat on a big site: a row per post and target is 500,000 rows for 50,000 posts.
   */
  keepResult?: (result: Result) => boolean;
  /**
   * The client that fetches our own posts to see that they are live (checkLive, lifecycle/live.ts); default:
   * `client` when given, else one like it that may reach private addresses (the site is the user's own).
   */
  siteClient?: HttpClient;
}

export interface Summary {
  pages: number;
  posts: number;
  /** Posts whose file did not change since the last run and whose notifications are all settled: not parsed. */
  unchangedPosts: number;
  targets: number;
  sent: number;
  failed: number;
  /** Not sent in this run for a reason that is not a refusal ("slow down", post not live yet): the next run sends them. */
  held: number;
  skipped: number;
  noEndpoint: number;
  dryRun: number;
  /** TrackBacks left in flight by a killed earlier run, now marked uncertain (not sent again by themselves). */
  recoveredUncertain: number;
  /** Webmentions and Pingbacks left in flight by a killed earlier run: a repeat is harmless, so this run sends them. */
  recoveredResend: number;
  /** Of `sent`: Webmentions re-sent because a post changed, dropped a link or was deleted. */
  resent: number;
  /** Recorded as done without sending (markExisting / baseline). */
  marked: number;
  /** Posts left out by `since`: published before it, or without a date. */
  beforeSince: number;
  undated: number;
  /** Posts of the state that are gone from the site (handled only with `deletes`). */
  deletedPosts: number;
  /** Article-like pages (one article, an h1) left out for want of a date (includeUndated takes them), and one of them. */
  undatedPages: number;
  undatedExample: string | null;
}

export interface SendReport {
  results: Result[];
  summary: Summary;
  warnings: SiteWarning[];
  dryRun: boolean;
  /** True when the run was stopped (signal) before it finished. */
  interrupted: boolean;
  /**
   * Hosts the run waited on for 1 s or more in all (pacing, "slow down" pauses): how long, why, and how many times
   * the host asked to slow down.
   */
  hostWaits: Array<{ host: string; ms: number; reason: string; slowDowns: number }>;
  /** What each WebSub hub of the site's feed was told (none when no post was added, changed or removed). */
  websub?: HubPing[];
  /** Save Page Now captures of cited pages (with `archive`), with their Wayback addresses. */
  archive?: Capture[];
  /** The remote feed or sitemap answered 304 to a conditional GET: nothing was read. */
  inputNotModified?: boolean;
  /** A fatal problem that stopped the run part-way (e.g. the state could not be written). */
  error: { code: string; message: string } | null;
  startedAt: string;
  finishedAt: string;
}
