// The names of every setting, without the schema that checks their values. The generator integrations load
// this, not src/options.ts, when a site's build loads its configuration: zod alone costs ~100 ms there, which
// every Eleventy or Astro build (and `--serve`, where the plugin does nothing) would pay. src/options.ts checks
// at compile time that this list and the schema name the same keys.
export const OPTION_KEYS = [
  'site', 'feed', 'sitemap', 'siteUrl', 'state', 'blogName', 'dryRun', 'allowPrivate', 'arxivEndpoint', 'concurrency',
  'perHost', 'workers', 'timeout', 'connectTimeout', 'retries', 'maxRetryAfter', 'retryUncertain', 'retryFailed',
  'includeUndated', 'postSelector', 'contentSelector', 'exclude', 'excludeHosts', 'includePaths', 'excludePaths', 'only',
  'contact', 'deletes', 'markExisting', 'since', 'arxivListing', 'connectTo', 'checkLive', 'hosts', 'maxHostWait',
  'archive', 'archiveEndpoint',
  // linkback serve
  'sites', 'port', 'host', 'db', 'database', 'role', 'trustProxy', 'verifyWorkers', 'verifyTimeout', 'maxAttempts', 'maxQueue', 'maxBody',
  'rateClient', 'rateSource', 'adminToken', 'publicUrl', 'approve', 'allowDomains', 'blockDomains', 'blockAction', 'webhook',
  'webhookSecret', 'readToken',
] as const;

export type OptionKey = (typeof OPTION_KEYS)[number];
