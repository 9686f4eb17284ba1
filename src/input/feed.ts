// A feed as input (RSS 2.0, RSS 1.0/RDF, Atom, JSON Feed), read with feedsmith: each entry is a post whose content
// is the entry's content and whose URL is the entry's link. Pure: text in, entries out.
//
// Entity levels: an RSS <description> or Atom <content type="html"> holds HTML escaped once more for XML
// (`&lt;a href="…?a=1&amp;amp;b=2"&gt;`). feedsmith undoes the XML level; what it gives is HTML, read with the
// same HTML reader as a built page, which undoes the HTML level (`&amp;` in an href becomes `&`).
import { parseFeed } from 'feedsmith';
import { LinkbackError } from '../errors.ts';
import { normalizeDate } from '../site/dates.ts';
import { parseHttp } from '../site/urls.ts';

export interface FeedEntry {
  /** Absolute URL of the post. */
  url: string;
  /** The entry's id (guid, Atom id, JSON Feed id), or its URL. */
  id: string;
  /** Title as HTML text (entities not yet decoded), or null. */
  titleHtml: string | null;
  /** The post's content as HTML. */
  contentHtml: string;
  /** A summary distinct from the content, as HTML, or null. */
  summaryHtml: string | null;
  /** ISO date-time of publication, when the entry says. */
  published: string | null;
}

export interface ParsedFeed {
  format: 'rss' | 'atom' | 'rdf' | 'json';
  /** The feed's title (the blog's name), as HTML text. */
  title: string | null;
  /** The site's home page, from the feed. */
  home: string | null;
  entries: FeedEntry[];
  /** Entries left out, with why (no link, no content). */
  skipped: string[];
}

/** `base` resolves relative links: the feed's own URL, or the site URL for a local file. */
export function readFeed(text: string, base: string | null, origin: string): ParsedFeed {
  let parsed: ReturnType<typeof parseFeed>;
  try {
    parsed = parseFeed(text);
  } catch (cause) {
    throw new LinkbackError('USAGE', `${origin} is not an RSS, Atom or JSON feed (${(cause as Error).message})`, { cause });
  }
  const out: ParsedFeed = { format: parsed.format, title: null, home: null, entries: [], skipped: [] };
  const raw: RawEntry[] = [];
  switch (parsed.format) {
    case 'rss': {
      const feed = parsed.feed;
      out.title = feed.title ?? null;
      out.home = feed.link ?? null;
      for (const item of feed.items ?? []) {
        const encoded = item.content?.encoded;
        const permalink = item.guid?.isPermaLink !== false ? item.guid?.value : undefined;
        raw.push({
          link: item.link ?? permalink,
          id: item.guid?.value,
          titleHtml: item.title,
          contentHtml: encoded ?? item.description,
          summaryHtml: encoded !== undefined ? item.description : undefined,
          published: rfc822(item.pubDate) ?? iso(item.dc?.dates?.[0] ?? item.dc?.date),
        });
      }
      break;
    }
    case 'rdf': {
      const feed = parsed.feed;
      out.title = feed.title ?? null;
      out.home = feed.link ?? null;
      for (const item of feed.items ?? []) {
        const encoded = item.content?.encoded;
        raw.push({
          link: item.link,
          id: item.rdf?.about,
          titleHtml: item.title,
          contentHtml: encoded ?? item.description,
          summaryHtml: encoded !== undefined ? item.description : undefined,
          published: iso(item.dc?.dates?.[0] ?? item.dc?.date),
        });
      }
      break;
    }
    case 'atom': {
      const feed = parsed.feed;
      out.title = feed.title ?? null;
      out.home = alternate(feed.links) ?? null;
      for (const entry of feed.entries ?? []) {
        raw.push({
          link: alternate(entry.links),
          id: entry.id,
          titleHtml: entry.title,
          contentHtml: entry.content ?? entry.summary,
          summaryHtml: entry.content !== undefined ? entry.summary : undefined,
          // Not `updated`: that is when it last changed, and `since` must not pull in old posts edited lately.
          published: iso(entry.published),
        });
      }
      break;
    }
    case 'json': {
      const feed = parsed.feed;
      out.title = feed.title === undefined ? null : escapeHtml(feed.title);
      out.home = feed.home_page_url ?? null;
      for (const item of feed.items ?? []) {
        raw.push({
          link: item.url,
          id: item.id,
          // JSON Feed titles, summaries and content_text are plain text.
          titleHtml: item.title === undefined ? undefined : escapeHtml(item.title),
          contentHtml: item.content_html ?? (item.content_text === undefined ? undefined : escapeHtml(item.content_text)),
          summaryHtml: item.summary === undefined ? undefined : escapeHtml(item.summary),
          published: iso(item.date_published),
        });
      }
      break;
    }
  }
  const linkBase = base ?? absolute(out.home, null);
  for (const [index, entry] of raw.entries()) {
    const url = absolute(entry.link?.trim(), linkBase);
    const label = entry.id ?? entry.link ?? `entry ${index + 1}`;
    if (url === null) {
      out.skipped.push(`${label}: no http(s) link to the post`);
      continue;
    }
    out.entries.push({
      url,
      id: entry.id ?? url,
      titleHtml: entry.titleHtml ?? null,
      contentHtml: entry.contentHtml ?? '',
      summaryHtml: entry.summaryHtml ?? null,
      published: entry.published,
    });
  }
  return out;
}

interface RawEntry {
  link: string | undefined;
  id: string | undefined;
  titleHtml: string | undefined;
  contentHtml: string | undefined;
  summaryHtml: string | undefined;
  published: string | null;
}

/** The entry's own page: rel=alternate, or a link without rel (Atom's default is alternate). */
function alternate(links: ReadonlyArray<{ href?: string; rel?: string; type?: string }> | undefined): string | undefined {
  const candidates = (links ?? []).filter((l) => l.href && (l.rel === undefined || l.rel === 'alternate'));
  return (candidates.find((l) => l.type === undefined || /html/i.test(l.type)) ?? candidates[0])?.href;
}

function absolute(link: string | null | undefined, base: string | null): string | null {
  if (!link) return null;
  return parseHttp(link, base ?? undefined)?.href ?? null;
}

function iso(value: string | undefined): string | null {
  return normalizeDate(value);
}

const RFC822 = /^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[A-Za-z]{1,5}|[+-]\d{4})?$/;

/** RSS pubDate ("Mon, 05 Jan 2026 10:00:00 GMT") as an ISO date-time in UTC; null when not of that shape. */
function rfc822(value: string | undefined): string | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (!RFC822.test(text)) return normalizeDate(text);
  const time = Date.parse(text);
  if (Number.isNaN(time)) return null;
  return normalizeDate(new Date(time).toISOString());
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
