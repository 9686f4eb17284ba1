// Where the posts come from: the built site folder (src/site), a feed, or a sitemap whose pages are fetched.
// All three yield the same ScannedPage stream, so the rest of the run does not know which one it reads.
import { LinkbackError } from '../errors.ts';
import type { NetContext } from '../net/attempt.ts';
import { requestWithRetry } from '../net/attempt.ts';
import { header } from '../net/types.ts';
import type { ScanOptions, ScannedPage, SiteOptions } from '../site/index.ts';
import type { SiteContext } from '../site/post.ts';
import { contextFromHome, readHints } from '../site/scan.ts';
import { siteBase } from '../site/urls.ts';
import { entryPage, fetchedPage, htmlText, readFacts } from './html-post.ts';
import { sha256 } from '../site/hash.ts';
import { decodeText, isUrl, loadInput } from './load.ts';
import type { Validators } from './conditional.ts';
import { hubsOfFeed, hubsOfLinkHeader, mergeHubs } from '../websub/hubs.ts';
import { hubbedFeed } from '../websub/feeds.ts';
import type { HubbedFeed } from '../websub/feeds.ts';

// The feed and sitemap readers (feedsmith, fast-xml-parser) are imported where a feed or sitemap is read:
// a site folder, the common case, never loads them. The public readFeed/readSitemap come from src/index.ts.
export type { FeedEntry, ParsedFeed } from './feed.ts';
export type { ParsedSitemap } from './sitemap.ts';

export type InputChoice = { kind: 'site'; location: string } | { kind: 'feed'; location: string } | { kind: 'sitemap'; location: string };

/** Exactly one of site, feed and sitemap. */
export function chooseInput(options: { site?: string | undefined; feed: string | null; sitemap: string | null }): InputChoice {
  const given: InputChoice[] = [];
  if (options.site !== undefined) given.push({ kind: 'site', location: options.site });
  if (options.feed !== null) given.push({ kind: 'feed', location: options.feed });
  if (options.sitemap !== null) given.push({ kind: 'sitemap', location: options.sitemap });
  const [only, extra] = given;
  if (only === undefined) throw new LinkbackError('USAGE', 'nothing to read: give the site folder, a feed or a sitemap');
  if (extra !== undefined) throw new LinkbackError('USAGE', `give one input, not ${given.map((g) => g.kind).join(' and ')}`);
  return only;
}

export interface InputContext {
  net: NetContext;
  site: SiteOptions;
  scan: ScanOptions;
  /** How many sitemap pages are fetched ahead of the one being handled (the limiter still bounds each host). */
  window: number;
  /** Validators of the last read of a remote input (src/input/conditional.ts): the GET is made conditional. */
  known?: Validators | null;
}

export interface PostInput {
  /** A post missing from a complete input has left the site; a feed lists only the latest posts, so it is not complete. */
  complete: boolean;
  pages: AsyncIterable<ScannedPage>;
  /** The remote feed or sitemap answered 304 to a conditional GET: there is nothing to read. */
  notModified?: boolean;
  /** A feed's WebSub hubs (src/websub/), from its text and its Link header. */
  hubs?: HubbedFeed[];
  /** The ETag / Last-Modified of a remote input read whole, to keep for the next run's conditional GET. */
  validators?: Validators | null;
}

/** What a 304 leaves to read: nothing. Not complete: no post left the site because none was read. */
function unchangedInput(): PostInput {
  async function* none(): AsyncGenerator<ScannedPage> {}
  return { complete: false, pages: none(), notModified: true, validators: null };
}

const FEED_ACCEPT = 'application/atom+xml, application/rss+xml, application/feed+json, application/json;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1';
const SITEMAP_ACCEPT = 'application/xml, text/xml;q=0.9, text/plain;q=0.5, */*;q=0.1';
const HTML_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1';
/** Sitemaps listed by one sitemap index that are read; the protocol allows 50,000, real blogs have a handful. */
const MAX_CHILD_SITEMAPS = 1000;

/** Reads the feed up front (it is small) and yields one post per entry. */
export async function feedInput(location: string, ctx: InputContext): Promise<PostInput> {
  const loaded = await loadInput(ctx.net, location, 'feed', FEED_ACCEPT, ctx.known ?? null);
  if ('notModified' in loaded) return unchangedInput();
  const text = decodeText(loaded);
  const { readFeed } = await import('./feed.ts');
  const feed = readFeed(text, loaded.url ?? ctx.site.siteUrl, location);
  const declared = hubsOfFeed(text, loaded.url);
  const hubbed = hubbedFeed(loaded.url === null ? declared : mergeHubs(hubsOfLinkHeader(loaded.links, loaded.url), declared), loaded.url);
  const warn = (file: string, message: string) => ctx.scan.onWarning?.({ file, message });
  for (const message of feed.skipped) warn(location, message);
  const home = ctx.site.siteUrl ?? feed.home ?? loaded.url;
  const site: SiteContext = {
    siteBase: null,
    homeBase: home === null ? null : siteBase(new URL('/', home).href),
    blogName: ctx.site.blogName,
    homeTitle: feed.title === null ? null : htmlText(feed.title),
    homeDescription: null,
  };
  async function* pages(): AsyncGenerator<ScannedPage> {
    const seen = new Set<string>();
    for (const entry of feed.entries) {
      if (seen.has(entry.url)) continue;
      seen.add(entry.url);
      // The entry's URL names it in the state: a feed has no files.
      const page = entryPage(entry, entry.url, site, warn);
      yield page.kind === 'post' && ctx.scan.skip?.(page.file, page.hash) ? { kind: 'unchanged', file: page.file, hash: page.hash } : page;
    }
  }
  return { complete: false, pages: pages(), validators: loaded.validators, hubs: hubbed === null ? [] : [hubbed] };
}

