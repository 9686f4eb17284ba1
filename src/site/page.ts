// Reads one page in a single streaming pass (element events from ./elements.ts, no DOM) and keeps only
// the facts the classifier and the post builder need. State is a stack of small frames, one per
// open element, plus bounded text buffers: memory does not grow with the page, only with nesting
// depth, and that is capped (see MAX_DEPTH).
//
// Which element holds the post's content is only known at the end of the page, so every link is
// recorded once with a bit per candidate region it sits in (explicit content container, article,
// h-entry, <main>, body, and the two selector hints); the builder picks the region afterwards. The same goes for
// the text a reader sees in each region: it is hashed as it streams past (./text-hash.ts), never kept.

import { createElementStream } from './elements.ts';
import { normalizeDate } from './dates.ts';
import { collapseWhitespace } from './excerpt.ts';
import { readJsonLd } from './jsonld.ts';
import { INLINE_ELEMENTS, Role, classInfo, hintedNames, isSkippedRel, rolesOf, type Attributes, type ClassInfo, type Hints } from './regions.ts';
import { createTextHashes } from './text-hash.ts';
import { MAX_URL_LENGTH } from './urls.ts';

/** Candidate content regions, most specific first. */
export const REGIONS = ['contentSelector', 'content', 'postSelector', 'article', 'hentry', 'main', 'body'] as const;
export type Region = (typeof REGIONS)[number];

const REGION_ROLE: Record<Region, number> = {
  contentSelector: Role.CONTENT_SELECTOR,
  content: Role.CONTENT,
  postSelector: Role.POST_SELECTOR,
  article: Role.ARTICLE,
  hentry: Role.HENTRY,
  main: Role.MAIN,
  body: 0, // everything outside <head>
};

export function regionBit(region: Region): number {
  return 1 << REGIONS.indexOf(region);
}

/**
 * Browsers stop nesting at 512 levels (Chromium's tree builder). The element stack (./elements.ts) costs
 * O(depth) per end tag, so a page nested deeper is read only up to that point, with a warning.
 */
export const MAX_DEPTH = 512;
/** Unique hrefs kept per page: no real post cites more; bounds memory on generated junk. */
export const MAX_LINKS = 20_000;
const MAX_TEXT = 4_000;
const MAX_JSON_LD = 1_000_000;

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

interface Frame {
  roles: number;
  capture: number;
  /** For <li>: a <time> inside was already counted. */
  dated: boolean;
  /** Not an inline element: its edges separate words of the content text. */
  block: boolean;
  tag: string;
}

const CAPTURE_TITLE = 1;
const CAPTURE_H1 = 2;
const CAPTURE_P = 4;
const CAPTURE_JSON_LD = 8;

const ROLE_BITS = 14;
/** Text in these is not content text: head, chrome and noise, script and style. */
const NOT_CONTENT_TEXT = Role.HEAD | Role.NOISE | Role.NO_TEXT;

export interface PageReader {
  write(text: string): void;
  end(): PageFacts;
}

const REGION_ROLES = REGIONS.map((region) => REGION_ROLE[region]);

