// The site scan: walks the built folder and yields one ScannedPage per HTML file. I/O lives here;
// every decision is made by the pure modules (classify, post, urls, charset). One bad file never
// stops the scan: it becomes an 'error' or 'other' page and, where useful, a warning.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { LinkbackError } from '../errors.ts';
import { SNIFF_BYTES, sniff } from './charset.ts';
import { classify } from './classify.ts';
import { decodePage } from './decode.ts';
import { mapOrdered } from './ordered.ts';
import type { PageFacts } from './page.ts';
import { createPageReader } from './page.ts';
import { PoolFailure, createParsePool, poolSize, toWorkerSetup } from './pool.ts';
import type { ParseJob, ParsePool } from './pool.ts';
import { postPage, type SiteContext } from './post.ts';
import { InvalidEncodingError, hashFile, streamText, wholeFileReader } from './read.ts';
import type { ReadWhole } from './read.ts';
import type { Hints } from './regions.ts';
import { SelectorError, parseSelector } from './selector.ts';
import { feedRule, folderFiles, homeText, siteFeedEvidence, type FeedRule } from './site-feed.ts';
import type { ScanOptions, ScannedPage, SiteOptions, SiteWarning } from './types.ts';
import { baseFromHomeUrl, siteBase } from './urls.ts';
import { errorCode, walkHtmlFiles } from './walk.ts';

export type Warn = (file: string, message: string) => void;

/**
 * Sites with fewer pages than this are read without worker threads (when `workers` is not given): a small site
 * never pays for them. Decided from the walk, before the first page is read (scanSite). (Tried at 50, when it still
 * counted pages read: the 100-post send of bench/cold.ts, about 150 pages, then started a worker and spent 0.5 s
 * more CPU in all.)
 */
const POOL_AFTER_FILES = 200;
/** Pages in progress at once without workers. */
const READ_AHEAD = 8;
/** With workers: enough that none waits while the next page in order is still being parsed elsewhere (> WORKER_BACKLOG). */
const PAGES_PER_WORKER = 48;
/**
 * The calling thread parses a page itself when the workers already have this many each, answers not yet taken.
 * `workers: n` is n threads parsing: this one and n - 1 workers. The calling thread has the walk, reads and
 * hashes besides, so it parses what the workers cannot take. On 2 cores, 2 workers beside a busy calling thread
 * were 3 threads for 2 cores (bench/scan.ts, 10,000 posts: 13-16 s CPU, 7-9 s); 1 worker and the calling thread:
 * 11-12 s CPU, 5.6-6 s, both threads 98% busy. At 4 pages the worker idled 20% of a bare scan. In a whole `send`
 * the caller's own work on each page (planning its pairs, events, rows) runs on this thread between pages too:
 * with 8 the worker ran dry during it and this thread parsed 1,100-1,300 of the 3,382 pages of bench/dry.ts
 * (2.7-2.9 s of its CPU); with 32, 810-940 (2.4-2.55 s). (On a machine loaded 8 times over: the calling thread
 * parses what a descheduled worker cannot take, which is the point.)
 */
const WORKER_BACKLOG = 32;
/**
 * A worker still loading (about 0.1 s, more on a busy machine) is given only this many pages, a first batch to
 * start on; the calling thread parses the others meanwhile. With WORKER_BACKLOG pages waiting for a worker that
 * had not loaded yet, this thread parsed the rest of the read-ahead window and then waited, idle, for the first of
 * them to come back.
 */
const WORKER_STARTING = 4;

/** A file name from the walk, with the walk's warnings that come out just before its page. */
interface Walked {
  file: string;
  warnings: SiteWarning[];
}

