// One flag per setting of the options schema, and which commands take it. Flag values go to the config
// pipeline as typed (strings), so a flag, a LINKBACK_* variable and a config key convert and validate
// the same way. A setting added to the schema without an entry here still gets a flag (from its name and
// type), so the command line can always say everything the library can.
import { Option } from 'commander';
import type { Command } from 'commander';
import { DEFAULTS, kindOf, optionsSchema, parseConnectTo, parseHostIntervals } from '../index.ts';

export type CommandName = 'send' | 'discover' | 'status' | 'verify';

interface FlagSpec {
  /** `--name <arg>`; the setting key is `key`. */
  flags: string;
  description: string;
  commands: readonly CommandName[];
}

const SEND: readonly CommandName[] = ['send'];
const NET: readonly CommandName[] = ['send', 'discover', 'verify'];
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
  timeout: { flags: '--timeout <ms>', description: `total time per request${def('timeout')}`, commands: NET },
  connectTimeout: { flags: '--connect-timeout <ms>', description: `connect time per request${def('connectTimeout')}`, commands: NET },
  retries: { flags: '--retries <n>', description: `retries of a request within a run${def('retries')}`, commands: NET },
  maxRetryAfter: { flags: '--max-retry-after <ms>', description: `longest Retry-After to wait for${def('maxRetryAfter')}`, commands: NET },
  hosts: { flags: '--host-interval <host=ms>', description: 'ms between request starts to a host, replacing the built-in pacing (arXiv 3000, WordPress comments 16000, others 100; repeatable)', commands: ['send', 'verify'] },
  maxHostWait: { flags: '--max-host-wait <ms>', description: `how long a host that says "slow down" may hold the run; then its notifications are held for the next run${def('maxHostWait')}`, commands: SEND },
  contact: { flags: '--contact <url-or-email>', description: 'added to the User-Agent so site owners can reach you', commands: NET },
  allowPrivate: { flags: '--allow-private', description: 'allow targets on loopback/private addresses (tests, staging)', commands: NET },
  connectTo: { flags: '--connect-to <host=addr:port>', description: 'connect to another address for a host, keeping the URL ("*" = every host; repeatable)', commands: NET },
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
