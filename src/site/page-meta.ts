// The page's metadata, as the page reader (./page.ts) meets it: <meta> tags (description, Open Graph, robots,
// refresh), the canonical link and <base>, the publication dates written in the markup (<time>, dt-published,
// itemprop=datePublished), and the JSON-LD scripts (parsed only when needed). Each handler fills its part of
// the page's facts (./page-facts.ts).
import { normalizeDate } from './dates.ts';
import { readJsonLd } from './jsonld.ts';
import type { Attributes, ClassInfo } from './regions.ts';
import type { PageFacts } from './page-facts.ts';

/** A <meta> tag. */
export function readMeta(m: PageFacts['meta'], attribs: Attributes): void {
  const content = attribs.content;
  if (content === undefined) return;
  const key = (attribs.property ?? attribs.name ?? '').trim().toLowerCase();
  const equiv = attribs.httpEquiv?.trim().toLowerCase();
  if (equiv === 'refresh' && content.trim() !== '') m.refresh = true;
  switch (key) {
    case 'description':
      m.description ??= content;
      break;
    case 'og:title':
      m.ogTitle ??= content;
      break;
    case 'og:description':
      m.ogDescription ??= content;
      break;
    case 'og:site_name':
      m.ogSiteName ??= content;
      break;
    case 'og:type':
      m.ogType ??= content.trim().toLowerCase();
      break;
    case 'og:url':
      m.ogUrl ??= content.trim();
      break;
    case 'article:published_time':
      m.publishedTime ??= normalizeDate(content);
      break;
    case 'robots':
      if (/\bnoindex\b/i.test(content)) m.noindex = true;
      break;
  }
}

/** A <link>: the first rel=canonical. */
export function readLink(m: PageFacts['meta'], attribs: Attributes): void {
  if (m.canonical === null && relTokens(attribs.rel).includes('canonical') && attribs.href) {
    m.canonical = attribs.href.trim();
  }
}

/** A <base>: the first href. */
export function readBase(m: PageFacts['meta'], attribs: Attributes): void {
  if (m.base === null && attribs.href !== undefined) m.base = attribs.href.trim();
}

/** Any element outside chrome: the first date of each kind. */
export function readDates(d: PageFacts['dates'], tag: string, attribs: Attributes, cls: ClassInfo): void {
  if (d.time === null && tag === 'time') d.time = normalizeDate(attribs.datetime);
  if (d.dtPublished === null && cls.dtPublished) {
    d.dtPublished = normalizeDate(attribs.datetime ?? attribs.value ?? attribs.title ?? attribs.content);
  }
  if (d.itemprop === null && attribs.itemprop !== undefined && attribs.itemprop.split(/\s+/).includes('datePublished')) {
    d.itemprop = normalizeDate(attribs.content ?? attribs.datetime ?? attribs.value);
  }
}

/** A <script>: is it JSON-LD (whose text is then captured, ./page-text.ts)? */
export function isJsonLd(attribs: Attributes): boolean {
  return attribs.type?.trim().toLowerCase() === 'application/ld+json';
}

/** JSON-LD text kept unparsed per page; past this, scripts are parsed as they close (memory stays bounded). */
const JSON_LD_KEPT = 256 * 1024;

/**
 * A page's JSON-LD scripts, parsed at the end of the page only when the classifier can need them: og:type=article
 * with article:published_time (Jekyll, Hugo and most themes write both) already says all JSON-LD could, and
 * parsing it was 2-3% of the scan. When parsed, the result is the same as parsing each script as it closes.
 * (A lazy getter on the facts instead cost more than it saved: every page's facts got a hidden class of their
 * own, and the heap grew from 16 to 75 MB on the 1,000-post site.)
 */
export class JsonLdScripts {
  private texts: string[] = [];
  private kept = 0;

  constructor(private readonly into: PageFacts['jsonLd']) {}

  add(text: string): void {
    if (this.kept + text.length > JSON_LD_KEPT) this.parse();
    this.texts.push(text);
    this.kept += text.length;
  }

  settle(meta: PageFacts['meta']): void {
    if (meta.ogType === 'article' && meta.publishedTime !== null) return;
    this.parse();
  }

  private parse(): void {
    for (const text of this.texts) {
      const ld = readJsonLd(text);
      this.into.articleTypes.push(...ld.articleTypes.slice(0, 20));
      this.into.datePublished ??= ld.datePublished;
    }
    this.texts = [];
    this.kept = 0;
  }
}

function relTokens(rel: string | undefined): string[] {
  return rel === undefined ? [] : rel.toLowerCase().split(/\s+/);
}
