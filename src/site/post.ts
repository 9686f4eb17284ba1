// Turns the facts of a page classified as a post into a Post: its public URL, its outbound links
// (only those in the post's own content), title, excerpt and blog name. Pure: the scanner hands in
// what it knows about the site.

import type { Post } from '../types.ts';
import type { ScannedPage } from './types.ts';
import { collapseWhitespace, cutExcerpt } from './excerpt.ts';
import { REGIONS, regionBit, type PageFacts, type Region } from './page.ts';
import { MAX_URL_LENGTH, isOwnHost, ownHostKey, parseHttp, servedPath } from './urls.ts';

export interface SiteContext {
  /** From options.siteUrl. */
  siteBase: URL | null;
  /** From the root index.html's canonical / og:url, when siteUrl is not given. */
  homeBase: URL | null;
  blogName: string | null;
  homeTitle: string | null;
  /** The home page's meta description: a post repeating it has no description of its own. */
  homeDescription: string | null;
}

/** `code` lets callers tell a missing URL (a usage problem) from other errors without reading the text. */
export type Built = { post: Post; warnings: string[] } | { error: string; code?: 'no-url' };

/**
 * buildPost as a scanned page, the same for a built file (./scan.ts) and a feed entry (src/input/html-post.ts):
 * the post with its warnings passed to `warn`, or an error page saying why there is none.
 */
export function postPage(
  facts: PageFacts,
  file: string,
  hash: string,
  published: string | null,
  site: SiteContext,
  warn: (file: string, message: string) => void,
): ScannedPage {
  const built = buildPost(facts, file, hash, published, site);
  if ('error' in built) return { kind: 'error', file, reason: built.error, ...(built.code ? { code: built.code } : {}) };
  for (const message of built.warnings) warn(file, message);
  return { kind: 'post', file, hash, post: built.post };
}

export function buildPost(
  facts: PageFacts,
  file: string,
  hash: string,
  published: string | null,
  site: SiteContext,
): Built {
  const url = postUrl(facts, file, site);
  if (url === null) return { error: 'no URL: pass --site-url', code: 'no-url' };
  const warnings: string[] = [];
  const region = contentRegion(facts);
  const ownHosts = new Set<string>([ownHostKey(url)]);
  if (site.siteBase) ownHosts.add(ownHostKey(site.siteBase));
  if (site.homeBase) ownHosts.add(ownHostKey(site.homeBase));
  const own: string[] = [];
  const links = contentLinks(facts, region, url, ownHosts, warnings, own);
  const post: Post = {
    url: url.href,
    file,
    title: firstText(facts.meta.ogTitle, facts.h1, facts.title) ?? '',
    excerpt: cutExcerpt(excerptSource(facts, region, site)),
    blogName:
      firstText(site.blogName, facts.meta.ogSiteName, site.homeTitle) ??
      (site.siteBase ?? site.homeBase ?? url).hostname,
    published,
    links,
    hash,
    contentHash: facts.regions[region].text,
    ...(own.length > 0 ? { ownSiteLinks: own } : {}),
  };
  return { post, warnings };
}

/**
 * canonical / og:url when on the site's origin (or always when no siteUrl was given), else the
 * site URL plus the file's served path. Relative canonicals are read against that served URL.
 */
export function postUrl(facts: PageFacts, file: string, site: SiteContext): URL | null {
  const base = site.siteBase ?? site.homeBase;
  // URL parses are most of this function's cost, and a parse against a base parses the base too: the served URL
  // is worked out only when needed, an absolute canonical is parsed without a base (see contentLinks), and
  // og:url only when there is no canonical.
  let served: URL | null | undefined;
  const servedUrl = (): URL | null => (served ??= base ? new URL(servedPath(file), base) : null);
  let stated: URL | null = null;
  for (const raw of [facts.meta.canonical, facts.meta.ogUrl]) {
    if (raw === null || raw === '') continue;
    stated = parseHttp(raw, ABSOLUTE_HTTP.test(raw) ? undefined : (servedUrl() ?? undefined));
    if (stated !== null) break;
  }
  if (site.siteBase !== null) {
    return stated && stated.origin === site.siteBase.origin ? stated : servedUrl();
  }
  return stated ?? servedUrl();
}

