// Public types of the site reader (re-exported from ./index.ts).
import type { Post } from '../types.ts';

export interface SiteOptions {
  /** Public base URL of the site; null -> taken from canonical / og:url. */
  siteUrl: string | null;
  /** Overrides og:site_name / the site title. */
  blogName: string | null;
  /** Treat undated single pages (About) as posts; default false. */
  includeUndated?: boolean;
  /**
   * Hints for themes the heuristics miss, in a small selector subset (see ./selector.ts):
   * `tag`, `.class`, `#id`, `[attr]`, `[attr=value]`, compounds of these (`div.post#main`),
   * and comma-separated lists. No combinators, no pseudo-classes.
   */
  postSelector?: string;
  contentSelector?: string;
}

export interface SiteWarning {
  file: string;
  message: string;
}

export type ScannedPage =
  | { kind: 'post'; file: string; hash: string; post: Post }
  | { kind: 'unchanged'; file: string; hash: string }
  /** undated: an article-like page (one article, an h1) left out only for want of a date (see includeUndated). */
  | { kind: 'listing' | 'other'; file: string; hash: string; reason: string; undated?: true }
  | { kind: 'error'; file: string; reason: string; code?: 'no-url' };

export interface ScanOptions {
  /** Called with each file's hash before it is parsed; true -> the page is yielded as 'unchanged'. */
  skip?: (file: string, hash: string) => boolean;
  onWarning?: (w: SiteWarning) => void;
  /**
   * Threads that parse pages. 1: the calling thread only. Default: one per core (at most 8), started once
   * the site proves big enough to pay for them (over 200 pages). Output and order are the same either way.
   */
  workers?: number;
}
