// What an element means for finding a post and its links, decided from the element alone plus a
// little context. Two kinds of "not content":
//  - chrome: the site's furniture (site header/footer, nav, sidebars, share buttons, pagination,
//    comments). Nothing inside counts: no links, no dates, no entries, no title.
//  - noise: chrome, plus parts of the post that are not its text: the article's own header and
//    footer, tag/category lists and meta lines. Dates and the title still count there (that is
//    where themes put them); links do not — they are to tag pages, not citations.

import { classTokens, matches, type Selector } from './selector.ts';

export const Role = {
  CHROME: 1 << 0,
  NOISE: 1 << 1,
  ARTICLE: 1 << 2, // <article>
  POST_SELECTOR: 1 << 3, // matches --post-selector
  HENTRY: 1 << 4, // microformats2 h-entry (or classic hentry)
  SCHEMA_ARTICLE: 1 << 5, // itemscope itemtype=schema.org/BlogPosting and friends
  CONTENT: 1 << 6, // a theme's explicit content container (.e-content, .post-content, ...)
  CONTENT_SELECTOR: 1 << 7, // matches --content-selector
  MAIN: 1 << 8, // <main>, role=main
  HEAD: 1 << 9,
  QUOTE: 1 << 10, // blockquote/figure: a <footer> inside is the quote's attribution, i.e. content
  SVG: 1 << 11,
  LISTING: 1 << 12, // a post list (minima ul.post-list, Eleventy ol.postlist, PaperMod .post-entry)
} as const;

const CHROME_TAGS = new Set(['nav', 'aside']);
const CHROME_ROLES = new Set(['navigation', 'banner', 'contentinfo', 'complementary', 'search']);
// Site furniture by class, as seen in minima, PaperMod, the Eleventy base blog and common themes.
const CHROME_CLASSES = new Set([
  'site-header', 'site-footer', 'site-nav', 'sidebar', 'widget',
  'breadcrumb', 'breadcrumbs',
  'share', 'sharing', 'share-buttons', 'share-links', 'social-share', 'social-media-list',
  'pagination', 'pager', 'paginav', 'post-nav', 'post-navigation', 'nav-links', 'links-nextprev',
  'comment', 'comments', 'comment-list', 'comments-area', 'webmentions',
  'related', 'related-posts',
]);
const CHROME_IDS = new Set(['comments', 'disqus_thread', 'respond', 'webmentions', 'sidebar', 'breadcrumbs']);
// Parts of a post that hold no citations.
const NOISE_CLASSES = new Set([
  'tags', 'tag', 'post-tag', 'post-tags', 'tag-list', 'tag-links',
  'categories', 'post-categories', 'category-list', 'taxonomy',
  'post-meta', 'post-metadata', 'entry-meta', 'article-meta',
]);
export const CONTENT_CLASSES = new Set([
  'e-content', 'post-content', 'entry-content', 'article-content', 'post-body',
]);
const LISTING_CLASSES = new Set([
  'post-list', 'postlist', 'post-entry', 'posts-list', 'post-listing',
  'archive-list', 'article-list', 'terms-tags', 'tag-cloud',
]);
const SCHEMA_ARTICLE = /^https?:\/\/schema\.org\/(\w*Article|BlogPosting|SocialMediaPosting|LiveBlogPosting)$/i;

export interface Context {
  /** Inside an article, h-entry, content container or <main>: a header/footer there is the post's own. */
  inPost: boolean;
  /** Inside blockquote/figure. */
  inQuote: boolean;
}

export interface Hints {
  postSelector: Selector | null;
  contentSelector: Selector | null;
}

export function rolesOf(tag: string, attribs: Record<string, string>, ctx: Context, hints: Hints): number {
  let roles = 0;
  const classes = classTokens(attribs);
  const role = attribs.role?.trim().toLowerCase();

  if (tag === 'head') roles |= Role.HEAD;
  if (tag === 'svg') roles |= Role.SVG;
  if (tag === 'blockquote' || tag === 'figure') roles |= Role.QUOTE;
  if (tag === 'main' || role === 'main') roles |= Role.MAIN;
  if (tag === 'article') roles |= Role.ARTICLE;
  if (hints.postSelector && matches(hints.postSelector, tag, attribs)) roles |= Role.POST_SELECTOR;
  if (hints.contentSelector && matches(hints.contentSelector, tag, attribs)) roles |= Role.CONTENT_SELECTOR;
  if (classes.includes('h-entry') || classes.includes('hentry')) roles |= Role.HENTRY;
  if (attribs.itemscope !== undefined && SCHEMA_ARTICLE.test(attribs.itemtype?.trim() ?? '')) {
    roles |= Role.SCHEMA_ARTICLE;
  }
  if (classes.some((c) => CONTENT_CLASSES.has(c)) || attribs.itemprop?.split(/\s+/).includes('articleBody')) {
    roles |= Role.CONTENT;
  }
  if (classes.some((c) => LISTING_CLASSES.has(c))) roles |= Role.LISTING;

  const chrome =
    CHROME_TAGS.has(tag) ||
    (role !== undefined && CHROME_ROLES.has(role)) ||
    classes.some((c) => CHROME_CLASSES.has(c)) ||
    (attribs.id !== undefined && CHROME_IDS.has(attribs.id)) ||
    ((tag === 'header' || tag === 'footer') && !ctx.inPost && !ctx.inQuote);
  if (chrome) roles |= Role.CHROME | Role.NOISE;
  if ((tag === 'header' || tag === 'footer') && !ctx.inQuote) roles |= Role.NOISE;
  if (classes.some((c) => NOISE_CLASSES.has(c))) roles |= Role.NOISE;
  return roles;
}

/** rel values that mark a link as navigation or metadata rather than a citation. */
const SKIPPED_RELS = new Set(['tag', 'category', 'prev', 'next', 'bookmark', 'author', 'license']);

/** rel=nofollow/ugc/sponsored links are still citations (the author linked them): kept. */
export function isSkippedRel(rel: string | undefined): boolean {
  if (rel === undefined) return false;
  return rel.toLowerCase().split(/\s+/).some((r) => SKIPPED_RELS.has(r));
}
