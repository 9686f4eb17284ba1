// Step 1, read the posts: open the input (the site folder, the pages a plugin hands over, a feed or a sitemap)
// and sort what it yields: which pages are posts this run handles, and why the others are not (events and
// counts). Posts stream: nothing here holds more than one page.
import { stat } from 'node:fs/promises';
import type { Post } from '../types.ts';
import { LinkbackError } from '../errors.ts';
import type { Options } from '../options.ts';
import { scanSite } from '../site/index.ts';
import type { ScanOptions, ScannedPage, SiteOptions, SiteWarning } from '../site/index.ts';
import { scanPages } from '../site/pages.ts';
import type { PageSource } from '../site/pages.ts';
import { chooseInput, feedInput, sitemapInput } from '../input/index.ts';
import type { PostInput } from '../input/index.ts';
import type { Validators } from '../input/conditional.ts';
import type { NetContext } from '../net/attempt.ts';
import type { Scope } from '../scope.ts';
import type { Departures } from '../lifecycle/left.ts';
import { sinceVerdict } from '../lifecycle/since.ts';
import type { LinkbackEvent, Summary } from './types.ts';

/** Checked before the state is opened: a typo in the folder name must not take the lock or create a state. */
export async function assertSiteFolder(site: string): Promise<void> {
  const info = await stat(site).catch((cause: unknown) => {
    throw new LinkbackError('SITE_NOT_FOUND', `site folder not found: ${site}`, { cause });
  });
  if (!info.isDirectory()) throw new LinkbackError('SITE_NOT_FOUND', `not a folder: ${site}`);
}

export interface OpenPosts {
  net: NetContext;
  /** The pages a generator plugin already holds (SendDeps.pages), read instead of the site folder. */
  pages: readonly PageSource[] | undefined;
  /** A file whose bytes say nothing is left to do for it (plan.ts unchangedAndSettled): not parsed. */
  skip: ((file: string, hash: string) => boolean) | undefined;
  onWarning: (warning: SiteWarning) => void;
  /** The last read's ETag / Last-Modified of a remote feed or sitemap (run/extras.ts): the GET is conditional. */
  known?: Validators | null;
}

/** The posts of this run: the site folder (or the pages a plugin hands over), a feed, or a sitemap. */
export async function openPosts(options: Options, open: OpenPosts): Promise<PostInput> {
  const site: SiteOptions = {
    siteUrl: options.siteUrl,
    blogName: options.blogName,
    includeUndated: options.includeUndated,
    ...(options.postSelector ? { postSelector: options.postSelector } : {}),
    ...(options.contentSelector ? { contentSelector: options.contentSelector } : {}),
  };
  const scan: ScanOptions = {
    skip: open.skip,
    ...(options.workers !== null ? { workers: options.workers } : {}),
    onWarning: open.onWarning,
  };
  const ctx = { net: open.net, site, scan, window: options.concurrency, known: open.known ?? null };
  const choice = chooseInput(options);
  switch (choice.kind) {
    case 'feed':
      return feedInput(choice.location, ctx);
    case 'sitemap':
      return sitemapInput(choice.location, ctx);
    case 'site':
      // Pages from a plugin may be an incremental build's: a post missing there has not left the site.
      return open.pages
        ? { complete: false, pages: scanPages(open.pages, choice.location, ctx.site, ctx.scan) }
        : { complete: true, pages: scanSite(choice.location, ctx.site, ctx.scan) };
  }
}

export interface PostFilter {
  /** The post of this page when this run handles it; else null, and the page's event says why. */
  postOf(page: ScannedPage): Post | null;
  /** Once every page was read: the fatal NO_SITE_URL when a page had no public URL, else null. */
  noSiteUrl(): LinkbackError | null;
}

export interface Sorting {
  options: Pick<Options, 'since'>;
  summary: Summary;
  emit: (event: LinkbackEvent) => void;
  /** includePaths / excludePaths (scope.source). */
  scope: Pick<Scope, 'source'>;
  /** Told of every file and post URL seen, to find the posts that left the site (lifecycle/left.ts). */
  departures: Pick<Departures, 'sawFile' | 'sawUrl'>;
}

export function createPostFilter({ options, summary, emit, scope, departures }: Sorting): PostFilter {
  let noUrl: string | null = null;
  return {
    postOf(page) {
      summary.pages++;
      departures.sawFile(page.file);
      if (page.kind === 'unchanged') {
        summary.unchangedPosts++;
        emit({ type: 'page', file: page.file, kind: 'unchanged', reason: 'unchanged since the last run' });
        return null;
      }
      if (page.kind !== 'post') {
        emit({ type: 'page', file: page.file, kind: page.kind, reason: page.reason });
        if (page.kind === 'error' && page.code === 'no-url') noUrl ??= page.file;
        if (page.kind === 'other' && page.undated) {
          summary.undatedPages++;
          summary.undatedExample ??= page.file;
        }
        return null;
      }
      // One page without a URL fails the run (below); the posts after it are not worth handling.
      if (noUrl) return null;
      const post = page.post;
      departures.sawUrl(post.url);
      if (!scope.source(page.file)) {
        emit({ type: 'page', file: page.file, kind: 'other', reason: 'left out by includePaths / excludePaths' });
        return null;
      }
      summary.posts++;
      if (options.since !== null) {
        const verdict = sinceVerdict(post.published, options.since);
        if (verdict !== 'in') {
          summary[verdict === 'before' ? 'beforeSince' : 'undated']++;
          const reason = verdict === 'before' ? `published ${post.published} (before since ${options.since}): left out` : 'no publication date: left out by since (never guessed)';
          emit({ type: 'page', file: page.file, kind: 'post', reason });
          emit({ type: 'filtered', post, reason: verdict === 'before' ? 'before-since' : 'undated' });
          return null;
        }
      }
      return post;
    },
    noSiteUrl() {
      return noUrl === null ? null
        : new LinkbackError('NO_SITE_URL', `cannot work out the public URL of ${noUrl}: it has no canonical or og:url; pass --site-url`);
    },
  };
}
