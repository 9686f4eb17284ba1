// What the source says about the target, read from its microformats2 (microformats-parser): the h-entry that
// links to the target, its kind (webmention.io's wm-property), author, content, name, published and url. Pure.
// Which h-entry: first one whose in-reply-to / like-of / repost-of / bookmark-of names the target; else one
// whose content links to it; else the page's first h-entry (a plain mention). Authorship as the IndieWeb
// authorship algorithm's first steps: the entry's author, else its h-feed's, else rel=author (a URL only; the
// caller may fetch that author page, see authorFromPage).
import { mf2 } from 'microformats-parser';
import type { Author, MentionFacts, MentionProperty } from '../types.ts';
import { readHtml } from './links.ts';
import { escapeHtml, safeUrl, sanitizeContent } from './sanitize.ts';

type Parsed = ReturnType<typeof mf2>;
type Item = Parsed['items'][number];
type Value = Item['properties'][string][number];

/** What the source's entry says: the facts a verified mention carries (types.ts). */
export type Entry = MentionFacts;

/** Reply kinds in the order they win when one entry names the target several ways. */
const KINDS: readonly (Exclude<MentionProperty, 'rsvp' | 'mention-of'>)[] = ['in-reply-to', 'repost-of', 'like-of', 'bookmark-of'];

const RSVP_VALUES = new Set(['yes', 'no', 'maybe', 'interested']);

/** Caps on what is kept: a mention is shown in a comment list, not archived whole. */
const MAX_NAME = 500;
const MAX_CONTENT_HTML = 100_000;
const MAX_CONTENT_TEXT = 50_000;

/**
 * Parses microformats with `base` as the document's base URL (the caller resolved <base href> already); a document
 * the parser cannot take (it throws on some hostile or odd markup) has none.
 */
export function parseMicroformats(html: string, base: string): Parsed | null {
  try {
    return mf2(html, { baseUrl: base });
  } catch {
    // microformats-parser 2.0.6 takes <base href> as is and throws when it is relative (<base href="/blog/">);
    // `base` is that href resolved, so the same document without its <base> element parses to the same result.
    if (!/<base\b/i.test(html)) return null;
    try {
      return mf2(html.replace(/<base\b/gi, '<x-base'), { baseUrl: base });
    } catch {
      return null;
    }
  }
}

/** The entry that mentions `target` (already comparable: absolute, no fragment), or null when there is no h-entry. */
export function readEntry(parsed: Parsed, target: string, base: string): Entry | null {
  const candidates = entries(parsed.items);
  if (candidates.length === 0) return null;
  for (const { item, feed } of candidates) {
    const kind = KINDS.find((k) => (item.properties[k] ?? []).some((v) => urlOf(v, base) === target));
    if (kind !== undefined) return describe(item, feed, parsed, kind, target, base);
  }
  const linking = candidates.find(({ item }) => contentLinks(item, target, base));
  const chosen = linking ?? candidates[0];
  return chosen ? describe(chosen.item, chosen.feed, parsed, 'mention-of', target, base) : null;
}

interface Candidate {
  item: Item;
  /** The h-feed the entry sits in, for its author. */
  feed?: Item;
}

/** Every h-entry, depth first in document order: top level, children of feeds, nested in properties. */
function entries(items: Item[]): Candidate[] {
  const found: Candidate[] = [];
  // An explicit stack (reversed pushes keep document order): nesting depth is the stranger's to choose.
  const stack: { item: Item; feed?: Item }[] = [...items].reverse().map((item) => ({ item }));
  let visited = 0;
  while (stack.length > 0 && visited++ < 10_000) {
    const { item, feed } = stack.pop() as Candidate;
    const types = item.type ?? [];
    if (types.includes('h-entry')) found.push({ item, ...(feed ? { feed } : {}) });
    const parentFeed = types.includes('h-feed') ? item : feed;
    const nested = [...(item.children ?? []), ...Object.values(item.properties).flat().filter(isItem)];
    for (const child of nested.reverse()) stack.push({ item: child, ...(parentFeed ? { feed: parentFeed } : {}) });
  }
  return found;
}

function isItem(value: Value): value is Item {
  return typeof value === 'object' && 'properties' in value;
}

/** A property value as a URL: a plain string, an h-cite's url (or value), an image's value. */
function urlOf(value: Value, base: string): string | undefined {
  if (typeof value === 'string') return safeUrl(value, base);
  if (isItem(value)) {
    const url = value.properties.url?.[0];
    const raw = typeof url === 'string' ? url : typeof value.value === 'string' ? value.value : undefined;
    return safeUrl(raw, base);
  }
  return 'html' in value ? undefined : safeUrl(value.value, base);
}

function text(value: Value | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (isItem(value)) return typeof value.value === 'string' ? value.value : undefined;
  return value.value;
}