export function createPageReader(hints: Hints): PageReader {
  const facts = emptyFacts();
  const stack: Frame[] = [];
  // How many open elements hold each role, and the same as a mask (bit set while the count is above 0):
  // the reader runs for every element of every page, so "am I inside X" is one AND.
  const depth = new Int32Array(ROLE_BITS);
  let active = 0;
  const inRole = (role: number): boolean => (active & role) !== 0;
  const linkIndex = new Map<string, number>();
  // The first non-empty paragraph of each region: regions waiting for one share the buffer of the <p> they
  // started at (almost always a single one; a <p> can only hold another through an inline element).
  let paragraphs: { regions: number; text: string }[] = [];
  let waitingRegions = 0;
  let titleBuf: string | null = null;
  let h1Buf: string | null = null;
  let jsonBuf: string | null = null;
  const jsonLd = new JsonLdScripts(facts.jsonLd);
  /** Text is kept only while one of the buffers above is open. */
  let capturing = 0;
  let liStack: Frame[] = [];
  let stopped = false;

  const textHashes = createTextHashes(REGIONS.length);
  // activeRegions() for the `active` mask it was last worked out for: text nodes come many to one element.
  let regionsOf = -1;
  let regionsNow = 0;

  const activeRegions = (): number => {
    if (active === regionsOf) return regionsNow;
    regionsOf = active;
    let bits = 0;
    for (let i = 0; i < REGION_ROLES.length; i++) {
      const role = REGION_ROLES[i]!;
      if (role === 0 ? (active & Role.HEAD) === 0 : (active & role) !== 0) bits |= 1 << i;
    }
    regionsNow = bits;
    return bits;
  };

  const enter = (roles: number): void => {
    for (let bit = 0; bit < ROLE_BITS; bit++) if (roles & (1 << bit) && depth[bit]!++ === 0) active |= 1 << bit;
  };
  const leave = (roles: number): void => {
    for (let bit = 0; bit < ROLE_BITS; bit++) if (roles & (1 << bit) && --depth[bit]! === 0) active &= ~(1 << bit);
  };

  // The element whose start tag is being read: its name, then its attributes one by one (onAttribute); it is
  // opened once the tag ends (openEnd from ./elements.ts).
  let pending: string | null = null;
  const attrs = blankAttributes();
  const hinted = hintedNames(hints);

  const onOpenTagName = (tag: string): void => {
    if (pending !== null) openPending();
    pending = tag;
    resetAttributes(attrs, hinted !== null);
  };

  const onAttribute = (name: string, value: string): void => {
    if (pending === null) return;
    const a = attrs;
    // Typed as one of READ_ATTRIBUTES so that tsc ties the two lists: a case for a name elements.ts is not asked
    // to deliver, or a name asked for without a case, fails to compile. (Hinted names also come by; no case.)
    const read = name as ReadAttribute;
    switch (read) {
      case 'class':
        a.class ??= value;
        break;
      case 'href':
        a.href ??= value;
        break;
      case 'id':
        a.id ??= value;
        break;
      case 'rel':
        a.rel ??= value;
        break;
      case 'content':
        a.content ??= value;
        break;
      case 'name':
        a.name ??= value;
        break;
      case 'property':
        a.property ??= value;
        break;
      case 'role':
        a.role ??= value;
        break;
      case 'itemprop':
        a.itemprop ??= value;
        break;
      case 'itemscope':
        a.itemscope ??= value;
        break;
      case 'itemtype':
        a.itemtype ??= value;
        break;
      case 'http-equiv':
        a.httpEquiv ??= value;
        break;
      case 'datetime':
        a.datetime ??= value;
        break;
      case 'value':
        a.value ??= value;
        break;
      case 'title':
        a.title ??= value;
        break;
      case 'type':
        a.type ??= value;
        break;
      default:
        read satisfies never;
    }
    if (a.hinted !== null && hinted?.has(name) && !Object.hasOwn(a.hinted, name)) a.hinted[name] = value;
  };

  /** The start tag ended: the element opens. */
  const openPending = (): void => {
    const tag = pending;
    if (tag === null) return;
    pending = null;
    onOpen(tag, attrs);
  };

  const onOpen = (tag: string, attribs: Attributes): void => {
    if (stopped) return;
    if (stack.length >= MAX_DEPTH) {
      stopped = true;
      facts.stopped = `nested deeper than ${MAX_DEPTH} elements: read only up to there`;
      elements.stop();
      return;
    }
    const cls = classInfo(attribs.class);
    const roles = rolesOf(tag, attribs, active, hints, cls);
    const chrome = inRole(Role.CHROME) || (roles & Role.CHROME) !== 0;
    const noise = inRole(Role.NOISE) || (roles & Role.NOISE) !== 0;
    if (!chrome) countEntries(roles, tag, cls.tokens);
    const block = !INLINE_ELEMENTS.has(tag);
    if (block) textHashes.boundary();
    const frame: Frame = { roles, capture: 0, dated: false, block, tag };
    stack.push(frame);
    if (roles !== 0) {
      enter(roles);
      // A content container inside chrome (a comment's e-content) is not the post's.
      if (!chrome) {
        for (const region of REGIONS) {
          const role = REGION_ROLE[region];
          if (role !== 0 && roles & role) facts.regions[region].present++;
        }
      }
    }

    switch (tag) {
      case 'meta':
        readMeta(attribs);
        break;
      case 'link':
        if (facts.meta.canonical === null && relTokens(attribs.rel).includes('canonical') && attribs.href) {
          facts.meta.canonical = attribs.href.trim();
        }
        break;
      case 'base':
        if (facts.meta.base === null && attribs.href !== undefined) facts.meta.base = attribs.href.trim();
        break;
      case 'title':
        if (facts.title === null && titleBuf === null && !inRole(Role.SVG)) {
          titleBuf = '';
          capturing++;
          frame.capture |= CAPTURE_TITLE;
        }
        break;
      case 'h1':
        if (facts.h1 === null && h1Buf === null && !chrome) {
          h1Buf = '';
          capturing++;
          frame.capture |= CAPTURE_H1;
        }
        break;
      case 'p':
        if (!noise) startParagraph(frame);
        break;
      case 'script':
        if (attribs.type?.trim().toLowerCase() === 'application/ld+json' && jsonBuf === null) {
          jsonBuf = '';
          capturing++;
          frame.capture |= CAPTURE_JSON_LD;
        }
        break;
      case 'li':
        if (!chrome) liStack.push(frame);
        break;
      case 'a':
      case 'area':
        if (!noise && attribs.href !== undefined && !isSkippedRel(attribs.rel)) recordLink(attribs.href);
        break;
    }
    if (!chrome) readDates(tag, attribs, cls);
  };

  const countEntries = (roles: number, tag: string, classes: readonly string[]): void => {
    const c = facts.counts;
    if (roles !== 0) {
      if (roles & Role.ARTICLE && !inRole(Role.ARTICLE)) c.articles++;
      if (roles & Role.POST_SELECTOR && !inRole(Role.POST_SELECTOR)) c.postSelector++;
      if (roles & Role.HENTRY && !inRole(Role.HENTRY)) c.hEntries++;
      if (roles & Role.SCHEMA_ARTICLE && !inRole(Role.SCHEMA_ARTICLE)) c.schemaArticles++;
      if (roles & Role.LISTING) {
        c.listings++;
        const cls = classes[0];
        facts.listingExample ??= cls === undefined ? tag : `${tag}.${cls}`;
      }
    }
    if (tag === 'time') {
      const li = liStack[liStack.length - 1];
      if (li !== undefined && !li.dated) {
        li.dated = true;
        c.datedListItems++;
      }
    }
  };

  const readMeta = (attribs: Attributes): void => {
    const m = facts.meta;
    const content = attribs.content;
    if (content === undefined) return;
    const key = (attribs.property ?? attribs.name ?? '').trim().toLowerCase();
    const equiv = attribs.httpEquiv?.trim().toLowerCase();
    if (equiv === 'refresh' && content.trim() !== '') m.refresh = true;
    switch (key) {
      case 'description':
        m.description ??= content;
        break;
      case 'og:title':
        m.ogTitle ??= content;
        break;
      case 'og:description':
        m.ogDescription ??= content;
        break;
      case 'og:site_name':
        m.ogSiteName ??= content;
        break;
      case 'og:type':
        m.ogType ??= content.trim().toLowerCase();
        break;
      case 'og:url':
        m.ogUrl ??= content.trim();
        break;
      case 'article:published_time':
        m.publishedTime ??= normalizeDate(content);
        break;
      case 'robots':
        if (/\bnoindex\b/i.test(content)) m.noindex = true;
        break;
    }
  };

  const readDates = (tag: string, attribs: Attributes, cls: ClassInfo): void => {
    const d = facts.dates;
    if (d.time === null && tag === 'time') d.time = normalizeDate(attribs.datetime);
    if (d.dtPublished === null && cls.dtPublished) {
      d.dtPublished = normalizeDate(attribs.datetime ?? attribs.value ?? attribs.title ?? attribs.content);
    }
    if (d.itemprop === null && attribs.itemprop !== undefined && attribs.itemprop.split(/\s+/).includes('datePublished')) {
      d.itemprop = normalizeDate(attribs.content ?? attribs.datetime ?? attribs.value);
    }
  };

  const startParagraph = (frame: Frame): void => {
    const active = activeRegions();
    let regions = 0;
    for (let i = 0; i < REGIONS.length; i++) {
      const bit = 1 << i;
      if (active & bit && !(waitingRegions & bit) && facts.regions[REGIONS[i]!].paragraph === null) regions |= bit;
    }
    if (regions === 0) return;
    if (paragraphs.length === 0) capturing++;
    paragraphs.push({ regions, text: '' });
    waitingRegions |= regions;
    frame.capture |= CAPTURE_P;
  };

  const recordLink = (raw: string): void => {
    const regions = activeRegions();
    if (regions === 0) return;
    const href = raw.trim();
    if (href === '' || href.startsWith('#')) return;
    if (href.length > MAX_URL_LENGTH) {
      if (facts.longLinks.length < 20) facts.longLinks.push({ prefix: href.slice(0, 80), regions });
      return;
    }
    const known = linkIndex.get(href);
    if (known !== undefined) {
      facts.links[known]!.regions |= regions;
    } else if (facts.links.length < MAX_LINKS) {
      linkIndex.set(href, facts.links.length);
      facts.links.push({ href, regions });
    } else {
      facts.linksCapped = true;
    }
  };

  // Called only while capturing (wantsText below).
  const onText = (source: string, start: number, end: number): void => {
    if ((active & NOT_CONTENT_TEXT) === 0) textHashes.text(source, start, end, activeRegions());
    if (capturing === 0) return;
    // Cut out of the page only for the buffers (title, h1, first paragraph, JSON-LD).
    const text = source.slice(start, end);
    if (titleBuf !== null && titleBuf.length < MAX_TEXT) titleBuf += text;
    if (h1Buf !== null && h1Buf.length < MAX_TEXT) h1Buf += text;
    if (jsonBuf !== null) jsonBuf = jsonBuf.length + text.length > MAX_JSON_LD ? jsonBuf : jsonBuf + text;
    if (paragraphs.length > 0 && !inRole(Role.NOISE)) {
      for (const p of paragraphs) if (p.text.length < MAX_TEXT) p.text += text;
    }
  };

  const onClose = (): void => {
    if (stopped) return;
    const frame = stack.pop();
    if (frame === undefined) return;
    if (frame.roles !== 0) leave(frame.roles);
    if (frame.block) textHashes.boundary();
    if (liStack.length > 0 && liStack[liStack.length - 1] === frame) liStack.pop();
    if (frame.capture === 0) return;
    if (frame.capture & CAPTURE_TITLE && titleBuf !== null) {
      facts.title = nonEmpty(titleBuf);
      titleBuf = null;
      capturing--;
    }
    if (frame.capture & CAPTURE_H1 && h1Buf !== null) {
      facts.h1 = nonEmpty(h1Buf);
      h1Buf = null;
      capturing--;
    }
    if (frame.capture & CAPTURE_JSON_LD && jsonBuf !== null) {
      jsonLd.add(jsonBuf);
      jsonBuf = null;
      capturing--;
    }
    if (frame.capture & CAPTURE_P && paragraphs.length > 0) {
      for (const p of paragraphs) {
        // Kept as read: whitespace is collapsed only if the paragraph becomes the excerpt (./post.ts), which
        // few do (a description comes first); collapsing every one cost 2% of the scan.
        const paragraph = NON_BLANK.test(p.text) ? p.text : null;
        for (let i = 0; i < REGIONS.length; i++) if (p.regions & (1 << i)) facts.regions[REGIONS[i]!].paragraph = paragraph;
      }
      paragraphs = [];
      waitingRegions = 0;
      capturing--;
    }
  };

  const elements = createElementStream(
    {
      openStart: onOpenTagName,
      attribute: onAttribute,
      openEnd: openPending,
      close: onClose,
      // Content text is hashed wherever it may be the post's (./text-hash.ts); the other buffers capture inside.
      wantsText: () => (capturing > 0 || (active & NOT_CONTENT_TEXT) === 0) && !stopped,
      text: onText,
    },
    hinted === null ? READ_ATTRIBUTES : new Set([...READ_ATTRIBUTES, ...hinted]),
  );

  return {
    write(text: string): void {
      if (!stopped) elements.write(text);
    },
    end(): PageFacts {
      // A start tag still unfinished is cut off by the end of the page: never opened, as browsers drop it.
      pending = null;
      if (!stopped) elements.end();
      liStack = [];
      for (let i = 0; i < REGIONS.length; i++) facts.regions[REGIONS[i]!].text = textHashes.digest(i);
      jsonLd.settle(facts.meta);
      return facts;
    },
  };
}