/** Reads the sitemap (and the sitemaps an index lists), then fetches each page, a few ahead. */
export async function sitemapInput(location: string, ctx: InputContext): Promise<PostInput> {
  const warn = (file: string, message: string) => ctx.scan.onWarning?.({ file, message });
  const loaded = await loadInput(ctx.net, location, 'sitemap', SITEMAP_ACCEPT, ctx.known ?? null);
  if ('notModified' in loaded) return unchangedInput();
  const { readSitemap } = await import('./sitemap.ts');
  const top = readSitemap(decodeText(loaded), loaded.url, location);
  for (const message of top.skipped) warn(location, message);
  const urls = [...top.pages];
  for (const child of top.sitemaps.slice(0, MAX_CHILD_SITEMAPS)) {
    if (!isUrl(child)) continue;
    const inner = readSitemap(decodeText(await loadInput(ctx.net, child, 'sitemap', SITEMAP_ACCEPT)), child, child);
    for (const message of inner.skipped) warn(child, message);
    if (inner.sitemaps.length > 0) warn(child, 'a sitemap index inside a sitemap index: not followed');
    urls.push(...inner.pages);
  }
  if (top.sitemaps.length > MAX_CHILD_SITEMAPS) warn(location, `only the first ${MAX_CHILD_SITEMAPS} sitemaps of the index were read`);

  const root = ctx.site.siteUrl ?? urls[0] ?? loaded.url;
  const homeBase = root === null ? null : siteBase(new URL('/', root).href);
  const hints = readHints(ctx.site);
  const home = homeBase === null ? null : await fetchHome(ctx.net, homeBase.href, hints);
  const site: SiteContext = { ...contextFromHome(home, ctx.site, null), homeBase };

  const fetchPage = async (url: string): Promise<ScannedPage> => {
    const got = await requestWithRetry(ctx.net, { method: 'GET', url, headers: { accept: HTML_ACCEPT } }, true);
    if ('error' in got) return { kind: 'error', file: url, reason: `could not fetch: ${got.error.message}` };
    const res = got.response;
    if (res.status < 200 || res.status > 299) return { kind: 'error', file: url, reason: `HTTP ${res.status}` };
    const hash = sha256(res.body);
    const type = header(res, 'content-type') ?? '';
    if (type !== '' && !/html/i.test(type)) return { kind: 'other', file: url, hash, reason: `not HTML (${type})` };
    if (ctx.scan.skip?.(url, hash)) return { kind: 'unchanged', file: url, hash };
    const charset = /;\s*charset\s*=\s*"?([\w.:-]+)/i.exec(type)?.[1] ?? null;
    return fetchedPage(res.body, charset, res.url, hash, site, hints, ctx.site, warn);
  };
  // Not for an index (its children can change while it stays the same), nor for a sitemap without a <lastmod> on
  // every page: a page edited (a link added) would not change it, and a 304 would hide the edit.
  const validators = top.sitemaps.length === 0 && top.dated ? loaded.validators : null;
  return { complete: true, pages: ahead(unique(urls), Math.max(1, ctx.window), fetchPage), validators };
}

/** The site's home page, for the blog's name and its site-wide description; best effort. */
async function fetchHome(net: NetContext, url: string, hints: ReturnType<typeof readHints>) {
  const got = await requestWithRetry(net, { method: 'GET', url, headers: { accept: HTML_ACCEPT } }, true);
  if ('error' in got || got.response.status < 200 || got.response.status > 299) return null;
  return readFacts(new TextDecoder('utf-8').decode(got.response.body), hints);
}

/** Maps in order with up to `window` calls running; `fn` must not reject. */
async function* ahead<T, R>(items: readonly T[], window: number, fn: (item: T) => Promise<R>): AsyncGenerator<R> {
  const running: Array<Promise<R>> = [];
  let next = 0;
  while (next < items.length || running.length > 0) {
    while (running.length < window && next < items.length) running.push(fn(items[next++] as T));
    yield await (running.shift() as Promise<R>);
  }
}

function unique(urls: readonly string[]): string[] {
  return [...new Set(urls)];
}