export async function* scanSite(root: string, options: SiteOptions, scan: ScanOptions = {}): AsyncGenerator<ScannedPage> {
  const hints = readHints(options);
  const base = siteBaseOf(options);
  await assertFolder(root);
  const site = await siteContext(root, options, base, hints);
  // Before the walk: every page is classified as it streams past, and the feed decides some of them.
  const folder = folderFiles(root);
  const evidence = await siteFeedEvidence(homeText(folder), site.siteBase ?? site.homeBase, folder, (file, message) => scan.onWarning?.({ file, message }));
  const feed = feedRule(evidence);

  const workers = poolSize(scan.workers);
  // Held in an object: it is set from inside the steps, and TypeScript's narrowing would forget that.
  const threads: { pool: ParsePool | null } = { pool: null };
  const startPool = (): void => {
    if (threads.pool === null && workers > 1) threads.pool = createParsePool(workers - 1, toWorkerSetup(options, site, evidence));
  };
  if (scan.workers !== undefined) startPool();
  // Several pages are in progress at once, so each one's warnings wait with it and come out just before it;
  // the walk's own warnings go with the file walked next. The order is the one of a page-by-page scan.
  let walkWarnings: SiteWarning[] = [];
  const walk = walkHtmlFiles(root, (file, message) => walkWarnings.push({ file, message }));
  async function* walked(): AsyncGenerator<Walked> {
    for await (const file of walk) {
      const warnings = walkWarnings;
      walkWarnings = [];
      yield { file, warnings };
    }
  }
  // The first POOL_AFTER_FILES names are walked before any page is read: past them the site is big enough for
  // worker threads, which then load while this thread reads the first pages (they started only once 200 pages
  // had been read, so the first 200 were parsed here alone). Listing them first costs only the walk, done anyway.
  const ahead = walked();
  const first: Walked[] = [];
  while (first.length < POOL_AFTER_FILES) {
    const next = await ahead.next();
    if (next.done === true) break;
    first.push(next.value);
  }
  if (first.length >= POOL_AFTER_FILES) startPool();
  async function* files(): AsyncGenerator<Walked> {
    yield* first.splice(0);
    yield* ahead;
  }
  const readWhole = wholeFileReader();
  const step = async ({ file, warnings }: Walked) => {
    const warn: Warn = (file, message) => warnings.push({ file, message });
    let page: ScannedPage;
    try {
      page = await scanFile(readWhole, root, file, site, feed, hints, options, scan, warn, threads.pool?.healthy ? threads.pool : null);
    } catch (error) {
      // Unexpected: an I/O failure mid-read (or a bug). The page fails, the scan goes on.
      page = { kind: 'error', file, reason: `could not read: ${errorCode(error)}` };
    }
    return { page, warnings };
  };

  try {
    for await (const { page, warnings } of mapOrdered(files(), () => (threads.pool ? workers * PAGES_PER_WORKER : READ_AHEAD), step)) {
      for (const warning of warnings) scan.onWarning?.(warning);
      yield page;
    }
    for (const warning of walkWarnings) scan.onWarning?.(warning);
  } finally {
    await threads.pool?.close();
  }
}

async function scanFile(
  readWhole: ReadWhole,
  root: string,
  file: string,
  site: SiteContext,
  feed: FeedRule | null,
  hints: Hints,
  options: SiteOptions,
  scan: ScanOptions,
  warn: Warn,
  pool: ParsePool | null,
): Promise<ScannedPage> {
  const path = join(root, file);
  // The bytes are the reader's buffer, read again for the next page: they are used (or copied) before any await.
  let whole;
  try {
    whole = readWhole(path);
  } catch (error) {
    const reason = `not readable (${errorCode(error)})`;
    warn(file, reason);
    return { kind: 'error', file, reason };
  }
  if (whole === null) return scanStreamed(path, file, site, feed, hints, options, scan, warn);
  const { bytes, hash } = whole;
  if (scan.skip?.(file, hash)) return { kind: 'unchanged', file, hash };

  const sniffed = sniff(bytes.subarray(0, SNIFF_BYTES));
  if (sniffed.kind === 'binary') {
    warn(file, `not HTML (${sniffed.what}): skipped`);
    return { kind: 'other', file, hash, reason: `not HTML (${sniffed.what})` };
  }
  const job: ParseJob = { file, hash, encoding: sniffed.encoding, declared: sniffed.declared, bytes };
  if (pool !== null && pool.backlog < WORKER_BACKLOG * pool.ready + WORKER_STARTING * (pool.size - pool.ready)) {
    // A copy of its own: the page waits for the worker (and for this thread, should the worker die).
    job.bytes = new Uint8Array(bytes);
    try {
      const parsed = await pool.parse(job);
      for (const warning of parsed.warnings) warn(warning.file, warning.message);
      return parsed.page;
    } catch (error) {
      if (!(error instanceof PoolFailure)) throw error;
      // The worker died: this page (and the rest of the scan) is read here instead.
    }
  }
  return pageFromBytes(job, site, hints, options, warn, feed);
}