/** The attributes the reader looks at (onAttribute); the values of all others are never cut out of the page. */
const READ_ATTRIBUTE_NAMES = ['class', 'href', 'id', 'rel', 'content', 'name', 'property', 'role', 'itemprop',
  'itemscope', 'itemtype', 'http-equiv', 'datetime', 'value', 'title', 'type'] as const;
type ReadAttribute = (typeof READ_ATTRIBUTE_NAMES)[number];
const READ_ATTRIBUTES: ReadonlySet<string> = new Set(READ_ATTRIBUTE_NAMES);

function blankAttributes(): Attributes {
  const a = {} as Attributes;
  resetAttributes(a, false);
  return a;
}

function resetAttributes(a: Attributes, hinted: boolean): void {
  a.class = undefined;
  a.id = undefined;
  a.role = undefined;
  a.href = undefined;
  a.rel = undefined;
  a.itemprop = undefined;
  a.itemscope = undefined;
  a.itemtype = undefined;
  a.content = undefined;
  a.name = undefined;
  a.property = undefined;
  a.httpEquiv = undefined;
  a.datetime = undefined;
  a.value = undefined;
  a.title = undefined;
  a.type = undefined;
  a.hinted = hinted ? {} : null;
}

const NON_BLANK = /\S/;

/** JSON-LD text kept unparsed per page; past this, scripts are parsed as they close (memory stays bounded). */
const JSON_LD_KEPT = 256 * 1024;

