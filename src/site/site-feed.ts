// The site's own feed as evidence of which pages are posts. A theme may render a page that is not a post (About)
// with the post layout: one <article>, an <h1>, a <time datetime>. Nothing in that page tells it apart, but the
// site does: the feed linked from its home page lists the posts, and they share a folder (/blog/).
//
// The rule (see README "Decisions"): when the feed lists pages of this site and those share a leading folder, a
// dated look-alike that is neither in the feed nor under that folder (nor in a year folder) is not a post. Both
// conditions, because feeds are truncated (the last 10 or 20 posts): an older post is missing from the feed, but
// it lives with the others.
// No feed, a feed listing none of the built pages, or posts with no folder in common: nothing changes.
//
// All of it is worked out once, before the walk (the home page and the feed are read first), so every page is
// classified as it streams past, on whichever thread: what crosses to the workers is FeedEvidence, plain data.
// The feed reader (feedsmith) is imported only when there is a feed to read: the parse workers import this
// module for the rule and never need it.
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createElementStream } from './elements.ts';
import { parseHttp, siteBase } from './urls.ts';

/** What the site's feeds say, as plain data (it goes to the parse workers as it is). */
export interface FeedEvidence {
  /** The feed files, as found in the built folder ("rss.xml"): for the reason text. */
  feeds: string[];
  /** The pages the feeds list, as page keys (see pageKey). */
  listed: string[];
  /** The leading folder every listed page shares, with its slash ("blog/"). */
  prefix: string;
}

/** FeedEvidence ready for lookups. */
export interface FeedRule {
  label: string;
  listed: ReadonlySet<string>;
  prefix: string;
}

/** How the feed files and pages of the built site are reached: files on disk (scanSite) or given in memory (scanPages). */
export interface SiteFiles {
  /** The text of a file of the site (POSIX path relative to its root), or null when there is none. */
  read(file: string): string | null;
  isFile(file: string): boolean;
}

const FEED_TYPES = new Set(['application/rss+xml', 'application/atom+xml', 'application/rdf+xml', 'application/feed+json', 'application/json']);
/** A feed this big is not read: the evidence is not worth the memory (a full-content feed of a large blog is a few MB). */
export const MAX_FEED_BYTES = 16 * 1024 * 1024;
/** Feeds read from one home page (a blog links one or two: posts, comments). */
const MAX_FEEDS = 4;
/** Entries looked up in the folder, over all feeds. */
const MAX_ENTRIES = 10_000;
const NUMBER = /^\d+$/;
const ENTRY_TEXT = /<(content:encoded|description|content|summary)\b/g;

export function feedRule(evidence: FeedEvidence | null | undefined): FeedRule | null {
  if (!evidence) return null;
  return { label: evidence.feeds.join(', '), listed: new Set(evidence.listed), prefix: evidence.prefix };
}

/** Why a dated page that looks like a post is not one, by the site's feed; null when the feed does not say so. */
export function outsideFeed(rule: FeedRule, file: string): string | null {
  // Nearly every post is under the prefix: one comparison, before anything is cut out of the name.
  if (file.startsWith(rule.prefix)) return null;
  const key = pageKey(file);
  if (rule.listed.has(key)) return null;
  // A path with a year or month folder is shaped like a post's permalink (/:categories/:year/...): an older post
  // of another category than the ones the truncated feed still holds. About pages never are.
  if (key.split('/').slice(0, -1).some((segment) => NUMBER.test(segment))) return null;
  return `not in the site's feed (${rule.label}) and outside /${rule.prefix}`;
}

/**
 * One name for a page whether it comes as a built file or as a URL path (relative to the site's root, decoded):
 * `blog/a/index.html`, `blog/a/`, `blog/a` -> `blog/a`; `2024/01/a.html`, `2024/01/a` -> `2024/01/a`.
 */
export function pageKey(path: string): string {
  return path.replace(/(^|\/)index\.html?$/i, '$1').replace(/\/+$/, '').replace(/\.html?$/i, '');
}