/** One page read whole, to a ScannedPage: the same on the calling thread and in a parse worker (./worker.ts). */
export function pageFromBytes(job: ParseJob, site: SiteContext, hints: Hints, options: SiteOptions, warn: Warn, feed: FeedRule | null = null): ScannedPage {
  const decoded = decodePage(job.bytes, job.encoding, job.declared);
  if (decoded.warning !== null) warn(job.file, decoded.warning);
  const reader = createPageReader(hints);
  if (decoded.text !== '') reader.write(decoded.text);
  return pageFromFacts(reader.end(), job.file, job.hash, site, hints, options, warn, feed);
}

/** A page over WHOLE_FILE_LIMIT: hashed in one streamed pass, parsed in a second. */
async function scanStreamed(
  path: string,
  file: string,
  site: SiteContext,
  feed: FeedRule | null,
  hints: Hints,
  options: SiteOptions,
  scan: ScanOptions,
  warn: Warn,
): Promise<ScannedPage> {
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
  return pageFromFacts(read.facts, file, hash, site, hints, options, warn, feed);
}

/**
 * Classifies one parsed page and, for a post, builds it. Shared by scanSite and scanPages (./pages.ts: pages a
 * generator hands over in memory), so both read a page the same way. `feed`: what the site's feed says (./site-feed.ts).
 */
export function pageFromFacts(
  facts: PageFacts,
  file: string,
  hash: string,
  site: SiteContext,
  hints: Hints,
  options: SiteOptions,
  warn: Warn,
  feed: FeedRule | null = null,
): ScannedPage {
  if (facts.stopped !== null) warn(file, facts.stopped);

  const verdict = classify(facts, file, {
    includeUndated: options.includeUndated ?? false,
    postSelector: hints.postSelector !== null,
    feed,
  });
  if (verdict.kind !== 'post') {
    const undated = verdict.kind === 'other' && verdict.reason === UNDATED_REASON && articleLike(facts);
    return { kind: verdict.kind, file, hash, reason: verdict.reason, ...(undated ? { undated } : {}) };
  }
  if (hints.contentSelector !== null && facts.regions.contentSelector.present === 0) {
    warn(file, 'contentSelector matched nothing: links taken from the detected content');
  }
  return postPage(facts, file, hash, verdict.published, site, warn);
}

/** classify()'s reason for a page left out only because it has no date. */
const UNDATED_REASON = 'no publication date';

/**
 * Looks like one article (one <article>, h-entry, content container or postSelector match, with an h1 or
 * og:type=article): a theme's post without a machine-readable date, or an About page. Counted for the summary's
 * hint, so that a site whose posts have no date does not read as "0 posts" without a word.
 */
function articleLike(facts: PageFacts): boolean {
  const c = facts.counts;
  const single = c.articles === 1 || c.hEntries === 1 || c.postSelector === 1 || c.schemaArticles === 1 || facts.regions.content.present > 0;
  return single && (facts.h1 !== null || facts.meta.ogType === 'article');
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
  return contextFromHome(await readHome(root, hints), options, base);
}

export function contextFromHome(home: PageFacts | null, options: SiteOptions, base: URL | null): SiteContext {
  const homeUrl = home?.meta.canonical || home?.meta.ogUrl || null;
  return {
    siteBase: base,
    homeBase: base === null && homeUrl !== null ? baseFromHomeUrl(homeUrl) : null,
    blogName: options.blogName,
    homeTitle: home?.title ?? null,
    homeDescription: home?.meta.description ?? home?.meta.ogDescription ?? null,
  };
}

export async function readHome(root: string, hints: Hints): Promise<PageFacts | null> {
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

export function readHints(options: SiteOptions): Hints {
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

export function siteBaseOf(options: SiteOptions): URL | null {
  const base = options.siteUrl === null ? null : siteBase(options.siteUrl);
  if (options.siteUrl !== null && base === null) {
    throw new LinkbackError('USAGE', `site URL must be an absolute http(s) URL: ${options.siteUrl}`);
  }
  return base;
}

async function assertFolder(root: string): Promise<void> {
  try {
    if ((await stat(root)).isDirectory()) return;
  } catch (error) {
    throw new LinkbackError('SITE_NOT_FOUND', `site folder not found: ${root}`, { cause: error });
  }
  throw new LinkbackError('SITE_NOT_FOUND', `not a folder: ${root}`);
}
