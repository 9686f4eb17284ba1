// webmention.io's read API, drop-in: the query parameters of `/api/mentions.jf2` and the jf2 feed it answers,
// field for field and in the same key order (aaronpk/webmention.io, controllers/api.rb and helpers/formats.rb),
// so display code written against webmention.io works by changing only the base URL. Pure: the route in api.ts
// reads the store and hands the mentions here.
import type { Mention, MentionProperty } from '../types.ts';

export const DEFAULT_PER_PAGE = 20;
/** Fetchers ask for "everything" with per-page=999 or 10000; beyond this a request is cut, not refused. */
export const MAX_PER_PAGE = 10_000;

const PROPERTIES: readonly MentionProperty[] = ['in-reply-to', 'like-of', 'repost-of', 'bookmark-of', 'mention-of', 'rsvp'];

export interface ApiQuery {
  token?: string;
  domain?: string;
  /** Target URLs asked for (`target` or `target[]`); a scheme-less `//host/path` stands for https: and http:. */
  targets: string[];
  perPage: number;
  /** 0-based, as webmention.io's. */
  page: number;
  /** ISO: only mentions received after this. */
  since?: string;
  /** Only mentions with a greater wm-id. */
  sinceId?: number;
  /** `wm-property` / `wm-property[]`; empty = all. */
  properties: MentionProperty[];
  sortBy: 'created' | 'updated' | 'published';
  sortDir: 'down' | 'up';
  /** JSONP callback name, already checked to be a plain JavaScript name. */
  jsonp?: string;
}

export type ParsedQuery = { ok: true; query: ApiQuery } | { ok: false; error: string; description: string };

/** Every value of `name` and `name[]`, in order (Sinatra reads both as the same parameter). */
function all(params: URLSearchParams, name: string): string[] {
  return [...params.getAll(name), ...params.getAll(`${name}[]`)].filter((value) => value !== '');
}

/** Ruby's to_i, as webmention.io reads numbers: leading digits, else 0. */
function toInt(value: string | null): number | undefined {
  if (value === null) return undefined;
  const match = /^\s*\+?(\d+)/.exec(value);
  return match?.[1] === undefined ? 0 : Number(match[1]);
}

