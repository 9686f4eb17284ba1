// The hash of what a reader sees of a post's content: its text, whitespace-normalised, as it streams past the page
// reader (./page.ts), for every candidate content region at once (which one holds the post is only known at the
// end of the page). Nothing of the text is kept: each text node is folded into the hash of each region it is in.
//
// Normalised: every run of whitespace, and every edge of an element that is not inline (a <p>, <li>, <br>, a
// <div> ...), is one space, none at either end. So a minified and a pretty-printed build of the same post hash the
// same, and so do "a <a href=x>link</a>" and "a link" (a link removed is told to its target alone, see
// src/lifecycle/plan.ts); a word changed anywhere does not.
//
// Why not sha256 through crypto: a Hash object per region and page costs more than the whole text (about 12 µs
// each, up to 7 regions; see ./hash.ts), and an update() per text node and region crosses into C++ every time.
// This is a polynomial hash mod 2^32 in two lanes (two odd bases): a text node is hashed once, with B^length, and
// folded into each region's hash in O(1) (h = h * B^n + H(node)), so the result does not depend on how the text
// was cut into nodes. It tells two versions of one post apart, which is all it is for (not an adversary's
// collisions: the author writes both versions); the length goes in too.

const A = 0x01000193; // odd bases: multiplication by them is a bijection mod 2^32
const B = 0x5bd1e995;
const SPACE = 0x20;

/** Whitespace as \s has it, above U+0020 (below it, every code unit counts as whitespace). */
function isWideSpace(c: number): boolean {
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 ||
    c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** base^n mod 2^32, by squaring: once per text node rather than a multiplication per character. */
function power(base: number, n: number): number {
  let result = 1;
  let b = base;
  for (let e = n; e > 0; e >>>= 1) {
    if (e & 1) result = Math.imul(result, b);
    b = Math.imul(b, b);
  }
  return result;
}

/** A^n and B^n for the short text nodes most are (a word, a highlighted token): a lookup instead of squaring. */
const POWERS = 256;
const POW_A = new Int32Array(POWERS);
const POW_B = new Int32Array(POWERS);
POW_A[0] = 1;
POW_B[0] = 1;
for (let n = 1; n < POWERS; n++) {
  POW_A[n] = Math.imul(POW_A[n - 1]!, A);
  POW_B[n] = Math.imul(POW_B[n - 1]!, B);
}

export interface TextHashes {
  /** An element edge that separates words (anything but an inline element). */
  boundary(): void;
  /** Text of the page, `source` from `start` to `end`, in every region whose bit is set in `regions`. */
  text(source: string, start: number, end: number, regions: number): void;
  /** Region `index`'s hash: 16 hex digits and the normalised length. */
  digest(index: number): string;
}

export function createTextHashes(count: number): TextHashes {
  const laneA = new Int32Array(count);
  const laneB = new Int32Array(count);
  const length = new Int32Array(count);
  /** A separator is due before the next word (an element edge, or whitespace at the end of the last text). */
  let gap = false;

  return {
    boundary() {
      gap = true;
    },
    text(source, start, end, regions) {
      if (regions === 0) return;
      // This node's own hash, of its words joined by single spaces (one pass, no string made).
      let a = 0;
      let b = 0;
      let n = 0;
      let lead = gap;
      let spaced = false;
      let i = start;
      while (i < end) {
        // Whitespace: one separator before the next word, none before the first.
        let c = source.charCodeAt(i);
        if (c <= 0x20 || (c >= 0xa0 && isWideSpace(c))) {
          if (n === 0) lead = true;
          else spaced = true;
          i++;
          continue;
        }
        if (spaced) {
          a = (Math.imul(a, A) + SPACE) | 0;
          b = (Math.imul(b, B) + SPACE) | 0;
          n++;
          spaced = false;
        }
        // A word, in a loop of its own: nothing but the hash per character.
        const word = i;
        for (;;) {
          a = (Math.imul(a, A) + c) | 0;
          b = (Math.imul(b, B) + c) | 0;
          if (++i === end) break;
          c = source.charCodeAt(i);
          if (c <= 0x20 || (c >= 0xa0 && isWideSpace(c))) break;
        }
        n += i - word;
      }
      if (n === 0) {
        if (end > start) gap = true;
        return;
      }
      gap = spaced;
      const powA = n < POWERS ? POW_A[n]! : power(A, n);
      const powB = n < POWERS ? POW_B[n]! : power(B, n);
      // The regions' bits, lowest first (a few of the seven are set).
      for (let left = regions; left !== 0; left &= left - 1) {
        const r = 31 - Math.clz32(left & -left);
        // A region's text before this node was separated from it by an element edge or whitespace, else this node
        // follows the last one directly: regions change only at element edges, which set `gap`.
        if (lead && length[r]! > 0) {
          laneA[r] = (Math.imul(laneA[r]!, A) + SPACE) | 0;
          laneB[r] = (Math.imul(laneB[r]!, B) + SPACE) | 0;
          length[r]!++;
        }
        laneA[r] = (Math.imul(laneA[r]!, powA) + a) | 0;
        laneB[r] = (Math.imul(laneB[r]!, powB) + b) | 0;
        length[r]! += n;
      }
    },
    digest(index) {
      return `${hex(laneA[index]!)}${hex(laneB[index]!)}-${length[index]!}`;
    },
  };
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}
