// Does the source link to the target? Pure: the decoded body, its media type and URL in, the answer out.
// What counts follows the W3C Webmention Recommendation (3.2.2) and its implementation-report checklist:
//   HTML   an element that links or embeds: <a href>, <img src>, <video>, <audio>, <source> and the others below;
//          not the URL as mere text, not markup inside an HTML comment (the parser never sees it as a tag);
//   JSON   a string value that is (or contains) the URL;
//   text/* the URL as a word of the text.
// The comparison is exact after URL parsing (so case of scheme and host, default ports, percent-encoding and
// relative forms are normalised) and without the fragment on either side. It does not forgive "www." or a
// trailing slash as the sender's verify does (src/verify/mentions.ts): a receiver is asked about one exact URL.
import { Parser } from 'htmlparser2';
import { parseHttp, urlsInText } from '../../site/urls.ts';

export type MediaKind = 'html' | 'json' | 'text';

/** Elements and the attributes of theirs that point at a URL a post links to or embeds. */
const LINKING_ATTRIBUTES: Record<string, readonly string[]> = {
  a: ['href'],
  area: ['href'],
  link: ['href'],
  img: ['src', 'srcset'],
  video: ['src', 'poster'],
  audio: ['src'],
  source: ['src', 'srcset'],
  track: ['src'],
  embed: ['src'],
  iframe: ['src'],
  object: ['data'],
  blockquote: ['cite'],
  q: ['cite'],
  ins: ['cite'],
  del: ['cite'],
};

/** A class list naming a microformats root: h-* (mf2), or the classic names microformats-parser reads as h-entry/h-feed/h-card. */
const MICROFORMAT_ROOT = /(?:^|\s)(?:h-[a-z0-9]|(?:hentry|hfeed|vcard)(?:\s|$))/i;

/** Text kept for the document's <title> (a fallback name); titles are short, junk is cut. */
const MAX_TITLE = 500;

export interface HtmlFacts {
  linked: boolean;
  /** <meta http-equiv="Status" content="410 Gone">: how a static host says "deleted" (webmention.rocks delete test). */
  metaStatus?: number;
  /** The document's base: <base href> resolved against the source's URL, else that URL. */
  base: string;
  /** Some element has a microformats root class (h-*, or the classic hentry, hfeed, vcard): worth parsing for. */
  microformats: boolean;
  title?: string;
}

/** The kind of body a media type (a Content-Type's essence, or the whole header) names; null when we do not read it. */
export function mediaKind(contentType: string | undefined): MediaKind | null {
  const essence = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  // No type at all: HTML is what it nearly always is, and the parser copes with anything else.
  if (essence === '' || essence === 'text/html' || essence === 'application/xhtml+xml') return 'html';
  if (essence === 'application/json' || essence.endsWith('+json')) return 'json';
  if (essence.startsWith('text/')) return 'text';
  return null;
}

/** The target as compared: absolute, parsed, without fragment; null when it is not an http(s) URL. */
export function comparableTarget(target: string): string | null {
  return parseHttp(target)?.href ?? null;
}

/** Whether `raw`, resolved against `base`, is the target (already comparableTarget'd). */
function isTarget(raw: string, base: string, target: string): boolean {
  return parseHttp(raw.trim(), base)?.href === target;
}

/** The URLs of a srcset: each candidate is a URL and an optional descriptor, separated by commas. */
function srcsetUrls(srcset: string): string[] {
  return srcset
    .split(/,\s+|,(?=\S+\s)/)
    .map((candidate) => candidate.trim().split(/\s+/)[0] ?? '')
    .filter((url) => url !== '');
}

export function readHtml(html: string, sourceUrl: string, target: string): HtmlFacts {
  const facts: HtmlFacts = { linked: false, base: sourceUrl, microformats: false };
  let baseSeen = false;
  let inTitle = false;
  let title = '';
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name === 'base' && !baseSeen && attribs.href !== undefined) {
          // Only the first <base href> counts (HTML standard); links before it are rare enough to ignore.
          baseSeen = true;
          const resolved = parseHttp(attribs.href.trim(), sourceUrl);
          if (resolved !== null) facts.base = resolved.href;
          return;
        }
        if (name === 'meta' && facts.metaStatus === undefined && attribs['http-equiv']?.trim().toLowerCase() === 'status') {
          const status = /^\s*(\d{3})\b/.exec(attribs.content ?? '')?.[1];
          if (status !== undefined) facts.metaStatus = Number(status);
          return;
        }
        if (name === 'title' && title === '') inTitle = true;
        if (!facts.microformats && attribs.class !== undefined && MICROFORMAT_ROOT.test(attribs.class)) facts.microformats = true;
        if (facts.linked) return;
        for (const attribute of LINKING_ATTRIBUTES[name] ?? []) {
          const value = attribs[attribute];
          if (value === undefined) continue;
          const urls = attribute === 'srcset' ? srcsetUrls(value) : [value];
          if (urls.some((url) => isTarget(url, facts.base, target))) {
            facts.linked = true;
            return;
          }
        }
      },
      ontext(text) {
        if (inTitle && title.length < MAX_TITLE) title += text;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  const cleanTitle = title.replace(/\s+/g, ' ').trim().slice(0, MAX_TITLE);
  if (cleanTitle !== '') facts.title = cleanTitle;
  return facts;
}

/** Whether a JSON document holds the target as (or inside) one of its strings; false when it is not JSON. */
export function jsonLinks(body: string, target: string): boolean {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return false;
  }
  // An explicit stack, not recursion: a hostile document nested 100,000 deep must not overflow the call stack.
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      // JSON has no base URL: only absolute URLs count (a relative "post" must not resolve to the target).
      if (parseHttp(value.trim())?.href === target || textLinks(value, target)) return true;
    } else if (typeof value === 'object' && value !== null) {
      // A loop, not push(...values): spreading a million-element array would overflow the argument limit.
      for (const item of Array.isArray(value) ? (value as unknown[]) : Object.values(value)) stack.push(item);
    }
  }
  return false;
}

/** Whether a plain text names the target as one of its URL words. */
export function textLinks(text: string, target: string): boolean {
  return urlsInText(text).some((word) => parseHttp(word)?.href === target);
}
