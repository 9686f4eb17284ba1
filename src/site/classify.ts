// Post, listing or other: a pure decision on the facts read from one page, with the reason
// spelled out for people ("2 <article> elements: listing", "single <article> + article:published_time").
//
// A post is a page holding ONE article AND a publication date. Listings (home, pagination,
// tag/category/archive pages) are recognised by several entries or by a theme's post-list markup.

import type { PageFacts } from './page.ts';
import { outsideFeed, type FeedRule } from './site-feed.ts';

export type Verdict =
  | { kind: 'post'; reason: string; published: string | null }
  | { kind: 'listing' | 'other'; reason: string };

export interface ClassifyOptions {
  includeUndated: boolean;
  /** A --post-selector was given: its matches stand in for <article>. */
  postSelector: boolean;
  /** What the site's feed says (./site-feed.ts): a dated look-alike outside it is not a post. */
  feed?: FeedRule | null;
}

const ERROR_FILE = /(^|\/)(40[0-9]|41[0-9]|50[0-9]|50x|error)(\.html?|\/index\.html?)$/i;
const ERROR_TITLE = /\b(404|not found|page not found|error)\b/i;

export function classify(facts: PageFacts, file: string, options: ClassifyOptions): Verdict {
  if (facts.meta.refresh) return { kind: 'other', reason: '<meta http-equiv=refresh>: a redirect (alias) page' };
  if (ERROR_FILE.test(file)) return { kind: 'other', reason: 'error page (file name)' };
  if (facts.meta.noindex && ERROR_TITLE.test(`${facts.title ?? ''} ${facts.h1 ?? ''}`)) {
    return { kind: 'other', reason: 'noindex error page' };
  }

  const listing = listingReason(facts, options);
  if (listing !== null) return { kind: 'listing', reason: listing };

  const structure = structureSignals(facts, options);
  const date = pickDate(facts);
  if (date === null) {
    if (options.includeUndated) {
      return { kind: 'post', reason: [...structure, 'no date (included: includeUndated)'].join(' + '), published: null };
    }
    return { kind: 'other', reason: 'no publication date' };
  }
  // After the page's own signs: the feed only ever takes a page out, and only a dated one (includeUndated asks
  // for undated pages such as About to be posts).
  const outside = options.feed ? outsideFeed(options.feed, file) : null;
  if (outside !== null) return { kind: 'other', reason: outside };
  return { kind: 'post', reason: [...structure, date.source].join(' + '), published: date.value };
}

/** Page-level metadata that says "this page is one article": trumps a theme's list markup. */
function saysArticle(facts: PageFacts): boolean {
  return facts.meta.ogType === 'article' || facts.meta.publishedTime !== null || facts.jsonLd.articleTypes.length > 0;
}

function listingReason(facts: PageFacts, options: ClassifyOptions): string | null {
  const c = facts.counts;
  if (options.postSelector && c.postSelector >= 2) return `${c.postSelector} elements match postSelector: listing`;
  if (!(options.postSelector && c.postSelector === 1)) {
    if (c.articles >= 2) return `${c.articles} <article> elements: listing`;
  }
  if (c.hEntries >= 2) return `${c.hEntries} h-entry elements: listing`;
  if (c.schemaArticles >= 2) return `${c.schemaArticles} schema.org article items: listing`;
  if (saysArticle(facts)) return null;
  if (c.listings > 0) return `post list (${facts.listingExample ?? 'list'}): listing`;
  const single = c.articles === 1 || c.hEntries === 1 || c.postSelector === 1 || facts.regions.content.present > 0;
  if (!single && c.datedListItems >= 2) return `${c.datedListItems} list items with <time>: listing`;
  return null;
}

function structureSignals(facts: PageFacts, options: ClassifyOptions): string[] {
  const c = facts.counts;
  const out: string[] = [];
  if (options.postSelector && c.postSelector === 1) out.push('postSelector match');
  else if (c.articles === 1) out.push('single <article>');
  else if (c.hEntries === 1) out.push('single h-entry');
  const jsonLdType = facts.jsonLd.articleTypes[0];
  if (facts.meta.ogType === 'article') out.push('og:type=article');
  else if (jsonLdType !== undefined) out.push(`JSON-LD ${jsonLdType}`);
  else if (c.schemaArticles === 1) out.push('schema.org itemtype');
  if (out.length === 0) out.push(facts.regions.main.present > 0 ? '<main>' : 'page body');
  return out;
}

export function pickDate(facts: PageFacts): { value: string; source: string } | null {
  const candidates: [string | null, string][] = [
    [facts.meta.publishedTime, 'article:published_time'],
    [facts.jsonLd.datePublished, 'JSON-LD datePublished'],
    [facts.dates.itemprop, 'itemprop=datePublished'],
    [facts.dates.dtPublished, 'dt-published'],
    [facts.dates.time, '<time datetime>'],
  ];
  for (const [value, source] of candidates) if (value !== null) return { value, source };
  return null;
}
