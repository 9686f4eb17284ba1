// The admin API for sites (issue 13, multi-tenant): JSON over HTTP, with the admin token as a Bearer token.
//   GET  /admin/api/sites          -> { sites: [{ origin, readToken, settings }] }
//   POST /admin/api/sites          { origin, settings? } -> the site (201 when added, 200 when its settings changed)
//   POST /admin/api/sites/rotate   { origin } -> the site with a new read token (the old one is refused at once)
//   POST /admin/api/sites/remove   { origin } -> { removed: origin } (its mentions are kept; its waiting jobs dead-lettered)
// Only the Bearer header is read (no cookie, so no CSRF to defend; no query token, so it stays out of access logs).
// No admin token configured: 404, as the moderation page.
import type { HttpAnswer, ReceiverRequest, ReceiverStore, Site, SiteSettings } from '../types.ts';
import { adminBearer } from './access.ts';

export interface SitesApiContext {
  store: ReceiverStore;
  adminToken?: string;
  now: () => Date;
  /** Called after the sites changed, so this process serves the change at once. */
  changed: () => void;
}

const json = (status: number, value: unknown): HttpAnswer =>
  ({ status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: `${JSON.stringify(value)}\n` });

const error = (status: number, message: string) => json(status, { error: message });

/** The admin API's answer to a request without the admin token (404 when management is off); undefined: go on. */
export function adminRefusal(request: ReceiverRequest, adminToken: string | undefined): HttpAnswer | undefined {
  const access = adminBearer(request, adminToken);
  if (access === 'off') return error(404, 'management is off: no admin token is configured');
  if (access === 'missing') return error(401, 'the admin token is required (Authorization: Bearer …)');
  if (access === 'wrong') return error(403, 'that is not the admin token');
  return undefined;
}

const view = (site: Site) => ({ origin: site.origin, readToken: site.readToken, settings: site.settings ?? {} });

export async function sitesApi(request: ReceiverRequest, action: 'list' | 'put' | 'rotate' | 'remove', ctx: SitesApiContext): Promise<HttpAnswer> {
  const refused = adminRefusal(request, ctx.adminToken);
  if (refused) return refused;
  if (action === 'list') return json(200, { sites: (await ctx.store.sites()).map(view) });

  const body = parseBody(request.body);
  if (typeof body === 'string') return error(400, body);
  const origin = parseOrigin(body.origin);
  if (origin === undefined) return error(400, 'origin: an http(s) origin, e.g. https://blog.example.org');
  if (action === 'put') {
    const settings = parseSiteSettings(body.settings ?? {});
    if (typeof settings === 'string') return error(400, `settings: ${settings}`);
    const existed = (await ctx.store.site(origin)) !== undefined;
    const site = await ctx.store.putSite(origin, settings);
    ctx.changed();
    return json(existed ? 200 : 201, view(site));
  }
  if (action === 'rotate') {
    const site = await ctx.store.rotateToken(origin);
    ctx.changed();
    return site ? json(200, view(site)) : error(404, 'no such site');
  }
  const removed = await ctx.store.removeSite(origin, ctx.now());
  ctx.changed();
  return removed ? json(200, { removed: origin }) : error(404, 'no such site');
}

function parseBody(body: Buffer): Record<string, unknown> | string {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return isRecord(value) ? value : 'the body is a JSON object';
  } catch {
    return 'the body is a JSON object';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `https://Blog.Example.org/` -> `https://blog.example.org`; anything with a path, query or credentials is refused. */
export function parseOrigin(value: unknown): string | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return undefined;
  return url.origin;
}

const LIMIT_KEYS = ['rateClient', 'rateSource'] as const;
const LIST_KEYS = ['allowDomains', 'blockDomains'] as const;
const APPROVE = ['known', 'all', 'none'] as const;

/** A site's settings from JSON, checked: every key optional, none unknown. Pure. */
export function parseSiteSettings(value: unknown): SiteSettings | string {
  if (!isRecord(value)) return 'a JSON object';
  const settings: SiteSettings = {};
  for (const [key, entry] of Object.entries(value)) {
    if ((LIMIT_KEYS as readonly string[]).includes(key)) {
      if (typeof entry !== 'number' || !Number.isInteger(entry) || entry < 0) return `${key}: a whole number of requests per minute (0 = no limit)`;
      settings[key as (typeof LIMIT_KEYS)[number]] = entry;
    } else if ((LIST_KEYS as readonly string[]).includes(key)) {
      if (!Array.isArray(entry) || !entry.every((d): d is string => typeof d === 'string' && /^[a-z0-9.*-]+$/i.test(d))) {
        return `${key}: a list of domain names`;
      }
      settings[key as (typeof LIST_KEYS)[number]] = entry.map((d) => d.toLowerCase());
    } else if (key === 'approve') {
      const approve = APPROVE.find((one) => one === entry);
      if (approve === undefined) return `approve: one of ${APPROVE.join(', ')}`;
      settings.approve = approve;
    } else {
      return `unknown setting ${JSON.stringify(key)} (known: ${[...LIMIT_KEYS, 'approve', ...LIST_KEYS].join(', ')})`;
    }
  }
  return settings;
}
