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
  NO_TEXT: 1 << 13, // script, style, template, noscript, title: no text a reader sees in the post
} as const;

/**
 * Inline (phrasing) elements: their edges do not separate words, so wrapping a word in a link or emphasis, or
 * taking the link away, leaves the content text as it was (./text-hash.ts). Every other element's edges do.
 */
export const INLINE_ELEMENTS: ReadonlySet<string> = new Set([
  'a', 'abbr', 'b', 'bdi', 'bdo', 'big', 'cite', 'code', 'data', 'del', 'dfn', 'em', 'font', 'i', 'ins', 'kbd', 'label',
  'mark', 'nobr', 'q', 's', 'samp', 'small', 'span', 'strike', 'strong', 'sub', 'sup', 'time', 'tt', 'u', 'var', 'wbr',
]);

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

export interface Hints {
  postSelector: Selector | null;
  contentSelector: Selector | null;
}

// Class token -> the roles it gives, so that an element's classes are looked at once, each with one lookup.
const CLASS_ROLES = new Map<string, number>();
const addClassRole = (names: Iterable<string>, role: number): void => {
  for (const name of names) CLASS_ROLES.set(name, (CLASS_ROLES.get(name) ?? 0) | role);
};
addClassRole(['h-entry', 'hentry'], Role.HENTRY);
addClassRole(CONTENT_CLASSES, Role.CONTENT);
addClassRole(LISTING_CLASSES, Role.LISTING);
addClassRole(CHROME_CLASSES, Role.CHROME | Role.NOISE);
addClassRole(NOISE_CLASSES, Role.NOISE);

/** What an element's class attribute says: its tokens, and the roles they give. */
export interface ClassInfo {
  tokens: readonly string[];
  roles: number;
  /** microformats2 dt-published is one of the tokens. */
  dtPublished: boolean;
}

const NO_CLASS: ClassInfo = { tokens: [], roles: 0, dtPublished: false };
// A theme writes the same few class values on every page ("post-link", a highlighter's "n", "o", "p"):
// splitting each once per scan instead of once per element. Bounded: cleared when full.
const classCache = new Map<string, ClassInfo>();
const CLASS_CACHE_SIZE = 10_000;

export function classInfo(value: string | undefined): ClassInfo {
  if (value === undefined || value === '') return NO_CLASS;
  let info = classCache.get(value);
  if (info === undefined) {
    const tokens = classTokens({ class: value });
    let roles = 0;
    for (const c of tokens) roles |= CLASS_ROLES.get(c) ?? 0;
    info = { tokens, roles, dtPublished: tokens.includes('dt-published') };
    if (classCache.size >= CLASS_CACHE_SIZE) classCache.clear();
    classCache.set(value, info);
  }
  return info;
}

/**
 * The attributes of an element that the reader looks at, first occurrence of each (as browsers keep it).
 * One record with fixed fields instead of htmlparser2's object of every attribute: that object costs an
 * allocation and a store per attribute, and reading it (a different shape on nearly every element) was a
 * slow, megamorphic lookup per field (see ./page.ts for the figures).
 */
export interface Attributes {
  class: string | undefined;
  id: string | undefined;
  role: string | undefined;
  href: string | undefined;
  rel: string | undefined;
  itemprop: string | undefined;
  itemscope: string | undefined;
  itemtype: string | undefined;
  content: string | undefined;
  name: string | undefined;
  property: string | undefined;
  httpEquiv: string | undefined;
  datetime: string | undefined;
  value: string | undefined;
  title: string | undefined;
  type: string | undefined;
  /** Only when there are selector hints: the attributes they name (and class and id), for matches(). */
  hinted: Record<string, string> | null;
}

/** Roles that make an element's header/footer the post's own rather than the site's. */
export const POST_ROLES = Role.ARTICLE | Role.HENTRY | Role.CONTENT | Role.MAIN | Role.POST_SELECTOR | Role.CONTENT_SELECTOR;

/**
 * `inside`: the roles of the open elements around this one (a mask of Role bits); only whether we are in
 * a post (POST_ROLES) or a quote matters here. `cls` is classInfo(attrs.class), for callers that have it.
 */
export function rolesOf(tag: string, attrs: Attributes, inside: number, hints: Hints, cls: ClassInfo = classInfo(attrs.class)): number {
  let roles = cls.roles;
  switch (tag) {
    case 'head':
      roles |= Role.HEAD;
      break;
    case 'svg':
      roles |= Role.SVG;
      break;
    case 'blockquote':
    case 'figure':
      roles |= Role.QUOTE;
      break;
    case 'main':
      roles |= Role.MAIN;
      break;
    case 'article':
      roles |= Role.ARTICLE;
      break;
    case 'script':
    case 'style':
    case 'template':
    case 'noscript':
    case 'title':
      roles |= Role.NO_TEXT;
      break;
    case 'nav':
    case 'aside':
      roles |= Role.CHROME | Role.NOISE;
      break;
    case 'header':
    case 'footer':
      // A site header/footer is chrome; inside a post it is the post's own (title, date, tags): noise only.
      // Inside a quote it is the quote's attribution, which is content.
      if ((inside & Role.QUOTE) === 0) roles |= (inside & POST_ROLES) !== 0 ? Role.NOISE : Role.CHROME | Role.NOISE;
      break;
  }
  const role = attrs.role;
  if (role !== undefined) {
    const name = role.trim().toLowerCase();
    if (name === 'main') roles |= Role.MAIN;
    if (CHROME_ROLES.has(name)) roles |= Role.CHROME | Role.NOISE;
  }
  if (attrs.hinted !== null) {
    if (hints.postSelector && matches(hints.postSelector, tag, attrs.hinted)) roles |= Role.POST_SELECTOR;
    if (hints.contentSelector && matches(hints.contentSelector, tag, attrs.hinted)) roles |= Role.CONTENT_SELECTOR;
  }
  if (attrs.itemscope !== undefined && SCHEMA_ARTICLE.test(attrs.itemtype?.trim() ?? '')) {
    roles |= Role.SCHEMA_ARTICLE;
  }
  if (attrs.itemprop !== undefined && attrs.itemprop.split(/\s+/).includes('articleBody')) roles |= Role.CONTENT;
  if (attrs.id !== undefined && CHROME_IDS.has(attrs.id)) roles |= Role.CHROME | Role.NOISE;
  return roles;
}

/** The attribute names the selector hints look at (class and id always), or null without hints. */
export function hintedNames(hints: Hints): Set<string> | null {
  if (hints.postSelector === null && hints.contentSelector === null) return null;
  const names = new Set(['class', 'id']);
  for (const compound of [...(hints.postSelector ?? []), ...(hints.contentSelector ?? [])]) {
    for (const a of compound.attrs) names.add(a.name);
  }
  return names;
}

/** rel values that mark a link as navigation or metadata rather than a citation. */
const SKIPPED_RELS = new Set(['tag', 'category', 'prev', 'next', 'bookmark', 'author', 'license']);

/** rel=nofollow/ugc/sponsored links are still citations (the author linked them): kept. */
export function isSkippedRel(rel: string | undefined): boolean {
  if (rel === undefined) return false;
  return rel.toLowerCase().split(/\s+/).some((r) => SKIPPED_RELS.has(r));
}
