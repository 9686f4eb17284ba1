// Where a feed says its WebSub hubs are (W3C WebSub 4: "Discovery"): `<link rel="hub" href>` and `rel="self"` at the
// top of an Atom feed, `<atom:link rel="hub">` in RSS 2.0, `hubs` in a JSON Feed, or an HTTP Link header when the
// feed is fetched. Pure: text and header values in, URLs out.
import { createElementStream } from '../site/elements.ts';
import { parseLinkHeader } from '../targets/link-header.ts';
import { parseHttp } from '../site/urls.ts';

export interface FeedHubs {
  /** Absolute http(s) URLs of the hubs, unique, in order (Link header first, as WebSub says it is preferred). */
  hubs: string[];
  /** The feed's canonical URL (rel=self), which is the topic the hub knows; null when the feed names none. */
  self: string | null;
}

/** The hubs and self link of a feed's text (XML or JSON), resolved against `base` (the feed's URL) when relative. */
export function hubsOfFeed(text: string, base: string | null): FeedHubs {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  return trimmed.startsWith('{') ? hubsOfJsonFeed(trimmed, base) : hubsOfXmlFeed(trimmed, base);
}

/** rel=hub and rel=self of Link header values. */
export function hubsOfLinkHeader(values: readonly string[], base: string): FeedHubs {
  const out: FeedHubs = { hubs: [], self: null };
  for (const link of parseLinkHeader(values)) {
    const url = absolute(link.uri, base);
    if (url === null) continue;
    if (link.rel.includes('hub')) add(out.hubs, url);
    if (link.rel.includes('self')) out.self ??= url;
  }
  return out;
}

/** Both sources: the Link header's first (WebSub 4 says publishers should send it and subscribers prefer it). */
export function mergeHubs(first: FeedHubs, second: FeedHubs): FeedHubs {
  const hubs = [...first.hubs];
  for (const hub of second.hubs) add(hubs, hub);
  return { hubs, self: first.self ?? second.self };
}

function hubsOfXmlFeed(xml: string, base: string | null): FeedHubs {
  const out: FeedHubs = { hubs: [], self: null };
  let tag = '';
  let attrs: { rel?: string; href?: string } = {};
  // htmlparser2's tokenizer in HTML mode, as for pages: it never throws on a broken feed. A <link> with a rel
  // attribute is Atom's (RSS's own <link> holds text); `atom:link`, `atom10:link` are the same element in RSS.
  const stream = createElementStream(
    {
      openStart(name) {
        // Hubs are the feed's, named before its entries: an entry's links (or its content) are not.
        if (name === 'item' || name === 'entry') return stream.stop();
        tag = name;
        attrs = {};
      },
      attribute(name, value) {
        if (name === 'rel' || name === 'href') attrs[name] ??= value;
      },
      openEnd() {
        if (!(tag === 'link' || tag.endsWith(':link')) || attrs.href === undefined) return;
        const rel = (attrs.rel ?? '').toLowerCase().split(/\s+/);
        const url = absolute(attrs.href, base);
        if (url === null) return;
        if (rel.includes('hub')) add(out.hubs, url);
        if (rel.includes('self')) out.self ??= url;
      },
      close() {},
      wantsText: () => false,
      text() {},
    },
    new Set(['rel', 'href']),
  );
  stream.write(xml);
  stream.end();
  return out;
}

function hubsOfJsonFeed(text: string, base: string | null): FeedHubs {
  const out: FeedHubs = { hubs: [], self: null };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return out;
  }
  if (typeof doc !== 'object' || doc === null) return out;
  const feed = doc as { feed_url?: unknown; hubs?: unknown };
  if (typeof feed.feed_url === 'string') out.self = absolute(feed.feed_url, base);
  // JSON Feed 1.1: "hubs": [{ "type": "WebSub", "url": … }]; other types (rssCloud) are not WebSub.
  for (const hub of Array.isArray(feed.hubs) ? (feed.hubs as unknown[]) : []) {
    if (typeof hub !== 'object' || hub === null) continue;
    const { type, url } = hub as { type?: unknown; url?: unknown };
    if (typeof url !== 'string' || (typeof type === 'string' && type.toLowerCase() !== 'websub')) continue;
    const resolved = absolute(url, base);
    if (resolved !== null) add(out.hubs, resolved);
  }
  return out;
}

function absolute(href: string, base: string | null): string | null {
  return parseHttp(href.trim(), base ?? undefined)?.href ?? null;
}

function add(list: string[], url: string): void {
  if (!list.includes(url)) list.push(url);
}
