// A sitemap as input (sitemaps.org XML: <urlset>, or a <sitemapindex> of further sitemaps; or the plain-text
// form, one URL a line). Pure: text in, URLs out. Read with fast-xml-parser, not regexes.
import { XMLParser } from 'fast-xml-parser';
import { LinkbackError } from '../errors.ts';
import { parseHttp } from '../site/urls.ts';

/** The sitemap protocol's own cap on URLs per file. */
export const MAX_SITEMAP_URLS = 50_000;

export interface ParsedSitemap {
  /** Pages listed (absolute http(s) URLs, unique, in order). */
  pages: string[];
  /** Further sitemaps listed by a sitemap index. */
  sitemaps: string[];
  /** Entries left out, with why. */
  skipped: string[];
  /**
   * Every page entry has a <lastmod>: an edit to a page then changes the sitemap's bytes, so a 304 to a conditional
   * GET of it means no page changed (src/input/conditional.ts). False for the plain-text form and an empty sitemap.
   */
  dated: boolean;
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  parseTagValue: false,
  htmlEntities: true,
  isArray: (name) => name === 'url' || name === 'sitemap',
});

export function readSitemap(text: string, base: string | null, origin: string): ParsedSitemap {
  const out: ParsedSitemap = { pages: [], sitemaps: [], skipped: [], dated: false };
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  let pages: unknown[] = [];
  let sitemaps: unknown[] = [];
  if (!trimmed.startsWith('<')) {
    pages = trimmed.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  } else {
    // No legitimate sitemap declares entities; refusing them rules out entity-expansion tricks.
    if (/<!ENTITY/i.test(trimmed)) throw new LinkbackError('USAGE', `${origin}: entity declarations are not accepted in a sitemap`);
    let doc: Record<string, unknown>;
    try {
      doc = parser.parse(trimmed) as Record<string, unknown>;
    } catch (cause) {
      throw new LinkbackError('USAGE', `${origin} is not a readable sitemap (${(cause as Error).message})`, { cause });
    }
    // An empty <urlset/> parses as '': still a sitemap, with nothing in it.
    const urlset = doc.urlset === undefined ? null : (record(doc.urlset) ?? {});
    const index = doc.sitemapindex === undefined ? null : (record(doc.sitemapindex) ?? {});
    if (!urlset && !index) throw new LinkbackError('USAGE', `${origin} is not a sitemap: no <urlset> or <sitemapindex>`);
    const entries = list(urlset?.url);
    pages = entries.map((entry) => record(entry)?.loc);
    out.dated = entries.length > 0 && entries.every((entry) => typeof record(entry)?.lastmod === 'string' && record(entry)?.lastmod !== '');
    sitemaps = list(index?.sitemap).map((entry) => record(entry)?.loc);
  }
  collect(pages, out.pages, out.skipped, base);
  collect(sitemaps, out.sitemaps, out.skipped, base);
  if (out.pages.length > MAX_SITEMAP_URLS) {
    out.skipped.push(`${out.pages.length - MAX_SITEMAP_URLS} URLs over the sitemap limit of ${MAX_SITEMAP_URLS}`);
    out.pages.length = MAX_SITEMAP_URLS;
  }
  return out;
}

function collect(raw: unknown[], into: string[], skipped: string[], base: string | null): void {
  const seen = new Set(into);
  for (const value of raw) {
    const url = typeof value === 'string' ? (parseHttp(value.trim(), base ?? undefined)?.href ?? null) : null;
    if (url === null) {
      skipped.push(`not an http(s) URL: ${String(value).slice(0, 200)}`);
      continue;
    }
    if (seen.has(url)) continue;
    seen.add(url);
    into.push(url);
  }
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
