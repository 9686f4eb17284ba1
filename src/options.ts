// The one options pipeline: exported defaults, one zod schema that validates every source (config file,
// environment, flags, library callers) and rejects unknown keys, and the merge config < env < flags.
// The same schema types the library's options, so the CLI can never accept what the library would not.
import { z } from 'zod';
import { LinkbackError } from './errors.ts';
import { closest } from './suggest.ts';
import { DEFAULT_ARXIV_ENDPOINT } from './targets/arxiv.ts';
import { isSinceDate } from './lifecycle/since.ts';
import type { OptionKey } from './option-keys.ts';
import { DEFAULT_ARCHIVE_ENDPOINT } from './archive/rules.ts';

export { DEFAULT_ARXIV_ENDPOINT, DEFAULT_ARCHIVE_ENDPOINT };
/** arXiv's public list of the trackbacks a paper received (read by `verify`). */
export const DEFAULT_ARXIV_LISTING = 'https://arxiv.org/tb/{id}';

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL');

const positiveInt = z.number().int().positive();

/** A site's origin: http(s), no path, query or fragment (`https://blog.example.org`). Normalised by URL. */
const origin = z.string()
  .refine((value) => {
    try {
      const url = new URL(value);
      return /^https?:$/.test(url.protocol) && url.pathname === '/' && !url.search && !url.hash && !url.username;
    } catch {
      return false;
    }
  }, 'must be an origin (http(s), host and port only), e.g. https://blog.example.org')
  .transform((value) => new URL(value).origin);

