// Posts from HTML that is not a file of the built site: a feed entry's content, a page fetched from a sitemap.
// Both go through the site reader's own page reader, classifier and post builder (src/site), so a post read
// from a feed or a sitemap has its links, title and excerpt taken by the same rules as one read from the folder.
import { isUtf8 } from 'node:buffer';
import { Parser } from 'htmlparser2';
import { decodeWith } from '../net/text.ts';
import { createPageReader } from '../site/page.ts';
import type { PageFacts } from '../site/page.ts';
import { postPage } from '../site/post.ts';
import type { SiteContext } from '../site/post.ts';
import type { Hints } from '../site/regions.ts';
import { pageFromFacts } from '../site/scan.ts';
import type { ScannedPage, SiteOptions } from '../site/index.ts';
import { SNIFF_BYTES, sniff } from '../site/charset.ts';
import { sha256 } from '../site/hash.ts';
import { parseHttp } from '../site/urls.ts';
import type { FeedEntry } from './feed.ts';

type Warn = (file: string, message: string) => void;

const NO_HINTS: Hints = { postSelector: null, contentSelector: null };

/**
 * A feed entry as a post. `file` names it in the state and in messages. The entry's title, summary and date
 * stand in for the page's <title>, description and published date; its content is the post's content region.
 */
export function entryPage(entry: FeedEntry, file: string, site: SiteContext, warn: Warn): ScannedPage {
  const hash = sha256(JSON.stringify([entry.url, entry.titleHtml, entry.contentHtml, entry.summaryHtml, entry.published]));
  // Theme hints are for the site's pages, not for an entry's content: the entry IS the content.
  const facts = readFacts(`<body><div class="e-content">${entry.contentHtml}</div></body>`, NO_HINTS);
  const title = entry.titleHtml === null ? null : htmlText(entry.titleHtml);
  facts.meta.canonical = entry.url;
  facts.meta.ogUrl = null;
  facts.meta.base = null;
  // As og:title: a heading inside the content must not win over the entry's own title.
  facts.meta.ogTitle = title;
  facts.title = title;
  facts.meta.description = entry.summaryHtml === null ? null : htmlText(entry.summaryHtml);
  facts.meta.ogDescription = null;
  return postPage(facts, file, hash, entry.published, site, warn);
}

/**
 * A page fetched from the web, classified like a built file. Its URL is the one it was fetched from, unless its
 * canonical names another URL on the same site (the sitemap may list a variant).
 */
export function fetchedPage(
  bytes: Buffer,
  charset: string | null,
  url: string,
  hash: string,
  site: SiteContext,
  hints: Hints,
  options: SiteOptions,
  warn: Warn,
): ScannedPage {
  const sniffed = sniff(bytes.subarray(0, SNIFF_BYTES));
  if (sniffed.kind === 'binary') return { kind: 'other', file: url, hash, reason: `not HTML (${sniffed.what})` };
  const facts = readFacts(decodeHtml(bytes, charset, sniffed.declared ? sniffed.encoding : null), hints);
  const fetched = new URL(url);
  const stated = [facts.meta.canonical, facts.meta.ogUrl]
    .map((raw) => (raw ? parseHttp(raw, fetched) : null))
    .find((u) => u !== null);
  const own = stated && (stated.origin === fetched.origin || stated.origin === site.homeBase?.origin);
  facts.meta.canonical = own && stated ? stated.href : fetched.href;
  facts.meta.ogUrl = null;
  return pageFromFacts(facts, url, hash, { ...site, siteBase: null }, hints, options, warn);
}

/** A fetched page's bytes as text, decoded as fetchedPage does; null when they are not HTML (an image, a PDF). */
export function fetchedHtml(bytes: Buffer, charset: string | null): string | null {
  const sniffed = sniff(bytes.subarray(0, SNIFF_BYTES));
  return sniffed.kind === 'binary' ? null : decodeHtml(bytes, charset, sniffed.declared ? sniffed.encoding : null);
}

export function readFacts(html: string, hints: Hints): PageFacts {
  const reader = createPageReader(hints);
  reader.write(html.replace(/^\uFEFF/, ''));
  return reader.end();
}

/** As browsers do: a BOM, else the charset the server named, else <meta charset>, else UTF-8 or, failing that, windows-1252. */
function decodeHtml(bytes: Buffer, headerCharset: string | null, declared: string | null): string {
  const named = namedDecoder(bytes, headerCharset, declared);
  if (named !== null) return decodeWith(named, bytes);
  try {
    return decodeWith(new TextDecoder('utf-8', { fatal: true }), bytes);
  } catch {
    return decodeWith(new TextDecoder('windows-1252'), bytes);
  }
}

/** The decoder of the first usable label of a BOM, else of the server's charset, else of <meta charset>; null: none. */
function namedDecoder(bytes: Buffer, headerCharset: string | null, declared: string | null): InstanceType<typeof TextDecoder> | null {
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  for (const label of bom ? [declared] : [headerCharset, declared]) {
    if (!label) continue;
    try {
      return new TextDecoder(label);
    } catch {
      // Unknown label: next.
    }
  }
  return null;
}

/**
 * True when fetchedHtml reads `bytes` served with `charset` into the very text the scan of the built site read
 * from a file of the same bytes (src/site/decode.ts), so that the page reader finds the same links in both.
 * Claimed only when both decode as UTF-8, which nearly every built site is: the same bytes may then be read
 * non-fatally by one and strictly by the other (strictly only when they are valid UTF-8), which gives the same
 * text. Not for any other encoding: a server naming another charset than the page does changes the text (a
 * UTF-8 "é" read as windows-1252 is "Ã©", and an href with it another URL); the other encodings' rules for
 * unlabelled and mislabelled pages differ between the two reads in ways not worth proving equal here. Not either
 * for a page starting with two byte-order marks: readFacts drops the second, the scan of a file does not.
 */
export function decodesAsBuilt(bytes: Buffer, charset: string | null): boolean {
  const sniffed = sniff(bytes.subarray(0, SNIFF_BYTES));
  if (sniffed.kind === 'binary' || startsWithTwoBoms(bytes)) return false;
  const declared = sniffed.declared ? sniffed.encoding : null;
  // Without a label both fall back alike: UTF-8 when the bytes are UTF-8, else windows-1252.
  const built = declared === null ? isUtf8(bytes) : isUtf8Label(declared);
  if (!built) return false;
  const live = namedDecoder(bytes, charset, declared);
  // No usable label for the live read either: the same fallback, on bytes already found valid UTF-8 above when
  // nothing was declared (the scan of the bytes is not made twice).
  if (live === null) return declared === null || isUtf8(bytes);
  return live.encoding === 'utf-8';
}

function isUtf8Label(label: string): boolean {
  try {
    return new TextDecoder(label).encoding === 'utf-8';
  } catch {
    return false;
  }
}

function startsWithTwoBoms(bytes: Buffer): boolean {
  return bytes.subarray(0, 6).equals(TWO_BOMS);
}

const TWO_BOMS = Buffer.from([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]);

/** The text of a bit of HTML (a feed title or summary), entities decoded, whitespace collapsed. */
export function htmlText(html: string): string {
  let text = '';
  const parser = new Parser({ ontext: (t) => void (text += t) }, { decodeEntities: true });
  parser.write(html);
  parser.end();
  return text.replace(/\s+/g, ' ').trim();
}
