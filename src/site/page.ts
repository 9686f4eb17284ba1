// Reads one page in a single streaming pass (element events from ./elements.ts, no DOM) and keeps only
// the facts the classifier and the post builder need. State is a stack of small frames, one per
// open element, plus bounded text buffers: memory does not grow with the page, only with nesting
// depth, and that is capped (see MAX_DEPTH).
//
// Which element holds the post's content is only known at the end of the page, so every link is
// recorded once with a bit per candidate region it sits in (explicit content container, article,
// h-entry, <main>, body, and the two selector hints); the builder picks the region afterwards. The same goes for
// the text a reader sees in each region: it is hashed as it streams past (./text-hash.ts), never kept.
//
// This file is the pass itself: it hands each start tag, attribute, text and end tag to the handler of its
// concern, each in a module of its own:
//   where the reader is (open roles as bit sets, candidate regions, entry counts)  ./page-roles.ts
//   head metadata (<meta>, canonical, <base>), publication dates, JSON-LD          ./page-meta.ts
//   links with their region bits                                                   ./page-links.ts
//   captured text (title, h1, first paragraphs, JSON-LD script text)               ./page-text.ts
//   content text, hashed per region                                                ./text-hash.ts
//   the start tag's attributes                                                     ./page-attributes.ts
//   what is kept (PageFacts) and the regions                                       ./page-facts.ts

import { createElementStream } from './elements.ts';
import { INLINE_ELEMENTS, Role, classInfo, hintedNames, isSkippedRel, rolesOf, type Attributes, type Hints } from './regions.ts';
import { createTextHashes } from './text-hash.ts';
import { REGIONS, REGION_ROLE, emptyFacts } from './page-facts.ts';
import type { PageFacts } from './page-facts.ts';
import { READ_ATTRIBUTES, blankAttributes, readAttribute, resetAttributes } from './page-attributes.ts';
import { JsonLdScripts, isJsonLd, readBase, readDates, readLink, readMeta } from './page-meta.ts';
import { PageLinks } from './page-links.ts';
import { CapturedText } from './page-text.ts';
import { OpenRoles, countEntries } from './page-roles.ts';

export { REGIONS, regionBit } from './page-facts.ts';
export type { PageFacts, Region } from './page-facts.ts';
export { MAX_LINKS } from './page-links.ts';

/**
 * Browsers stop nesting at 512 levels (Chromium's tree builder). The element stack (./elements.ts) costs
 * O(depth) per end tag, so a page nested deeper is read only up to that point, with a warning.
 */
export const MAX_DEPTH = 512;

interface Frame {
  roles: number;
  /** The CAPTURE_ bits of the text buffers this element opened (./page-text.ts). */
  capture: number;
  /** For <li>: a <time> inside was already counted. */
  dated: boolean;
  /** Not an inline element: its edges separate words of the content text. */
  block: boolean;
  tag: string;
}

/** Text in these is not content text: head, chrome and noise, script and style. */
const NOT_CONTENT_TEXT = Role.HEAD | Role.NOISE | Role.NO_TEXT;

export interface PageReader {
  write(text: string): void;
  end(): PageFacts;
}

export function createPageReader(hints: Hints): PageReader {
  const facts = emptyFacts();
  const stack: Frame[] = [];
  const open = new OpenRoles();
  const links = new PageLinks(facts);
  const jsonLd = new JsonLdScripts(facts.jsonLd);
  const captured = new CapturedText(facts, jsonLd);
  const textHashes = createTextHashes(REGIONS.length);
  let liStack: Frame[] = [];
  let stopped = false;

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
    readAttribute(attrs, name, value, hinted);
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
    const roles = rolesOf(tag, attribs, open.active, hints, cls);
    const chrome = open.has(Role.CHROME) || (roles & Role.CHROME) !== 0;
    const noise = open.has(Role.NOISE) || (roles & Role.NOISE) !== 0;
    if (!chrome) countEntries(facts, open, liStack[liStack.length - 1], roles, tag, cls.tokens);
    const block = !INLINE_ELEMENTS.has(tag);
    if (block) textHashes.boundary();
    const frame: Frame = { roles, capture: 0, dated: false, block, tag };
    stack.push(frame);
    if (roles !== 0) {
      open.enter(roles);
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
        readMeta(facts.meta, attribs);
        break;
      case 'link':
        readLink(facts.meta, attribs);
        break;
      case 'base':
        readBase(facts.meta, attribs);
        break;
      case 'title':
        if (!open.has(Role.SVG)) frame.capture |= captured.startTitle();
        break;
      case 'h1':
        if (!chrome) frame.capture |= captured.startH1();
        break;
      case 'p':
        if (!noise) frame.capture |= captured.startParagraph(open.regions());
        break;
      case 'script':
        if (isJsonLd(attribs)) frame.capture |= captured.startJsonLd();
        break;
      case 'li':
        if (!chrome) liStack.push(frame);
        break;
      case 'a':
      case 'area':
        if (!noise && attribs.href !== undefined && !isSkippedRel(attribs.rel)) links.add(attribs.href, open.regions());
        break;
    }
    if (!chrome) readDates(facts.dates, tag, attribs, cls);
  };

  // Called only while capturing or in content text (wantsText below).
  const onText = (source: string, start: number, end: number): void => {
    if ((open.active & NOT_CONTENT_TEXT) === 0) textHashes.text(source, start, end, open.regions());
    if (captured.capturing === 0) return;
    // Cut out of the page only for the buffers (title, h1, first paragraph, JSON-LD).
    captured.text(source.slice(start, end), open.has(Role.NOISE));
  };

  const onClose = (): void => {
    if (stopped) return;
    const frame = stack.pop();
    if (frame === undefined) return;
    if (frame.roles !== 0) open.leave(frame.roles);
    if (frame.block) textHashes.boundary();
    if (liStack.length > 0 && liStack[liStack.length - 1] === frame) liStack.pop();
    if (frame.capture !== 0) captured.close(frame.capture);
  };

  const elements = createElementStream(
    {
      openStart: onOpenTagName,
      attribute: onAttribute,
      openEnd: openPending,
      close: onClose,
      // Content text is hashed wherever it may be the post's (./text-hash.ts); the other buffers capture inside.
      wantsText: () => (captured.capturing > 0 || (open.active & NOT_CONTENT_TEXT) === 0) && !stopped,
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