/** The feeds a home page links in its <head>: `<link rel="alternate" type="application/rss+xml" href>` and the like. */
export function feedLinks(html: string): string[] {
  const found: string[] = [];
  let tag: string | null = null;
  let attrs: { rel?: string; type?: string; href?: string } = {};
  const stream = createElementStream(
    {
      openStart(name) {
        tag = name;
        attrs = {};
        // The <head> is over: feeds are linked there (a <link> in the body is not the site's say).
        if (name === 'body') stream.stop();
      },
      attribute(name, value) {
        if (tag === 'link' && (name === 'rel' || name === 'type' || name === 'href')) attrs[name] ??= value;
      },
      openEnd() {
        if (tag !== 'link' || attrs.href === undefined || attrs.href.trim() === '') return;
        const rel = (attrs.rel ?? '').toLowerCase().split(/\s+/);
        const type = (attrs.type ?? '').split(';')[0]!.trim().toLowerCase();
        if (rel.includes('alternate') && FEED_TYPES.has(type) && !found.includes(attrs.href.trim())) found.push(attrs.href.trim());
      },
      close() {},
      wantsText: () => false,
      text() {},
    },
    new Set(['rel', 'type', 'href']),
  );
  stream.write(html);
  stream.end();
  return found;
}

/**
 * Reads the feeds the home page links, from the built folder, into FeedEvidence; null when they give none.
 * `base` is the site's base URL when known (--site-url, else the home page's canonical).
 */
export async function siteFeedEvidence(
  homeHtml: string | null,
  base: URL | null,
  files: SiteFiles,
  warn: (file: string, message: string) => void,
): Promise<FeedEvidence | null> {
  if (homeHtml === null) return null;
  // Relative hrefs resolve against the site's base; without one, any origin will do: only the path is used.
  const resolveBase = base ?? new URL('http://site.invalid/');
  const feeds: string[] = [];
  const listed = new Set<string>();
  let entries = 0;
  for (const href of feedLinks(homeHtml).slice(0, MAX_FEEDS)) {
    const url = parseHttp(href, resolveBase);
    const file = url === null ? null : feedFile(url, resolveBase.pathname, files);
    // A feed served from elsewhere (a feed service) is not in the folder: it says nothing about these pages.
    if (url === null || file === null) continue;
    let text;
    try {
      text = files.read(file);
    } catch {
      continue; // Not readable: no evidence, as without a feed.
    }
    if (text === null) {
      warn(file, `feed over ${MAX_FEED_BYTES / 1024 / 1024} MiB: not read to tell posts from other pages`);
      continue;
    }
    const { readFeed } = await import('../input/feed.ts');
    let parsed;
    try {
      parsed = readFeed(text.trimStart().startsWith('{') ? text : withoutEntryText(text), url.href, file);
    } catch {
      warn(file, 'linked as the site\'s feed but not an RSS, Atom or JSON feed: not used to tell posts from other pages');
      continue;
    }
    // The site's own pages are on the site's origin, on the feed's (a feed built for the production URL read
    // with a staging --site-url) or on the one the feed names as its home page.
    const origins = new Set([resolveBase.origin, url.origin]);
    const home = parsed.home === null ? null : siteBase(new URL(parsed.home, url).href);
    if (home !== null) origins.add(home.origin);
    const basePath = base?.pathname ?? home?.pathname ?? '/';
    let found = 0;
    for (const entry of parsed.entries) {
      if (entries++ >= MAX_ENTRIES) break;
      const key = entryKey(entry.url, origins, basePath);
      if (key !== null && key !== '' && isPage(key, files)) {
        listed.add(key);
        found++;
      }
    }
    if (found > 0) feeds.push(file);
  }
  if (listed.size === 0) return null;
  const prefix = sharedFolder(listed);
  return prefix === null ? null : { feeds, listed: [...listed], prefix };
}

/**
 * The folder every listed page sits under, up to the first segment that is a number (a year, a month): posts
 * under /2024/05/ share that folder only because the feed holds the newest ones. null when nothing is left.
 */
