// The site scan: walks the built folder and yields one ScannedPage per HTML file. I/O lives here;
// every decision is made by the pure modules (classify, post, urls, charset). One bad file never
// stops the scan: it becomes an 'error' or 'other' page and, where useful, a warning.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LinkbackError } from '../errors.ts';
import { sniff } from './charset.ts';
import { classify } from './classify.ts';
import type { PageFacts } from './page.ts';
import { createPageReader } from './page.ts';
import { buildPost, type SiteContext } from './post.ts';
import { InvalidEncodingError, hashFile, streamText } from './read.ts';
import type { Hints } from './regions.ts';
import { SelectorError, parseSelector } from './selector.ts';
import type { ScanOptions, ScannedPage, SiteOptions } from './types.ts';
import { baseFromHomeUrl, siteBase } from './urls.ts';
import { errorCode, walkHtmlFiles } from './walk.ts';

type Warn = (file: string, message: string) => void;

export async function* scanSite(root: string, options: SiteOptions, scan: ScanOptions = {}): AsyncGenerator<ScannedPage> {
  const hints = readHints(options);
  const base = options.siteUrl === null ? null : siteBase(options.siteUrl);
  if (options.siteUrl !== null && base === null) {
    throw new LinkbackError('USAGE', `site URL must be an absolute http(s) URL: ${options.siteUrl}`);
  }
  await assertFolder(root);
  const warn: Warn = (file, message) => scan.onWarning?.({ file, message });
  const site = await siteContext(root, options, base, hints);

  for await (const file of walkHtmlFiles(root, warn)) {
    let page: ScannedPage;
    try {
      page = await scanFile(root, file, site, hints, options, scan, warn);
    } catch (error) {
      // Unexpected: an I/O failure mid-read (or a bug). The page fails, the scan goes on.
      page = { kind: 'error', file, reason: `could not read: ${errorCode(error)}` };
    }
    yield page;
  }
}

async function scanFile(
  root: string,
  file: string,
  site: SiteContext,
  hints: Hints,
  options: SiteOptions,
  scan: ScanOptions,
  warn: Warn,
): Promise<ScannedPage> {
  const path = join(root, file);
  let first;
  try {
    first = await hashFile(path);
  } catch (error) {
    const reason = `not readable (${errorCode(error)})`;
    warn(file, reason);
    return { kind: 'error', file, reason };
  }
  const { hash } = first;
  if (scan.skip?.(file, hash)) return { kind: 'unchanged', file, hash };

  const sniffed = sniff(first.head);
  if (sniffed.kind === 'binary') {
    warn(file, `not HTML (${sniffed.what}): skipped`);
    return { kind: 'other', file, hash, reason: `not HTML (${sniffed.what})` };
  }
  const read = await readFacts(path, sniffed.encoding, sniffed.declared, hints, file, warn);
  if (read.hash !== hash) return { kind: 'error', file, reason: 'file changed while being read' };
  const { facts } = read;
  if (facts.stopped !== null) warn(file, facts.stopped);

  const verdict = classify(facts, file, {
    includeUndated: options.includeUndated ?? false,
    postSelector: hints.postSelector !== null,
  });
  if (verdict.kind !== 'post') return { kind: verdict.kind, file, hash, reason: verdict.reason };
  if (hints.contentSelector !== null && facts.regions.contentSelector.present === 0) {
    warn(file, 'contentSelector matched nothing: links taken from the detected content');
  }
  const built = buildPost(facts, file, hash, verdict.published, site);
  if ('error' in built) return { kind: 'error', file, reason: built.error };
  for (const message of built.warnings) warn(file, message);
  return { kind: 'post', file, hash, post: built.post };
}

/**
 * Decodes as sniffed. Without a declared charset UTF-8 is tried strictly and, when the bytes are
 * not UTF-8, the page is read again as windows-1252 (what browsers assume for legacy pages).
 */
async function readFacts(
  path: string,
  encoding: string,
  declared: boolean,
  hints: Hints,
  file: string,
  warn: Warn,
): Promise<{ facts: PageFacts; hash: string }> {
  if (!declared) {
    const reader = createPageReader(hints);
    try {
      const hash = await streamText(path, 'utf-8', true, (t) => reader.write(t));
      return { facts: reader.end(), hash };
    } catch (error) {
      if (!(error instanceof InvalidEncodingError)) throw error;
      warn(file, 'not valid UTF-8 and no charset declared: read as windows-1252');
      encoding = 'windows-1252';
    }
  }
  const reader = createPageReader(hints);
  const hash = await streamText(path, encoding, false, (t) => reader.write(t));
  return { facts: reader.end(), hash };
}

/** What the home page (root index.html) says about the whole site; read before anything else. */
async function siteContext(root: string, options: SiteOptions, base: URL | null, hints: Hints): Promise<SiteContext> {
  const home = await readHome(root, hints);
  const homeUrl = home?.meta.canonical || home?.meta.ogUrl || null;
  return {
    siteBase: base,
    homeBase: base === null && homeUrl !== null ? baseFromHomeUrl(homeUrl) : null,
    blogName: options.blogName,
    homeTitle: home?.title ?? null,
    homeDescription: home?.meta.description ?? home?.meta.ogDescription ?? null,
  };
}

async function readHome(root: string, hints: Hints): Promise<PageFacts | null> {
  for (const name of ['index.html', 'index.htm']) {
    const path = join(root, name);
    try {
      const first = await hashFile(path);
      const sniffed = sniff(first.head);
      if (sniffed.kind === 'binary') return null;
      return (await readFacts(path, sniffed.encoding, sniffed.declared, hints, name, () => {})).facts;
    } catch {
      // No home page (or not readable): the site's name and URL must come from elsewhere.
    }
  }
  return null;
}

function readHints(options: SiteOptions): Hints {
  const parse = (name: string, value: string | undefined) => {
    if (value === undefined || value.trim() === '') return null;
    try {
      return parseSelector(value);
    } catch (error) {
      if (error instanceof SelectorError) throw new LinkbackError('USAGE', `${name}: ${error.message}`);
      throw error;
    }
  };
  return {
    postSelector: parse('postSelector', options.postSelector),
    contentSelector: parse('contentSelector', options.contentSelector),
  };
}

async function assertFolder(root: string): Promise<void> {
  try {
    if ((await stat(root)).isDirectory()) return;
  } catch (error) {
    throw new LinkbackError('SITE_NOT_FOUND', `site folder not found: ${root}`, { cause: error });
  }
  throw new LinkbackError('SITE_NOT_FOUND', `not a folder: ${root}`);
}
