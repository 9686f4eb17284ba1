// One flag per setting of the options schema, and which commands take it. Flag values go to the config
// pipeline as typed (strings), so a flag, a LINKBACK_* variable and a config key convert and validate
// the same way. A setting added to the schema without an entry here still gets a flag (from its name and
// type), so the command line can always say everything the library can.
import { Option } from 'commander';
import type { Command } from 'commander';
import { DEFAULTS, optionsSchema } from '../options.ts';
import { kindOf, parseConnectTo, parseHostIntervals } from '../config.ts';

export type CommandName = 'send' | 'discover' | 'status' | 'verify' | 'serve' | 'mentions';

interface FlagSpec {
  /** `--name <arg>`; the setting key is `key`. */
  flags: string;
  description: string;
  commands: readonly CommandName[];
}

const SEND: readonly CommandName[] = ['send'];
const NET: readonly CommandName[] = ['send', 'discover', 'verify'];
/** Settings of the fetching client, which serve's verification uses too. */
const CLIENT: readonly CommandName[] = [...NET, 'serve'];
const SERVE: readonly CommandName[] = ['serve'];
const def = (key: keyof typeof DEFAULTS): string => {
  const value = DEFAULTS[key];
  return Array.isArray(value) ? '' : ` (default: ${String(value)})`;
};