/** webmention.io hands `since` to MySQL, which takes "2017-06-01T10:00:00-0700" as well as a bare date. */
export function parseSince(value: string): string | undefined {
  const text = value.trim().replace(' ', 'T');
  // A time without a zone is UTC here, not the server's local time (Date.parse would take it as local).
  const zoned = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text;
  const ms = Date.parse(zoned);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

const JSONP_NAME = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/;

export function parseApiQuery(params: URLSearchParams): ParsedQuery {
  const perPage = toInt(params.get('per-page') ?? params.get('perPage')) ?? DEFAULT_PER_PAGE;
  const targets = all(params, 'target').flatMap((target) => (target.startsWith('//') ? [`https:${target}`, `http:${target}`] : [target]));
  const properties: MentionProperty[] = [];
  for (const value of all(params, 'wm-property')) {
    if (!(PROPERTIES as readonly string[]).includes(value)) {
      return { ok: false, error: 'invalid_input', description: `unknown wm-property: ${value}` };
    }
    properties.push(value as MentionProperty);
  }
  const query: ApiQuery = {
    targets,
    perPage: Math.min(perPage, MAX_PER_PAGE),
    page: toInt(params.get('page')) ?? 0,
    properties,
    sortBy: (['updated', 'published'] as const).find((by) => by === params.get('sort-by')) ?? 'created',
    sortDir: params.get('sort-dir') === 'up' ? 'up' : 'down',
  };
  const token = params.get('token') ?? params.get('access_token');
  if (token) query.token = token;
  const domain = params.get('domain');
  if (domain) query.domain = domain.trim().toLowerCase();
  const since = params.get('since');
  if (since) {
    const iso = parseSince(since);
    if (iso === undefined) return { ok: false, error: 'invalid_input', description: `since is not a date: ${since}` };
    query.since = iso;
  }
  const sinceId = toInt(params.get('since_id'));
  if (sinceId !== undefined) query.sinceId = sinceId;
  const jsonp = params.get('jsonp');
  if (jsonp) {
    // The callback is written into a script the browser runs: only a plain name, or it is a script injection.
    if (!JSONP_NAME.test(jsonp) || jsonp.length > 64) return { ok: false, error: 'invalid_input', description: 'jsonp must be a JavaScript name' };
    query.jsonp = jsonp;
  }
  return { ok: true, query };
}

/** Targets compare as URLs (host case, default port), not as strings. */
export function sameUrl(a: string, b: string): boolean {
  if (!URL.canParse(a) || !URL.canParse(b)) return a === b;
  const x = new URL(a);
  const y = new URL(b);
  x.hash = '';
  y.hash = '';
  return x.href === y.href;
}

/** Filters, sorts and pages mentions the store returned (approved ones of the sites asked for) as webmention.io does. */
export function selectMentions(mentions: readonly Mention[], query: ApiQuery): Mention[] {
  const since = query.since === undefined ? undefined : Date.parse(query.since);
  const kept = mentions.filter(
    (m) =>
      (query.targets.length === 0 || query.targets.some((target) => sameUrl(target, m.target))) &&
      (query.properties.length === 0 || query.properties.includes(m.property)) &&
      (since === undefined || Date.parse(m.receivedAt) > since) &&
      (query.sinceId === undefined || m.id > query.sinceId),
  );
  const key = (m: Mention): number => {
    // webmention.io: "published" falls back to the received time when the source gives none.
    if (query.sortBy === 'published') return Date.parse(m.published ?? '') || Date.parse(m.receivedAt);
    return Date.parse(query.sortBy === 'updated' ? m.updatedAt : m.receivedAt);
  };
  const direction = query.sortDir === 'up' ? 1 : -1;
  // Ties (same second) by id, so that pages never overlap nor skip.
  kept.sort((a, b) => direction * (key(a) - key(b) || a.id - b.id));
  return kept.slice(query.page * query.perPage, (query.page + 1) * query.perPage);
}

/** webmention.io's wm-received: whole seconds, UTC. */
function receivedTime(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface Jf2Entry {
  type: 'entry';
  author: { type: 'card'; name: string | null; photo: string | null; url: string | null };
  url: string;
  published: string | null;
  'wm-received': string;
  'wm-id': number;
  'wm-source': string;
  'wm-target': string;
  'wm-protocol': string;
  name?: string;
  content?: { html?: string; text: string };
  rsvp?: string;
  'in-reply-to'?: string;
  'like-of'?: string;
  'repost-of'?: string;
  'bookmark-of'?: string;
  'mention-of'?: string;
  'wm-property': MentionProperty;
  'wm-private': boolean;
}

export interface Jf2Feed {
  type: 'feed';
  name: 'Webmentions';
  children: Jf2Entry[];
}

export function jf2Entry(mention: Mention): Jf2Entry {
  const entry: Jf2Entry = {
    type: 'entry',
    author: {
      type: 'card',
      name: mention.author?.name ?? null,
      photo: mention.author?.photo ?? null,
      url: mention.author?.url ?? null,
    },
    url: mention.url ?? mention.source,
    published: mention.published ?? null,
    'wm-received': receivedTime(mention.receivedAt),
    'wm-id': mention.id,
    'wm-source': mention.source,
    'wm-target': mention.target,
    'wm-protocol': mention.protocol,
    'wm-property': mention.property,
    'wm-private': false,
  };
  if (mention.name) entry.name = mention.name;
  if (mention.content?.html) entry.content = { html: mention.content.html, text: mention.content.text };
  else if (mention.content?.text) entry.content = { text: mention.content.text };
  if (mention.property === 'rsvp') {
    // webmention.io: an RSVP carries its value and in-reply-to, no rsvp-of.
    if (mention.rsvp) entry.rsvp = mention.rsvp;
    entry['in-reply-to'] = mention.target;
  } else {
    entry[mention.property] = mention.target;
  }
  // Same key order as webmention.io's: the relation, then wm-property and wm-private last.
  const { 'wm-property': property, 'wm-private': isPrivate, ...rest } = entry;
  return { ...rest, 'wm-property': property, 'wm-private': isPrivate };
}

export function jf2Feed(mentions: readonly Mention[]): Jf2Feed {
  return { type: 'feed', name: 'Webmentions', children: mentions.map(jf2Entry) };
}

/** webmention.io's /api/count `type` keys: its link types, with "link" shown as "mention". */
export function countType(mention: Pick<Mention, 'property' | 'rsvp'>): string {
  switch (mention.property) {
    case 'in-reply-to':
      return 'reply';
    case 'like-of':
      return 'like';
    case 'repost-of':
      return 'repost';
    case 'bookmark-of':
      return 'bookmark';
    case 'rsvp':
      return `rsvp-${mention.rsvp ?? 'yes'}`;
    default:
      return 'mention';
  }
}

export function countMentions(mentions: readonly Mention[]): { count: number; type: Record<string, number> } {
  const type: Record<string, number> = {};
  for (const mention of mentions) {
    const key = countType(mention);
    type[key] = (type[key] ?? 0) + 1;
  }
  return { count: mentions.length, type };
}