export function sharedFolder(keys: Iterable<string>): string | null {
  let shared: string[] | null = null;
  for (const key of keys) {
    const folders = key.split('/').slice(0, -1);
    if (shared === null) shared = folders;
    else {
      let n = 0;
      while (n < shared.length && n < folders.length && shared[n] === folders[n]) n++;
      shared.length = n;
    }
    if (shared.length === 0) return null;
  }
  if (shared === null) return null;
  const dated = shared.findIndex((segment) => NUMBER.test(segment));
  if (dated !== -1) shared.length = dated;
  return shared.length === 0 ? null : `${shared.join('/')}/`;
}

/**
 * An XML feed without its entries' text (RSS content:encoded and description, Atom content and summary). Only
 * the links matter here, and a full-content feed is nearly all text: a 4 MB feed of 200 posts parsed in 270-750 ms
 * with it, 30-100 ms without (feedsmith, on a busy 2-core machine). One forward pass with indexOf, never a regular
 * expression that looks for the end tag (a feed with many unclosed tags would make that quadratic): at the first
 * element with no end, the rest is left as it is. A feed this cuts wrongly (an end tag inside CDATA text) fails to
 * parse and gives no evidence, as without a feed.
 */
export function withoutEntryText(xml: string): string {
  const open = new RegExp(ENTRY_TEXT.source, 'g');
  let out = '';
  let kept = 0;
  for (let match = open.exec(xml); match !== null; match = open.exec(xml)) {
    const tagEnd = xml.indexOf('>', match.index);
    if (tagEnd === -1) break;
    let end = tagEnd + 1;
    if (xml[tagEnd - 1] !== '/') {
      const close = xml.indexOf(`</${match[1]}>`, end);
      if (close === -1) break;
      end = close + match[1]!.length + 3;
    }
    out += xml.slice(kept, match.index);
    kept = end;
    open.lastIndex = end;
  }
  return out + xml.slice(kept);
}

/** The feed's file in the folder: the URL's path under the site's base path, when it is a file there. */
function feedFile(url: URL, basePath: string, files: SiteFiles): string | null {
  const path = relativePath(url.pathname, basePath);
  if (path === null) return null;
  for (const candidate of path === '' || path.endsWith('/') ? [`${path}index.xml`, `${path}index.json`] : [path]) {
    if (files.isFile(candidate)) return candidate;
  }
  return null;
}

function entryKey(raw: string, origins: ReadonlySet<string>, basePath: string): string | null {
  const url = parseHttp(raw);
  if (url === null || !origins.has(url.origin)) return null;
  const path = relativePath(url.pathname, basePath);
  return path === null ? null : pageKey(path);
}

/** A URL path relative to the site's base path, percent-decoded like the built files' names; null when outside it. */
function relativePath(pathname: string, basePath: string): string | null {
  if (!pathname.startsWith(basePath)) return pathname === basePath.replace(/\/$/, '') ? '' : null;
  try {
    return decodeURIComponent(pathname.slice(basePath.length));
  } catch {
    return null;
  }
}

/** Whether the built site has a page for this key (the file names a generator writes for that URL). */
function isPage(key: string, files: SiteFiles): boolean {
  return [`${key}/index.html`, `${key}.html`, `${key}/index.htm`, `${key}.htm`].some((file) => files.isFile(file));
}

/** The home page's text, for its feed links: index.html, else index.htm; null when there is none. */
export function homeText(files: SiteFiles): string | null {
  for (const name of ['index.html', 'index.htm']) {
    try {
      if (files.isFile(name)) return files.read(name);
    } catch {
      // Not readable: no feed evidence, as without a home page.
    }
  }
  return null;
}

/** The built folder on disk. Files over MAX_FEED_BYTES read as null. */
export function folderFiles(root: string): SiteFiles {
  return {
    isFile(file) {
      try {
        return statSync(join(root, file)).isFile();
      } catch {
        return false;
      }
    },
    read(file) {
      const fd = openSync(join(root, file), 'r');
      try {
        const size = fstatSync(fd).size;
        if (size > MAX_FEED_BYTES) return null;
        const bytes = Buffer.allocUnsafe(size);
        let read = 0;
        while (read < size) {
          const n = readSync(fd, bytes, read, size - read, read);
          if (n === 0) break;
          read += n;
        }
        return bytes.toString('utf8', 0, read);
      } finally {
        closeSync(fd);
      }
    },
  };
}