/**
 * The post's content: the hint selector, else the theme's explicit content container, else the
 * single article (or h-entry), else <main>, else the whole body (chrome is excluded everywhere).
 */
export function contentRegion(facts: PageFacts): Region {
  const r = facts.regions;
  const c = facts.counts;
  if (r.contentSelector.present > 0) return 'contentSelector';
  if (r.content.present > 0) return 'content';
  if (c.postSelector === 1) return 'postSelector';
  if (c.articles === 1) return 'article';
  if (c.hEntries === 1) return 'hentry';
  if (r.main.present > 0) return 'main';
  return 'body';
}

const ABSOLUTE_HTTP = /^https?:\/\//i;
/**
 * An href that resolves on its base's host, whatever else it says: a fragment, a query, or a path from the root
 * ('/x'; not '//host', and for http(s) '\\' counts as '/', and tabs and newlines are dropped by the parser).
 */
const ON_BASE_HOST = /^(?:[#?]|\/(?![/\\\t\n\r]))/;

/** Of the links dropped as the site's own, how many are listed for --verbose. */
const MAX_OWN_LISTED = 20;
/** An href naming a host ("http://x/", "//x/"): a relative link to one's own site surprises nobody. */
const WITH_HOST = /^\s*(?:https?:)?[/\\]{2}/i;

/** `own` receives the links dropped as the site's own that were written with a host (for --verbose). */
function contentLinks(facts: PageFacts, region: Region, postUrl: URL, ownHosts: Set<string>, warnings: string[], own: string[]): string[] {
  const bit = regionBit(region);
  const base = (facts.meta.base ? parseHttp(facts.meta.base, postUrl) : null) ?? postUrl;
  // A post's links to itself (footnotes, '#top') and to its own site from the root are dropped without being
  // parsed: resolving against a base parses the base again, 1.6 µs a link.
  const baseIsOwn = isOwnHost(base, ownHosts);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const link of facts.links) {
    if (!(link.regions & bit)) continue;
    if (baseIsOwn && ON_BASE_HOST.test(link.href)) continue;
    // An href that starts with http(s):// ignores any base (WHATWG URL: "special authority slashes"), and
    // without one the URL parser does not parse the base again for every link.
    const url = parseHttp(link.href, ABSOLUTE_HTTP.test(link.href) ? undefined : base);
    if (url === null && /^https?:/i.test(link.href)) warnings.push(`not a valid URL, skipped: ${link.href.slice(0, 80)}`);
    if (url === null || seen.has(url.href)) continue;
    if (isOwnHost(url, ownHosts)) {
      if (own.length < MAX_OWN_LISTED && WITH_HOST.test(link.href) && !own.includes(url.href)) own.push(url.href);
      continue;
    }
    if (url.href.length > MAX_URL_LENGTH) {
      warnings.push(`link longer than ${MAX_URL_LENGTH} characters dropped: ${url.href.slice(0, 80)}…`);
      continue;
    }
    seen.add(url.href);
    out.push(url.href);
  }
  for (const long of facts.longLinks) {
    if (long.regions & bit) warnings.push(`link longer than ${MAX_URL_LENGTH} characters dropped: ${long.prefix}…`);
  }
  if (facts.linksCapped) warnings.push('more links than can be kept: only the first ones were read');
  return out;
}

function excerptSource(facts: PageFacts, region: Region, site: SiteContext): string {
  const siteWide = site.homeDescription === null ? null : collapseWhitespace(site.homeDescription);
  const own = [facts.meta.description, facts.meta.ogDescription]
    .map((d) => (d === null ? '' : collapseWhitespace(d)))
    .find((d) => d !== '' && d !== siteWide);
  if (own !== undefined) return own;
  // The first paragraph of the chosen region, else of any wider region holding it.
  for (const r of REGIONS.slice(REGIONS.indexOf(region))) {
    const p = facts.regions[r].paragraph;
    if (p !== null) return p;
  }
  return '';
}

function firstText(...values: (string | null)[]): string | null {
  for (const v of values) {
    if (v === null) continue;
    const t = collapseWhitespace(v);
    if (t !== '') return t;
  }
  return null;
}