function contentLinks(item: Item, target: string, base: string): boolean {
  const content = item.properties.content?.[0];
  return content !== undefined && typeof content === 'object' && 'html' in content && readHtml(content.html, base, target).linked;
}

function describe(item: Item, feed: Item | undefined, parsed: Parsed, kind: Entry['property'], target: string, base: string): Entry {
  const props = item.properties;
  const entry: Entry = { property: kind };
  const rsvp = text(props.rsvp?.[0])?.trim().toLowerCase();
  if (kind === 'in-reply-to' && rsvp !== undefined && RSVP_VALUES.has(rsvp)) {
    entry.property = 'rsvp';
    entry.rsvp = rsvp;
  }
  const content = readContent(props.content?.[0] ?? props.summary?.[0], base);
  if (content) entry.content = content;
  const name = clean(text(props.name?.[0]), MAX_NAME);
  // An h-entry without p-name gets its whole text as an implied name: the content again, not a title.
  if (name !== undefined && (content === undefined || !sameText(name, content.text))) entry.name = name;
  const published = clean(text(props.published?.[0]), 64);
  if (published !== undefined) entry.published = published;
  // The implied u-url of an entry whose only link is the target is the target: not the mention's own URL.
  const url = props.url?.map((v) => urlOf(v, base)).find((u) => u !== undefined && u !== target);
  if (url !== undefined) entry.url = url;
  const author = readAuthor(props.author?.[0] ?? feed?.properties.author?.[0], parsed, base);
  if (author) entry.author = author;
  return entry;
}

function readContent(value: Value | undefined, base: string): Entry['content'] | undefined {
  if (value === undefined) return undefined;
  const plain = clean(text(value), MAX_CONTENT_TEXT, false);
  if (typeof value === 'object' && 'html' in value) {
    const html = sanitizeContent(value.html.slice(0, MAX_CONTENT_HTML), base);
    if (html === '' && plain === undefined) return undefined;
    return { html, text: plain ?? '' };
  }
  return plain === undefined ? undefined : { html: escapeHtml(plain), text: plain };
}

function readAuthor(value: Value | undefined, parsed: Parsed, base: string): Author | undefined {
  let author: Author = {};
  if (value !== undefined && isItem(value)) {
    author = cardAuthor(value, base);
  } else if (value !== undefined) {
    const raw = text(value)?.trim();
    const url = safeUrl(raw, base);
    // A URL is the author's page; anything else is their name.
    if (url !== undefined && /^https?:/i.test(raw ?? '')) author.url = url;
    else if (raw) author.name = clean(raw, MAX_NAME);
  } else {
    const relAuthor = safeUrl(parsed.rels.author?.[0], base);
    if (relAuthor !== undefined) author.url = relAuthor;
  }
  return Object.values(author).some((v) => v !== undefined) ? author : undefined;
}

/** name, photo and url of an h-card. */
export function cardAuthor(card: Item, base: string): Author {
  const author: Author = {};
  const name = clean(text(card.properties.name?.[0]), MAX_NAME);
  if (name !== undefined) author.name = name;
  const photo = card.properties.photo?.map((v) => urlOf(v, base)).find((u) => u !== undefined);
  if (photo !== undefined) author.photo = photo;
  const url = card.properties.url?.map((v) => urlOf(v, base)).find((u) => u !== undefined);
  if (url !== undefined) author.url = url;
  return author;
}

function clean(value: string | undefined, max: number, collapse = true): string | undefined {
  if (value === undefined) return undefined;
  // Control characters (other than line breaks and tabs) have no business in a name or a comment.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  const stripped = value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
  const result = (collapse ? stripped.replace(/\s+/g, ' ') : stripped).trim().slice(0, max);
  return result === '' ? undefined : result;
}

/** Whether a name holds the content's whole text: the implied name of an entry with no p-name, not a title. */
function sameText(name: string, content: string): boolean {
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  return norm(content) !== '' && norm(name).includes(norm(content));
}

/**
 * The author's h-card on their own page, when an entry names its author only by URL (the authorship algorithm's
 * "author page"): a top-level h-card whose url is the page (or the URL we were given), else the page's only
 * top-level h-card. Pure; undefined when there is none.
 */
export function authorFromPage(html: string, pageUrl: string, authorUrl: string): Author | undefined {
  const parsed = parseMicroformats(html, pageUrl);
  if (parsed === null) return undefined;
  const cards = parsed.items.filter((item) => item.type?.includes('h-card'));
  const own = cards.find((card) => {
    const url = cardAuthor(card, pageUrl).url;
    return url !== undefined && (url === pageUrl || url === authorUrl);
  });
  const card = own ?? (cards.length === 1 ? cards[0] : undefined);
  if (card === undefined) return undefined;
  const author = cardAuthor(card, pageUrl);
  return { ...author, url: author.url ?? authorUrl };
}