/** Every setting, with its default. Documented in the README's "Options" table. */
export const optionsSchema = z
  .object({
    /** The built site's folder: what `send` reads, unless `feed` or `sitemap` is given instead. */
    site: z.string().min(1).optional(),
    /** Read the posts from a feed (RSS 2.0, Atom, JSON Feed; a file or an http(s) URL) instead of the site folder. */
    feed: z.string().min(1).nullable().default(null),
    /** Read the posts from a sitemap (a file or an http(s) URL), fetching each page, instead of the site folder. */
    sitemap: z.string().min(1).nullable().default(null),
    /** Public base URL the site is served from; null = from the pages' canonical / og:url. */
    siteUrl: httpUrl.nullable().default(null),
    /** The record of sent notifications. */
    state: z.string().min(1).default('.linkback/state.json'),
    /** Overrides og:site_name / the site's title in trackbacks. */
    blogName: z.string().min(1).nullable().default(null),
    /** Discover and report, send nothing, record nothing. */
    dryRun: z.boolean().default(false),
    /** Contact targets that resolve to loopback/private addresses (tests, staging). */
    allowPrivate: z.boolean().default(false),
    /** arXiv trackback listener; `{id}` is replaced by the version-less paper id. */
    arxivEndpoint: z
      .string()
      .refine((value) => value.includes('{id}'), 'must contain {id}')
      .refine((value) => httpUrl.safeParse(value.replace('{id}', '0000.00000')).success, 'must be an http(s) URL template')
      .default(DEFAULT_ARXIV_ENDPOINT),
    /**
     * Requests in flight at once, overall and per host. Politeness is the per-host limit (2, as browsers
     * once kept per server); the overall one only bounds sockets and memory, so it is as high as link
     * checkers use (lychee 128, linkinator 100): with 8, a site linking 100 hosts waited on them one
     * batch at a time (bench/versus.ts: 50 s where 4 s would do).
     */
    concurrency: positiveInt.max(256).default(128),
    perHost: positiveInt.max(64).default(2),
    /** Threads that parse pages; null = one per core (at most 8), started once the site has over 200 pages. */
    workers: positiveInt.max(64).nullable().default(null),
    /** Per-request total time budget (connect + answer + body), and the connect part of it, in ms. */
    timeout: positiveInt.max(600_000).default(20_000),
    connectTimeout: positiveInt.max(600_000).default(10_000),
    /** Retries of one request within a run (see README "Retries"). */
    retries: z.number().int().min(0).max(10).default(2),
    /** Upper bound on a 429/503 Retry-After we are willing to wait, in ms. */
    maxRetryAfter: z.number().int().min(0).max(3_600_000).default(120_000),
    /**
     * How long one host that says "slow down" may hold the run, in ms: the sum of its pauses (escalating: its
     * interval or 1 s, doubled each time, at least its Retry-After). Past it, what the host still has is held for
     * the next run. 5 minutes: WordPress's 15 s window fits four times over, arXiv's block gets six tries.
     */
    maxHostWait: z.number().int().min(0).max(3_600_000).default(300_000),
    /**
     * Per-host settings, by host name or host:port: `interval` (ms between request starts; replaces the built-in
     * rules: arXiv 3 s, WordPress 16 s, others 100 ms) and `perHost` (requests in flight). See docs/cli.md "Pacing".
     */
    hosts: z.record(
      z.string().min(1).regex(/^[^\s/=]+$/, 'must be a host name or host:port'),
      z.object({
        interval: z.number().int().min(0).max(3_600_000).optional(),
        perHost: positiveInt.max(64).optional(),
      }).strict(),
    ).default({}),
    /** Re-send, on purpose, pairs whose earlier request may have been delivered / that failed with an answer. */
    retryUncertain: z.boolean().default(false),
    retryFailed: z.boolean().default(false),
    /** Treat undated single pages (About) as posts. */
    includeUndated: z.boolean().default(false),
    /** Selector hints for themes the heuristics miss. */
    postSelector: z.string().min(1).nullable().default(null),
    contentSelector: z.string().min(1).nullable().default(null),
    /** Target URLs never notified (globs, `*` matches anything), e.g. "https://twitter.com/*". */
    exclude: z.array(z.string().min(1)).default([]),
    /** Target hosts never notified (globs, `*` matches anything), e.g. "twitter.com", "*.medium.com". */
    excludeHosts: z.array(z.string().min(1)).default([]),
    /**
     * Which built files are read as posts, as globs on the path inside the site folder ("blog/**",
     * "drafts/"): `*` stays within a folder, `**` crosses folders, "dir/" means everything under it.
     * includePaths [] = every file; excludePaths wins over includePaths.
     */
    includePaths: z.array(z.string().min(1)).default([]),
    excludePaths: z.array(z.string().min(1)).default([]),
    /** Limit this run to pairs whose source or target URL matches one of these globs (`*` matches anything). */
    only: z.array(z.string().min(1)).default([]),
    /** Contact for the User-Agent (a URL or e-mail), so a target's admin can reach the sender. */
    contact: z.string().min(1).nullable().default(null),
    /** Re-send Webmentions for the former targets of a post gone from the site (once its URL answers 404/410). */
    deletes: z.boolean().default(false),
    /**
     * Before notifying about a post, fetch its public URL once and hold (retryable) the pairs whose link the live
     * page does not show yet: receivers verify by fetching the post, and refuse for good what is not deployed.
     */
    checkLive: z.boolean().default(true),
    /**
     * Ask the Internet Archive's Save Page Now to capture each page the posts cite, once (remembered in the state),
     * at its published pace (src/archive/); never arXiv or DOI targets, which are permanent already.
     */
    archive: z.boolean().default(false),
    /** The Save Page Now endpoint; the page's URL is appended. For tests and mirrors. */
    archiveEndpoint: httpUrl.default(DEFAULT_ARCHIVE_ENDPOINT),
    /** Record every notification this run would send as done, without sending (adopting linkback on an old blog). */
    markExisting: z.boolean().default(false),
    /** Only posts published on or after this date (YYYY-MM-DD, or an ISO date-time with offset); undated ones are reported. */
    since: z.string().refine(isSinceDate, 'must be a date (YYYY-MM-DD) or an ISO date-time with an offset').nullable().default(null),
    /** Where `verify` reads an arXiv paper's trackbacks; `{id}` is replaced by the version-less paper id. */
    arxivListing: z
      .string()
      .refine((value) => value.includes('{id}'), 'must contain {id}')
      .refine((value) => httpUrl.safeParse(value.replace('{id}', '0000.00000')).success, 'must be an http(s) URL template')
      .default(DEFAULT_ARXIV_LISTING),
    /**
     * Connect to another address for a host name while keeping the URL (curl's --connect-to):
     * { "blog.example": "127.0.0.1:8080", "*": "127.0.0.1:8080" }. For local simulated webs and staging.
     */
    connectTo: z.record(z.string().min(1), z.string().regex(/^[^:\s]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/, 'must be address:port')).default({}),

    // `linkback serve`, the receiver. In the one schema so that a config file, LINKBACK_* and flags say them alike.
    /** The sites received for, by origin (`https://blog.example.org`); a target outside them is refused. */
    sites: z.array(origin).default([]),
    /** Where the server listens. The host defaults to loopback: the receiver is meant to sit behind a reverse proxy. */
    port: z.number().int().min(0).max(65_535).default(8080),
    host: z.string().min(1).default('127.0.0.1'),
    /** The mentions database (SQLite); relative to the config file's folder, else the current one. */
    db: z.string().min(1).default('.linkback/mentions.db'),
    /**
     * A Postgres database instead (postgres://user:password@host:port/name): several `serve` processes, on several
     * machines, share its mentions and its job queue. Null: the SQLite file `db`.
     */
    database: z.string().regex(/^postgres(ql)?:\/\/\S+$/i, 'must be a postgres:// URL (for SQLite, give the file as --db)').nullable().default(null),
    /**
     * What this process does: `web` accepts and queues, `worker` verifies, `all` both. Web and worker processes on
     * one Postgres (or on one SQLite file, on one machine) scale apart; a worker listens only for /healthz, /readyz
     * and /metrics.
     */
    role: z.enum(['all', 'web', 'worker']).default('all'),
    /** Take the client address from X-Forwarded-For (its last entry: what our own proxy saw). Only behind a proxy. */
    trustProxy: z.boolean().default(false),
    /** Verifications at once, and the deadline of one (fetch + check), in ms: a silent source costs one worker this long. */
    verifyWorkers: positiveInt.max(256).default(4),
    verifyTimeout: positiveInt.max(600_000).default(30_000),
    /** A verification that keeps failing retryably (timeouts, 5xx) is given up after this many attempts. */
    maxAttempts: positiveInt.max(100).default(5),
    /** Jobs waiting at most; past it new notifications get 503 + Retry-After (a flood must not fill the disk). */
    maxQueue: positiveInt.max(10_000_000).default(10_000),
    /** Largest request body accepted, in bytes (413 past it). */
    maxBody: positiveInt.max(16 * 1024 * 1024).default(64 * 1024),
    /** Notifications accepted per minute per client address and per source host; 0 = no limit (429 + Retry-After past it). */
    rateClient: z.number().int().min(0).max(1_000_000).default(60),
    rateSource: z.number().int().min(0).max(1_000_000).default(30),
    // Moderation and showing mentions (src/receive/moderate/, src/receive/publish/).
    /** The admin token: the moderation page (/admin) and every site's mentions in the API. Empty = management off. */
    adminToken: z.string().default(''),
    /** The server's public base URL behind the proxy (https://mentions.example.org): Atom ids, Secure cookies. */
    publicUrl: httpUrl.optional(),
    /**
     * Which verified mentions are shown without a moderator: known = allowlisted domains and domains approved
     * before (WordPress's rule); all = every one (webmention.io's behaviour); none = allowlisted domains only.
     */
    approve: z.enum(['known', 'all', 'none']).default('known'),
    /** Source domains always approved / always spam; a domain covers its subdomains. */
    allowDomains: z.array(z.string().min(1)).default([]),
    blockDomains: z.array(z.string().min(1)).default([]),
    /** What a blocked domain gets: refused at accept (nothing queued or fetched), or accepted and filed as spam. */
    blockAction: z.enum(['refuse', 'spam']).default('refuse'),
    /** POSTed (JSON, webmention.io's callback payload) for each newly approved mention: a static host's build hook. */
    webhook: httpUrl.optional(),
    /** Sent as `secret` in the webhook's body. */
    webhookSecret: z.string().optional(),
    /** `mentions export --from`: the read token (a site's, or the admin token) of the remote API. */
    readToken: z.string().default(''),
  })
  .strict();

