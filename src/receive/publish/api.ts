// The read API routes: /api/mentions.jf2, /api/mentions.atom, /api/count — webmention.io's paths, parameters and
// answers (JSON with `Access-Control-Allow-Origin: *` and `Cache-Control: no-store`, errors as
// { error, error_description }). Only approved mentions are ever shown here.
//
// Who sees what (webmention.io's rules, plus per-site tokens):
//   - a `target` query needs no token: it shows what the target page itself shows (its approved mentions);
//   - a site's read token: that site's mentions (`domain` of another site: 403);
//   - the admin token: every site's (`domain` narrows it);
//   - no token and no target: 401; a token that matches nothing: 401.
import type { HttpAnswer, Mention, MentionQuery, ReceiverRequest, ReceiverStore, Site } from '../types.ts';
import { requestToken, whoIs } from './access.ts';
import { atomFeed } from './atom.ts';
import { countMentions, jf2Feed, parseApiQuery, selectMentions, type ApiQuery } from './jf2.ts';

export interface ApiContext {
  store: ReceiverStore;
  /** Management token; unset = no admin access through the API. */
  adminToken?: string;
  now: () => Date;
  /** The public base URL of this server (`https://mentions.example.org`), for the Atom feed's ids. */
  publicUrl?: string;
}

const JSON_HEADERS = {
  'content-type': 'application/json;charset=UTF-8',
  'cache-control': 'no-store',
  'access-control-allow-origin': '*',
};

export function jsonAnswer(status: number, data: unknown, jsonp?: string): HttpAnswer {
  if (jsonp !== undefined) {
    // The name was checked to be a plain JavaScript name (jf2.ts); nosniff keeps it from being read as anything else.
    return {
      status,
      headers: { ...JSON_HEADERS, 'content-type': 'text/javascript;charset=UTF-8', 'x-content-type-options': 'nosniff' },
      body: `${jsonp}(${JSON.stringify(data)})`,
    };
  }
  return { status, headers: JSON_HEADERS, body: JSON.stringify(data) };
}

function apiError(status: number, error: string, description: string): HttpAnswer {
  const headers: Record<string, string> = { ...JSON_HEADERS };
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="linkback"';
  return { status, headers, body: JSON.stringify({ error, error_description: description }) };
}

function storedUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  parsed.hash = '';
  return parsed.href;
}

function hostOf(origin: string): string {
  return URL.canParse(origin) ? new URL(origin).hostname : origin;
}

type Scope = { sites: Site[] } | { answer: HttpAnswer };

async function scopeOf(request: ReceiverRequest, params: URLSearchParams, query: ApiQuery, ctx: ApiContext): Promise<Scope> {
  const sites = await ctx.store.sites();
  const access = whoIs(requestToken(request, params), ctx.adminToken, sites);
  const byDomain = (list: Site[]) => (query.domain === undefined ? list : list.filter((site) => hostOf(site.origin) === query.domain));
  switch (access.kind) {
    case 'invalid':
      return { answer: apiError(401, 'forbidden', 'Access token was not valid') };
    case 'anonymous':
      if (query.targets.length === 0) return { answer: apiError(401, 'unauthorized', 'Either a token or a target URL is required') };
      return { sites };
    case 'site':
      if (query.domain !== undefined && hostOf(access.site.origin) !== query.domain) {
        return { answer: apiError(403, 'forbidden', 'This token does not give access to that domain') };
      }
      return { sites: [access.site] };
    case 'admin':
      return { sites: byDomain(sites) };
  }
}

/**
 * The approved mentions the query selects. A site's whole list (the common "all mentions of my domain") is paged
 * by the store; anything finer (targets, properties, since, sorting) is filtered here from the site's approved
 * mentions, or a target's, which are few.
 */
async function select(store: ReceiverStore, sites: Site[], query: ApiQuery): Promise<Mention[]> {
  const plain =
    query.targets.length === 0 &&
    query.properties.length === 0 &&
    query.since === undefined &&
    query.sinceId === undefined &&
    query.sortBy === 'created' &&
    query.sortDir === 'down';
  if (plain && sites.length === 1 && sites[0] !== undefined) {
    return store.mentions({ site: sites[0].origin, status: 'approved', page: query.page, perPage: query.perPage });
  }
  const found: Mention[] = [];
  for (const site of sites) {
    const base: MentionQuery = { site: site.origin, status: 'approved' };
    if (query.since !== undefined) base.since = query.since;
    if (query.targets.length === 0) found.push(...(await store.mentions(base)));
    // Targets are stored as parsed URLs without fragment (types.ts): ask in that spelling, one target at a time.
    for (const target of new Set(query.targets.map(storedUrl))) found.push(...(await store.mentions({ ...base, target })));
  }
  return selectMentions(found, query);
}

export async function apiRoute(request: ReceiverRequest, ctx: ApiContext): Promise<HttpAnswer | undefined> {
  const url = new URL(request.url, 'http://localhost');
  const path = url.pathname;
  const isMentions = path === '/api/mentions.jf2' || path === '/api/mentions.atom';
  const isCount = path === '/api/count' || path === '/api/count.json';
  if (!isMentions && !isCount) return undefined;
  if (request.method === 'OPTIONS') {
    return { status: 204, headers: { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'authorization', 'access-control-allow-methods': 'GET' }, body: '' };
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain;charset=UTF-8' }, body: 'Method Not Allowed\n' };
  }
  const parsed = parseApiQuery(url.searchParams);
  if (!parsed.ok) return apiError(400, parsed.error, parsed.description);
  const query = parsed.query;

  if (isCount) {
    // webmention.io: a count is of one target (or several, target[]), public, and never paged.
    if (query.targets.length === 0) return apiError(400, 'invalid_input', 'A target URI is required');
    const sites = await ctx.store.sites();
    const all = await select(ctx.store, sites, { ...query, perPage: Number.MAX_SAFE_INTEGER, page: 0 });
    return jsonAnswer(200, countMentions(all), query.jsonp);
  }

  const scope = await scopeOf(request, url.searchParams, query, ctx);
  if ('answer' in scope) return scope.answer;
  const mentions = await select(ctx.store, scope.sites, query);
  if (path.endsWith('.atom')) {
    const base = ctx.publicUrl ?? `http://${request.headers.host ?? 'localhost'}`;
    return {
      status: 200,
      headers: { 'content-type': 'application/atom+xml;charset=UTF-8', 'cache-control': 'no-store' },
      body: atomFeed(mentions, new URL('/api/mentions.atom', base).href, ctx.now()),
    };
  }
  return jsonAnswer(200, jf2Feed(mentions), query.jsonp);
}
