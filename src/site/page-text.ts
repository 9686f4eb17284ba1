// The text the page reader (./page.ts) cuts out of a page, and only while it needs it: the <title>, the first
// <h1>, the first non-blank <p> of each candidate region, and JSON-LD scripts. Each is a bounded buffer opened
// by an element (which keeps a CAPTURE_ bit) and closed with it. (The rest of the content text is hashed as it
// streams past, ./text-hash.ts, never kept.)
import { collapseWhitespace } from './excerpt.ts';
import { REGIONS } from './page-facts.ts';
import type { PageFacts } from './page-facts.ts';
import type { JsonLdScripts } from './page-meta.ts';

/** Bits an element keeps of the buffers it opened, closed with it (CapturedText.close). */
export const CAPTURE_TITLE = 1;
export const CAPTURE_H1 = 2;
export const CAPTURE_P = 4;
export const CAPTURE_JSON_LD = 8;

const MAX_TEXT = 4_000;
const MAX_JSON_LD = 1_000_000;
const NON_BLANK = /\S/;

export class CapturedText {
  /** Buffers open: text is cut out of the page only while above 0. */
  capturing = 0;
  private title: string | null = null;
  private h1: string | null = null;
  private json: string | null = null;
  // The first non-empty paragraph of each region: regions waiting for one share the buffer of the <p> they
  // started at (almost always a single one; a <p> can only hold another through an inline element).
  private paragraphs: { regions: number; text: string }[] = [];
  private waitingRegions = 0;

  constructor(private readonly facts: PageFacts, private readonly jsonLd: JsonLdScripts) {}

  /** A <title> (not an SVG's): returns the bit for its element, 0 when the title is known or being read. */
  startTitle(): number {
    if (this.facts.title !== null || this.title !== null) return 0;
    this.title = '';
    this.capturing++;
    return CAPTURE_TITLE;
  }

  /** An <h1> outside chrome. */
  startH1(): number {
    if (this.facts.h1 !== null || this.h1 !== null) return 0;
    this.h1 = '';
    this.capturing++;
    return CAPTURE_H1;
  }

  /** A JSON-LD <script>. */
  startJsonLd(): number {
    if (this.json !== null) return 0;
    this.json = '';
    this.capturing++;
    return CAPTURE_JSON_LD;
  }

  /** A <p> outside noise, inside `active` regions (bits): for those still without a first paragraph. */
  startParagraph(active: number): number {
    let regions = 0;
    for (let i = 0; i < REGIONS.length; i++) {
      const bit = 1 << i;
      if (active & bit && !(this.waitingRegions & bit) && this.facts.regions[REGIONS[i]!].paragraph === null) regions |= bit;
    }
    if (regions === 0) return 0;
    if (this.paragraphs.length === 0) this.capturing++;
    this.paragraphs.push({ regions, text: '' });
    this.waitingRegions |= regions;
    return CAPTURE_P;
  }

  /** Text while capturing; `inNoise`: inside the post's own header, footer or tag lists (not a paragraph's). */
  text(text: string, inNoise: boolean): void {
    if (this.title !== null && this.title.length < MAX_TEXT) this.title += text;
    if (this.h1 !== null && this.h1.length < MAX_TEXT) this.h1 += text;
    if (this.json !== null) this.json = this.json.length + text.length > MAX_JSON_LD ? this.json : this.json + text;
    if (this.paragraphs.length > 0 && !inNoise) {
      for (const p of this.paragraphs) if (p.text.length < MAX_TEXT) p.text += text;
    }
  }

  /** An element that opened buffers (`capture`: its CAPTURE_ bits) closes: their text goes into the facts. */
  close(capture: number): void {
    const facts = this.facts;
    if (capture & CAPTURE_TITLE && this.title !== null) {
      facts.title = nonEmpty(this.title);
      this.title = null;
      this.capturing--;
    }
    if (capture & CAPTURE_H1 && this.h1 !== null) {
      facts.h1 = nonEmpty(this.h1);
      this.h1 = null;
      this.capturing--;
    }
    if (capture & CAPTURE_JSON_LD && this.json !== null) {
      this.jsonLd.add(this.json);
      this.json = null;
      this.capturing--;
    }
    if (capture & CAPTURE_P && this.paragraphs.length > 0) {
      for (const p of this.paragraphs) {
        // Kept as read: whitespace is collapsed only if the paragraph becomes the excerpt (./post.ts), which
        // few do (a description comes first); collapsing every one cost 2% of the scan.
        const paragraph = NON_BLANK.test(p.text) ? p.text : null;
        for (let i = 0; i < REGIONS.length; i++) if (p.regions & (1 << i)) facts.regions[REGIONS[i]!].paragraph = paragraph;
      }
      this.paragraphs = [];
      this.waitingRegions = 0;
      this.capturing--;
    }
  }
}

function nonEmpty(text: string): string | null {
  const t = collapseWhitespace(text);
  return t === '' ? null : t;
}