// OPTION_KEYS (src/option-keys.ts) must name exactly the schema's keys: a key added to one only fails here.
type Same<A, B> = [Exclude<A, B>, Exclude<B, A>] extends [never, never] ? true : never;
const sameKeys: Same<keyof typeof optionsSchema.shape, OptionKey> = true;
void sameKeys;

export type Options = z.output<typeof optionsSchema>;
/** What callers pass: `site` plus any subset of the rest. */
export type OptionsInput = z.input<typeof optionsSchema>;

/** Defaults, for documentation and for callers that want to show them. */
export const DEFAULTS: Omit<Options, 'site'> = optionsSchema.omit({ site: true }).parse({});

/** Validates one layer or the merged whole; `origin` names where the values came from for the message. */
export function parseOptions(input: unknown, origin = 'options'): Options {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error, origin);
  return parsed.data;
}

/** Validates every setting but `site` (for `discover` and `status`, which read no site), defaults filled in. */
export function parseSettings(input: unknown, origin = 'options'): Omit<Options, 'site'> {
  const parsed = optionsSchema.omit({ site: true }).safeParse(input);
  if (!parsed.success) throw invalid(parsed.error, origin);
  return parsed.data;
}

/** Validates a partial layer (config file, env): known keys, right types, no defaults filled in. */
export function parseLayer(input: unknown, origin: string): Partial<OptionsInput> {
  const parsed = optionsSchema.partial().safeParse(input);
  if (!parsed.success) throw invalid(parsed.error, origin);
  // partial() still applies defaults for absent keys in zod 4; keep only what the layer really set.
  const given = (input ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(given)) out[key] = (parsed.data as Record<string, unknown>)[key];
  return out as Partial<OptionsInput>;
}