/** In the order --help lists them. */
const SPECS: Readonly<Record<string, FlagSpec>> = {
  siteUrl: { flags: '--site-url <url>', description: 'public base URL of the site (default: the pages\' canonical / og:url)', commands: SEND },
  state: { flags: '--state <file>', description: `record of sent notifications${def('state')}`, commands: ['send', 'status', 'verify'] },
  blogName: { flags: '--blog-name <name>', description: 'blog name sent with trackbacks (default: og:site_name or the site title)', commands: SEND },
  feed: { flags: '--feed <file-or-url>', description: 'read the posts from an RSS, Atom or JSON feed instead of a site folder', commands: SEND },
  sitemap: { flags: '--sitemap <file-or-url>', description: 'read the posts from a sitemap (each page is fetched) instead of a site folder', commands: SEND },
  since: { flags: '--since <date>', description: 'only posts published on or after this date (YYYY-MM-DD)', commands: SEND },
  markExisting: { flags: '--mark-existing', description: 'record what would be sent as done, sending nothing (adopting linkback on an existing blog)', commands: SEND },
  deletes: { flags: '--deletes', description: 'notify the former targets of posts gone from the site (Webmention)', commands: SEND },
  checkLive: { flags: '--no-check-live', description: 'send without first checking that each post is live and links its targets (default: check)', commands: SEND },
  archive: { flags: '--archive', description: 'ask the Wayback Machine (Save Page Now) to capture each cited page once, 4 a minute (default: off)', commands: SEND },
  archiveEndpoint: { flags: '--archive-endpoint <url>', description: `Save Page Now endpoint; the page's URL is appended${def('archiveEndpoint')}`, commands: SEND },
  dryRun: { flags: '--dry-run', description: 'discover and report what would be sent (verify: what would be checked); send and record nothing', commands: ['send', 'verify'] },
  only: { flags: '--only <url-glob>', description: 'limit this run to posts or targets whose URL matches (repeatable; * = anything)', commands: SEND },
  retryFailed: { flags: '--retry-failed', description: 'send again what failed with an answer from the server in earlier runs', commands: SEND },
  retryUncertain: { flags: '--retry-uncertain', description: 'send again what may have been delivered (no answer) in earlier runs', commands: SEND },
  exclude: { flags: '--exclude <url-glob>', description: 'never notify target URLs matching (repeatable; * = anything)', commands: NET },
  excludeHosts: { flags: '--exclude-host <host-glob>', description: 'never notify targets on these hosts (repeatable; e.g. "*.example.com")', commands: NET },
  includePaths: { flags: '--include-path <glob>', description: 'read only these built files as posts, e.g. "blog/**" (repeatable)', commands: SEND },
  excludePaths: { flags: '--exclude-path <glob>', description: 'never read these built files as posts, e.g. "drafts/" (repeatable)', commands: SEND },
  includeUndated: { flags: '--include-undated', description: 'treat undated single pages (About …) as posts', commands: SEND },
  postSelector: { flags: '--post-selector <css>', description: 'element that marks a post, for themes the heuristics miss (e.g. "article.post")', commands: SEND },
  contentSelector: { flags: '--content-selector <css>', description: 'element holding a post\'s content, e.g. ".prose"', commands: SEND },
  arxivEndpoint: { flags: '--arxiv-endpoint <template>', description: `arXiv trackback URL template${def('arxivEndpoint')}`, commands: NET },
  arxivListing: { flags: '--arxiv-listing <template>', description: `page listing a paper's trackbacks, for verify${def('arxivListing')}`, commands: ['verify'] },
  concurrency: { flags: '--concurrency <n>', description: `requests in flight at once${def('concurrency')}`, commands: ['send', 'verify'] },
  perHost: { flags: '--per-host <n>', description: `requests in flight per host${def('perHost')}`, commands: ['send', 'verify'] },
  workers: { flags: '--workers <n>', description: 'threads that parse pages, this one included (default: one per core, at most 8; 1 = no worker threads)', commands: SEND },
  timeout: { flags: '--timeout <ms>', description: `total time per request${def('timeout')}`, commands: CLIENT },
  connectTimeout: { flags: '--connect-timeout <ms>', description: `connect time per request${def('connectTimeout')}`, commands: CLIENT },
  retries: { flags: '--retries <n>', description: `retries of a request within a run${def('retries')}`, commands: NET },
  maxRetryAfter: { flags: '--max-retry-after <ms>', description: `longest Retry-After to wait for${def('maxRetryAfter')}`, commands: NET },
  hosts: { flags: '--host-interval <host=ms>', description: 'ms between request starts to a host, replacing the built-in pacing (arXiv 3000, WordPress comments 16000, others 100; repeatable)', commands: ['send', 'verify'] },
  maxHostWait: { flags: '--max-host-wait <ms>', description: `how long a host that says "slow down" may hold the run; then its notifications are held for the next run${def('maxHostWait')}`, commands: SEND },
  contact: { flags: '--contact <url-or-email>', description: 'added to the User-Agent so site owners can reach you', commands: CLIENT },
  allowPrivate: { flags: '--allow-private', description: 'allow targets (serve: sources) on loopback/private addresses (tests, staging)', commands: [...CLIENT, 'mentions'] },
  sites: { flags: '--site <origin>', description: 'a site to receive for, by its origin, e.g. https://blog.example.org (repeatable)', commands: SERVE },
  port: { flags: '--port <n>', description: `port to listen on${def('port')}`, commands: SERVE },
  host: { flags: '--host <address>', description: `address to listen on${def('host')}; behind a reverse proxy keep loopback`, commands: SERVE },
  db: { flags: '--db <file>', description: `the mentions database (SQLite)${def('db')}`, commands: [...SERVE, 'mentions'] },
  database: { flags: '--database <url>', description: 'a Postgres database instead of the SQLite file (postgres://user:password@host:port/name), shared by several serve processes (mentions export reads it too)', commands: [...SERVE, 'mentions'] },
  role: { flags: '--role <role>', description: `all: accept and verify; web: accept and queue only; worker: verify only (processes on one SQLite file on one machine, or on one --database, scale apart)${def('role')}`, commands: SERVE },
  trustProxy: { flags: '--trust-proxy', description: 'take the client address from X-Forwarded-For (only behind your own reverse proxy)', commands: SERVE },
  verifyWorkers: { flags: '--verify-workers <n>', description: `verifications at once${def('verifyWorkers')}`, commands: SERVE },
  verifyTimeout: { flags: '--verify-timeout <ms>', description: `deadline of one verification${def('verifyTimeout')}`, commands: SERVE },
  maxAttempts: { flags: '--max-attempts <n>', description: `tries of a verification that keeps failing (timeouts, 5xx)${def('maxAttempts')}`, commands: SERVE },
  maxQueue: { flags: '--max-queue <n>', description: `jobs waiting at most, then 503 + Retry-After${def('maxQueue')}`, commands: SERVE },
  maxBody: { flags: '--max-body <bytes>', description: `largest request body, then 413${def('maxBody')}`, commands: SERVE },
  rateClient: { flags: '--rate-client <per-minute>', description: `notifications per minute per client address, 0 = no limit${def('rateClient')}`, commands: SERVE },
  rateSource: { flags: '--rate-source <per-minute>', description: `notifications per minute per source host, 0 = no limit${def('rateSource')}`, commands: SERVE },
  adminToken: { flags: '--admin-token <token>', description: 'token of the moderation page (/admin) and of every site in the API; prefer LINKBACK_ADMIN_TOKEN (flags show in ps)', commands: SERVE },
  publicUrl: { flags: '--public-url <url>', description: 'the public base URL of this server behind the proxy (Atom ids; https makes cookies Secure)', commands: SERVE },
  approve: { flags: '--approve <which>', description: `show without moderation: known (allowlisted and approved-before domains), all, none${def('approve')}`, commands: SERVE },
  allowDomains: { flags: '--allow-domain <domain>', description: 'source domain always approved, subdomains included (repeatable)', commands: SERVE },
  blockDomains: { flags: '--block-domain <domain>', description: 'source domain blocked, subdomains included (repeatable): see --block-action', commands: SERVE },
  blockAction: { flags: '--block-action <action>', description: `a blocked domain is refused at accept (refuse) or accepted and filed as spam (spam)${def('blockAction')}`, commands: SERVE },
  webhook: { flags: '--webhook <url>', description: 'POST each newly approved mention here (a static host\'s build hook), with retries', commands: SERVE },
  webhookSecret: { flags: '--webhook-secret <secret>', description: 'sent as "secret" in the webhook\'s JSON body', commands: SERVE },
  readToken: { flags: '--token <token>', description: 'read token of the remote API (with --from; or LINKBACK_READ_TOKEN)', commands: ['mentions'] },
  connectTo: { flags: '--connect-to <host=addr:port>', description: 'connect to another address for a host, keeping the URL ("*" = every host; repeatable)', commands: CLIENT },
};

