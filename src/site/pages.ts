// The site scan for pages a generator hands over in memory (Eleventy's `eleventy.after` results): the same
// reading as scanSite (./scan.ts), without reading the output folder a second time. The hash is of the page's
// UTF-8 bytes, which is what the generator wrote, so the state's "unchanged" check works across the CLI and
// the plugins.

import { createPageReader } from './page.ts';
import type { PageFacts } from './page.ts';
import type { Hints } from './regions.ts';
import { contextFromHome, pageFromFacts, readHints, readHome, siteBaseOf } from './scan.ts';
import type { ScanOptions, ScannedPage, SiteOptions } from './types.ts';
import { sha256 } from './hash.ts';
import { feedRule, folderFiles, homeText, siteFeedEvidence, type SiteFiles } from './site-feed.ts';

/** One built page: its path inside the output folder (POSIX separators) and the HTML written there. */
export interface PageSource {
  file: string;
  content: string;
}

const HTML = /\.html?$/i;
const HOME = ['index.html', 'index.htm'];

/**
 * Yields one ScannedPage per HTML page, in the order scanSite would (sorted paths). `root` is the output folder:
 * it is read only for the home page, the site's feed and the pages the feed lists, when the pages do not include
 * them (an incremental build).
 */
export async function* scanPages(pages: readonly PageSource[], root: string, options: SiteOptions, scan: ScanOptions = {}): AsyncGenerator<ScannedPage> {
  const hints = readHints(options);
  const base = siteBaseOf(options);
  const warn = (file: string, message: string) => scan.onWarning?.({ file, message });
  const html = pages
    .map((page) => ({ file: normalise(page.file), content: page.content }))
    .filter((page) => page.file !== '' && HTML.test(page.file))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  const givenHome = HOME.map((name) => html.find((page) => page.file === name)).find((page) => page !== undefined);
  const home = givenHome ? parse(givenHome.content, hints) : await readHome(root, hints);
  const site = contextFromHome(home, options, base);
  // The feed (feed.xml is one of Eleventy's results) and the pages it lists: from the pages given, else the folder.
  const given = new Map(pages.map((page) => [normalise(page.file), page.content]));
  const folder = folderFiles(root);
  const files: SiteFiles = {
    read: (file) => given.get(file) ?? folder.read(file),
    isFile: (file) => given.has(file) || folder.isFile(file),
  };
  const homeHtml = givenHome?.content ?? homeText(folder);
  const feed = feedRule(await siteFeedEvidence(homeHtml, site.siteBase ?? site.homeBase, files, warn));

  for (const page of html) {
    const hash = sha256(page.content);
    if (scan.skip?.(page.file, hash)) {
      yield { kind: 'unchanged', file: page.file, hash };
      continue;
    }
    yield pageFromFacts(parse(page.content, hints), page.file, hash, site, hints, options, warn, feed);
  }
}

function parse(content: string, hints: Hints): PageFacts {
  const reader = createPageReader(hints);
  reader.write(content.replace(/^\uFEFF/, ''));
  return reader.end();
}

/** "./x/../a\\b.html" -> "a/b.html"; a path leaving the folder -> "" (not one of the site's pages). */
function normalise(file: string): string {
  const parts: string[] = [];
  for (const part of file.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.pop() === undefined) return '';
      continue;
    }
    parts.push(part);
  }
  return parts.join('/');
}