/**
 * A page's JSON-LD scripts, parsed at the end of the page only when the classifier can need them: og:type=article
 * with article:published_time (Jekyll, Hugo and most themes write both) already says all JSON-LD could, and
 * parsing it was 2-3% of the scan. When parsed, the result is the same as parsing each script as it closes.
 * (A lazy getter on the facts instead cost more than it saved: every page's facts got a hidden class of their
 * own, and the heap grew from 16 to 75 MB on the 1,000-post site.)
 */
class JsonLdScripts {
  private texts: string[] = [];
  private kept = 0;

  constructor(private readonly into: PageFacts['jsonLd']) {}

  add(text: string): void {
    if (this.kept + text.length > JSON_LD_KEPT) this.parse();
    this.texts.push(text);
    this.kept += text.length;
  }

  settle(meta: PageFacts['meta']): void {
    if (meta.ogType === 'article' && meta.publishedTime !== null) return;
    this.parse();
  }

  private parse(): void {
    for (const text of this.texts) {
      const ld = readJsonLd(text);
      this.into.articleTypes.push(...ld.articleTypes.slice(0, 20));
      this.into.datePublished ??= ld.datePublished;
    }
    this.texts = [];
    this.kept = 0;
  }
}

function nonEmpty(text: string): string | null {
  const t = collapseWhitespace(text);
  return t === '' ? null : t;
}

function relTokens(rel: string | undefined): string[] {
  return rel === undefined ? [] : rel.toLowerCase().split(/\s+/);
}

function emptyFacts(): PageFacts {
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