/** Adds the setting flags `command` takes; returns the map from commander's attribute name to setting key. */
export function addSettingFlags(command: Command, name: CommandName): Map<string, string> {
  const attributes = new Map<string, string>();
  const keys = [...Object.keys(SPECS), ...Object.keys(optionsSchema.shape).filter((k) => k !== 'site' && !(k in SPECS))];
  for (const key of keys) {
    const spec = SPECS[key] ?? generated(key);
    if (!spec.commands.includes(name)) continue;
    // A setting on by default is turned off with --no-<name>. Alone, commander would then report it as true
    // when not given, and that "flag" would override a config file's false: the hidden positive twin stops it.
    if (spec.flags.startsWith('--no-')) command.addOption(new Option(`--${spec.flags.slice('--no-'.length)}`).hideHelp());
    const option = new Option(spec.flags, spec.description);
    const kind = kindOf(key);
    // Lists and maps repeat the flag (a variadic flag would swallow the <site-dir> after it).
    if (kind === 'list' || kind === 'map') option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    command.addOption(option);
    attributes.set(option.attributeName(), key);
  }
  return attributes;
}

/** Commander's parsed flags -> { settingKey: value } for resolveLayers, only those given. */
export function settingsFromFlags(parsed: Record<string, unknown>, attributes: ReadonlyMap<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [attribute, key] of attributes) {
    const value = parsed[attribute];
    if (value === undefined) continue;
    out[key] = kindOf(key) !== 'map' ? value : key === 'hosts' ? parseHostIntervals(value as string[]) : parseConnectTo(value as string[]);
  }
  return out;
}

/** A flag for a setting this table does not know yet: named after the key, typed by the schema. */
function generated(key: string): FlagSpec {
  const flag = `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const kind = kindOf(key);
  const flags = kind === 'boolean' ? flag : `${flag} <${kind === 'number' ? 'n' : 'value'}>`;
  return { flags, description: `the "${key}" setting (see the README)`, commands: SEND };
}
