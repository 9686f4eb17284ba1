// What a page's JSON-LD says about it: which schema.org types it declares and when the article
// was published. Walked iteratively with a node budget so odd or huge documents cannot hurt.

import { normalizeDate } from './dates.ts';

export interface JsonLdFacts {
  /** Article-like types found (BlogPosting, Article, NewsArticle, ...), in order. */
  articleTypes: string[];
  /** datePublished of the first article-like object that has a real one. */
  datePublished: string | null;
}

const MAX_NODES = 10_000;

export function isArticleType(type: string): boolean {
  const name = type.replace(/^https?:\/\/schema\.org\//i, '');
  return /Article$/.test(name) || /^(BlogPosting|SocialMediaPosting|LiveBlogPosting|DiscussionForumPosting|Report)$/.test(name);
}

export function readJsonLd(text: string): JsonLdFacts {
  const facts: JsonLdFacts = { articleTypes: [], datePublished: null };
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch {
    return facts;
  }
  // Breadth-first, so the page's own top-level object is seen before nested ones.
  const queue: unknown[] = [root];
  const enqueue = (value: unknown): void => {
    if (value !== null && typeof value === 'object' && queue.length < MAX_NODES) queue.push(value);
  };
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i];
    if (Array.isArray(node)) {
      for (const item of node) enqueue(item);
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    const obj = node as Record<string, unknown>;
    const types = ([] as unknown[]).concat(obj['@type'] ?? []).filter((t): t is string => typeof t === 'string');
    const articleTypes = types.filter(isArticleType);
    if (articleTypes.length > 0) {
      facts.articleTypes.push(...articleTypes);
      if (facts.datePublished === null && typeof obj.datePublished === 'string') {
        facts.datePublished = normalizeDate(obj.datePublished);
      }
    }
    for (const value of Object.values(obj)) enqueue(value);
  }
  return facts;
}
