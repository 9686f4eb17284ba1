// What the page reader (./page.ts) keeps of a page: the facts the classifier (./classify.ts) and the post
// builder (./post.ts) need, and the candidate content regions its links and text are tagged with.
import { Role } from './regions.ts';

/** Candidate content regions, most specific first. */
export const REGIONS = ['contentSelector', 'content', 'postSelector', 'article', 'hentry', 'main', 'body'] as const;
export type Region = (typeof REGIONS)[number];

/** The role (./regions.ts) that makes each region; body is everything outside <head>. */
export const REGION_ROLE: Record<Region, number> = {
  contentSelector: Role.CONTENT_SELECTOR,
  content: Role.CONTENT,
  postSelector: Role.POST_SELECTOR,
  article: Role.ARTICLE,
  hentry: Role.HENTRY,
  main: Role.MAIN,
  body: 0, // everything outside <head>
};

/** REGION_ROLE in the order of REGIONS: region i is bit 1 << i. */
export const REGION_ROLES: readonly number[] = REGIONS.map((region) => REGION_ROLE[region]);

export function regionBit(region: Region): number {
  return 1 << REGIONS.indexOf(region);
}

export interface PageFacts {
  title: string | null;
  h1: string | null;
  meta: {
    description: string | null;
    ogTitle: string | null;
    ogDescription: string | null;
    ogSiteName: string | null;
    ogType: string | null;
    ogUrl: string | null;
    canonical: string | null;
    base: string | null;
    publishedTime: string | null;
    noindex: boolean;
    refresh: boolean;
  };
  /** Left empty when og:type=article and article:published_time are both given: nothing needs it then. */
  jsonLd: { articleTypes: string[]; datePublished: string | null };
  dates: { itemprop: string | null; dtPublished: string | null; time: string | null };
  counts: {
    articles: number;
    postSelector: number;
    hEntries: number;
    schemaArticles: number;
    listings: number;
    /** <li> elements holding a <time>: entries of a dated list. */
    datedListItems: number;
  };
  /** The first post-list element seen, for the reason text ("ol.postlist"). */
  listingExample: string | null;
  /**
   * paragraph: the region's first non-blank <p>, as read (whitespace not collapsed). text: the hash of the text
   * in the region, whitespace-normalised, outside chrome, noise (the post's own header and footer, tag lists)
   * and script/style (./text-hash.ts).
   */
  regions: Record<Region, { present: number; paragraph: string | null; text: string }>;
  /** Raw hrefs in document order of first appearance, with the regions they appeared in (bits). */
  links: { href: string; regions: number }[];
  /** hrefs longer than MAX_URL_LENGTH (first 80 characters), dropped. */
  longLinks: { prefix: string; regions: number }[];
  linksCapped: boolean;
  /** Set when the page was not read to its end, with the reason. */
  stopped: string | null;
}

export function emptyFacts(): PageFacts {
  const regions = {} as PageFacts['regions'];
  for (const r of REGIONS) regions[r] = { present: 0, paragraph: null, text: '' };
  return {
    title: null,
    h1: null,
    meta: {
      description: null,
      ogTitle: null,
      ogDescription: null,
      ogSiteName: null,
      ogType: null,
      ogUrl: null,
      canonical: null,
      base: null,
      publishedTime: null,
      noindex: false,
      refresh: false,
    },
    jsonLd: { articleTypes: [], datePublished: null },
    dates: { itemprop: null, dtPublished: null, time: null },
    counts: { articles: 0, postSelector: 0, hEntries: 0, schemaArticles: 0, listings: 0, datedListItems: 0 },
    listingExample: null,
    regions,
    links: [],
    longLinks: [],
    linksCapped: false,
    stopped: null,
  };
}