/**
 * config < env < flags: later layers win key by key; `hosts` host by host and field by field, so that
 * `--host-interval example.org=500` keeps the config's `perHost` for example.org.
 */
export function mergeLayers(...layers: Array<Partial<OptionsInput> | undefined>): Partial<OptionsInput> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      out[key] = key === 'hosts' ? mergeHosts(out[key] as HostsInput | undefined, value as HostsInput) : value;
    }
  }
  return out as Partial<OptionsInput>;
}

type HostsInput = NonNullable<OptionsInput['hosts']>;

function mergeHosts(before: HostsInput | undefined, after: HostsInput): HostsInput {
  const out: HostsInput = { ...before };
  for (const [host, setting] of Object.entries(after)) out[host] = { ...out[host], ...setting };
  return out;
}

function invalid(error: z.ZodError, origin: string): LinkbackError {
  const lines = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown option ${issue.keys.map((k) => `"${k}"${didYouMean(k)}`).join(', ')}`;
    const key = issue.path.join('.') || '(root)';
    // zod's "Invalid input: expected number, received string" reads better without its category.
    return `"${key}" ${issue.message.replace(/^(Invalid input|Too small|Too big): /, '')}`;
  });
  return new LinkbackError('CONFIG_INVALID', `invalid ${origin}: ${lines.join('; ')}`, { cause: error });
}

/** A typo'd key ("concurency") gets the known key it is closest to. */
function didYouMean(key: string): string {
  const near = closest(key, Object.keys(optionsSchema.shape));
  return near ? ` (did you mean "${near}"?)` : '';
}
