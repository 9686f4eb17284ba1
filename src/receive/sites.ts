// The sites a receiver serves, and each one's settings resolved against the server's: the configured origins
// (--site) and those the admin API added, read from the store. Another `serve` process on the same Postgres may add
// or remove a site at any time, so the list is read again after a short while (ttlMs): a new site is received for
// within that time everywhere, at once in the process that added it (forget()).
import { createRateLimiter, sharedLimiter } from './accept/limits.ts';
import type { HitCounter, SharedLimiter } from './accept/limits.ts';
import { rulesFrom } from './moderate/index.ts';
import type { ModerationRules } from './moderate/index.ts';
import type { ReceiverStore, Site, SiteSettings } from './types.ts';

export interface ServerSettings {
  rateClient: number;
  rateSource: number;
  approve: 'known' | 'all' | 'none';
  allowDomains: readonly string[];
  blockDomains: readonly string[];
  /** What a blocked domain gets: refused at accept, or accepted and filed as spam (server-wide). */
  blockAction: 'refuse' | 'spam';
}

export interface SiteDirectory {
  /** The origins received for now. */
  origins(): Promise<string[]>;
  /** The origins received for now whose host (with port, if any) is `domain`: the `/<domain>/…` path segment. */
  originsAt(domain: string): Promise<string[]>;
  /** The site's settings over the server's (a site without its own settings shares the server's limiters). */
  limits(origin: string): Promise<Limits>;
  rules(origin: string): Promise<ModerationRules>;
  /** Reads the store again on next use (this process changed the sites). */
  forget(): void;
}

export interface Limits {
  client: SharedLimiter;
  source: SharedLimiter;
}

/** One read of the sites, and the same indexed by host (made on first use). */
interface Cached {
  at: number;
  sites: Promise<Map<string, Site>>;
  byHost?: Promise<Map<string, string[]>>;
}

function indexByHost(sites: Map<string, Site>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  for (const origin of sites.keys()) {
    const host = new URL(origin).host;
    index.set(host, [...(index.get(host) ?? []), origin]);
  }
  return index;
}

/** How long a list of sites is used before the store is read again. */
export const SITES_TTL_MS = 5_000;

export function createSiteDirectory(store: ReceiverStore, server: ServerSettings, clock: () => number, ttlMs = SITES_TTL_MS): SiteDirectory {
  let cached: Cached | undefined;
  // Where the store counts requests for every process (Postgres), each limit holds for all of them; its keys say
  // whose limits they are: the server's (shared by the sites without their own) or one site's.
  const count: HitCounter | undefined = store.countHit ? (key, minute) => store.countHit!(key, minute) : undefined;
  const limitsFor = (scope: string, rateClient: number, rateSource: number): Limits => ({
    client: sharedLimiter(createRateLimiter(rateClient), rateClient, `client:${scope}`, count),
    source: sharedLimiter(createRateLimiter(rateSource), rateSource, `source:${scope}`, count),
  });
  const shared = limitsFor('*', server.rateClient, server.rateSource);
  // A site's own limiters, kept while its limits stay the same (a change starts them afresh).
  const own = new Map<string, { key: string } & Limits>();

  function current(): Cached {
    const now = clock();
    if (!cached || now - cached.at >= ttlMs) {
      const reading = store.sites().then((list) => new Map(list.map((site) => [site.origin, site])));
      // A failed read is not cached: the next request tries again.
      reading.catch(() => (cached = undefined));
      cached = { at: now, sites: reading };
    }
    return cached;
  }
  const sites = () => current().sites;

  const settingsOf = async (origin: string): Promise<SiteSettings> => (await sites()).get(origin)?.settings ?? {};

  return {
    async origins() {
      return [...(await sites()).keys()];
    },
    async originsAt(domain) {
      // Indexed by host once per read of the list, not per request: with 10,000 sites, parsing every origin for
      // each webmention was most of its CPU (bench/receive.ts "sites configured").
      const entry = current();
      entry.byHost ??= entry.sites.then(indexByHost);
      return (await entry.byHost).get(domain.toLowerCase()) ?? [];
    },
    async limits(origin) {
      const settings = await settingsOf(origin);
      if (settings.rateClient === undefined && settings.rateSource === undefined) return shared;
      const rateClient = settings.rateClient ?? server.rateClient;
      const rateSource = settings.rateSource ?? server.rateSource;
      const key = `${rateClient}/${rateSource}`;
      let limiters = own.get(origin);
      if (limiters?.key !== key) {
        limiters = { key, ...limitsFor(origin, rateClient, rateSource) };
        own.set(origin, limiters);
      }
      return limiters;
    },
    async rules(origin) {
      const settings = await settingsOf(origin);
      return rulesFrom({
        approve: settings.approve ?? server.approve,
        allowDomains: settings.allowDomains ?? server.allowDomains,
        blockDomains: settings.blockDomains ?? server.blockDomains,
        blockAction: server.blockAction,
      });
    },
    forget() {
      cached = undefined;
    },
  };
}
