// Element events for the page reader (./page.ts), straight from htmlparser2's Tokenizer: which element
// opens (with the few attributes asked for), which closes, and text only while the reader wants it.
//
// htmlparser2's Parser does the same job for any caller, and cost 18% of the scan (profile of the 10,000-post
// bench site, one thread): it cuts every text node and every attribute value out of the page, lowercases
// every name twice, keeps its stack with unshift/shift. This does only what the reader uses, and follows the
// Parser's tree rules exactly (htmlparser2 12, src/Parser.ts), so the reader sees the same elements open
// and close in the same order:
//   - a start tag implies the end of open elements of certain kinds first (openImpliesClose: <p> closes an
//     open <p>, <li> an <li>, a <div> a <p>, ...), popping from the innermost while they match;
//   - void elements (br, img, meta, ...) open and close at once, and their end tags are ignored, except
//     </br> (an empty <br>) and a </p> with no open <p> (an empty <p>);
//   - an end tag closes the innermost open element of its name and everything inside it; one with no open
//     element of its name is ignored;
//   - a second <form> inside a form is ignored, attributes and all;
//   - inside <svg> and <math> (foreign content) "/>" closes the element and <script>/<style> are not raw
//     text; HTML integration points (foreignObject, desc, title, mi, ...) switch back to HTML;
//   - <image> is <img> outside foreign content;
//   - inside <svg>, SVG names are re-cased (clipPath, foreignObject), and an end tag matches only an element
//     opened under the same case;
//   - at the end of the page every element still open closes.
// One difference, on purpose: a start tag cut off by the end of the page is neither opened nor closed (the
// Parser closed it without the reader having opened it; browsers drop it). test/site-elements.test.ts
// compares the two on tricky markup.
import { Tokenizer } from 'htmlparser2';
import type { TokenizerCallbacks } from 'htmlparser2';

export interface ElementHandler {
  /** A start tag named `name` (lowercase); its wanted attributes follow, then `openEnd`. */
  openStart(name: string): void;
  /** One attribute of the start tag being read, if its (lowercased) name is one of `attributes`. */
  attribute(name: string, value: string): void;
  /** The start tag is complete: the element is open (a void element closes right after). */
  openEnd(): void;
  /** The innermost open element closes. */
  close(): void;
  /** Whether text matters now; text is passed on only when it does. */
  wantsText(): boolean;
  /**
   * Text: `source` from `start` to `end`. Not cut out of the page: the page reader hashes most text without
   * keeping it (./text-hash.ts), and a string per text node was garbage it had to collect. `source` is the chunk
   * being read, or a string of its own when the text spans two chunks or is a character reference.
   */
  text(source: string, start: number, end: number): void;
}

export interface ElementStream {
  write(chunk: string): void;
  end(): void;
  /** Stops reading: no event follows, not even the closes at the end. */
  stop(): void;
}

const P_ONLY = new Set(['p']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p']);
const FORM_CONTROLS = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
const TABLE_SECTIONS = new Set(['thead', 'tbody']);
const DD_DT = new Set(['dd', 'dt']);
const RT_RP = new Set(['rt', 'rp']);

/** htmlparser2's openImpliesClose: opening the key first closes open elements of these names. */
const IMPLIES_CLOSE = new Map<string, ReadonlySet<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['a', new Set(['a'])],
  ['li', new Set(['li'])],
  ['p', P_ONLY],
  ['h1', HEADINGS],
  ['h2', HEADINGS],
  ['h3', HEADINGS],
  ['h4', HEADINGS],
  ['h5', HEADINGS],
  ['h6', HEADINGS],
  ['select', FORM_CONTROLS],
  ['input', FORM_CONTROLS],
  ['output', FORM_CONTROLS],
  ['button', FORM_CONTROLS],
  ['datalist', FORM_CONTROLS],
  ['textarea', FORM_CONTROLS],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', DD_DT],
  ['dt', DD_DT],
  ...['address', 'article', 'aside', 'blockquote', 'details', 'div', 'dl', 'fieldset', 'figcaption', 'figure', 'footer',
    'form', 'header', 'hr', 'main', 'nav', 'ol', 'pre', 'section', 'table', 'ul'].map((name) => [name, P_ONLY] as const),
  ['rt', RT_RP],
  ['rp', RT_RP],
  ['tbody', TABLE_SECTIONS],
  ['tfoot', TABLE_SECTIONS],
]);

const VOID = new Set(['area', 'base', 'basefont', 'br', 'col', 'command', 'embed', 'frame', 'hr', 'img', 'input', 'isindex',
  'keygen', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

/** Where foreign content switches back to HTML (SVG-cased names, as the Parser compares them). */
const HTML_INTEGRATION = new Set(['mi', 'mo', 'mn', 'ms', 'mtext', 'annotation-xml', 'foreignObject', 'desc', 'title']);

/** SVG element names the Parser re-cases inside <svg>: an end tag matches only what it was opened as. */
const SVG_CASE = new Map(['altGlyph', 'altGlyphDef', 'altGlyphItem', 'animateColor', 'animateMotion', 'animateTransform',
  'clipPath', 'feBlend', 'feColorMatrix', 'feComponentTransfer', 'feComposite', 'feConvolveMatrix', 'feDiffuseLighting',
  'feDisplacementMap', 'feDistantLight', 'feDropShadow', 'feFlood', 'feFuncA', 'feFuncB', 'feFuncG', 'feFuncR',
  'feGaussianBlur', 'feImage', 'feMerge', 'feMergeNode', 'feMorphology', 'feOffset', 'fePointLight', 'feSpecularLighting',
  'feSpotLight', 'feTile', 'feTurbulence', 'foreignObject', 'glyphRef', 'linearGradient', 'radialGradient', 'textPath']
  .map((name) => [name.toLowerCase(), name]));

const enum Foreign {
  None = 0,
  Svg = 1,
  MathML = 2,
}

export function createElementStream(handler: ElementHandler, attributes: ReadonlySet<string>): ElementStream {
  /** Open elements, innermost last, and whether each pushed a foreign-content level. */
  const names: string[] = [];
  const pushedForeign: boolean[] = [];
  const foreign: Foreign[] = [Foreign.None];
  // The text written so far that events may still point into (a name or value can span two chunks).
  const buffers: string[] = [];
  let bufferOffset = 0;
  /** The chunk being read and where it starts in the page. */
  let chunk = '';
  let chunkOffset = 0;
  /** The start tag being read: its name; '' for one that is ignored (a second <form>). */
  let tag: string | null = null;
  let attributeName: string | null = null;
  let attributeValue = '';
  let stopped = false;

  const slice = (start: number, end: number): string => {
    if (start === end) return '';
    while (start - bufferOffset >= buffers[0]!.length) {
      bufferOffset += buffers[0]!.length;
      buffers.shift();
    }
    let text = buffers[0]!.slice(start - bufferOffset, end - bufferOffset);
    let index = 1;
    let covered = bufferOffset + buffers[0]!.length;
    while (end > covered && index < buffers.length) {
      text += buffers[index]!.slice(0, end - covered);
      covered += buffers[index]!.length;
      index++;
    }
    return text;
  };

  /**
   * Is the end tag at [start, end) named like the innermost open element (ASCII case-insensitive)? Only outside
   * foreign content, where names are plainly lowercased (readName).
   */
  const closesInnermost = (start: number, end: number): boolean => {
    const top = names[names.length - 1];
    if (top === undefined || foreign.length > 1 || end - start !== top.length || start < chunkOffset) return false;
    const at = start - chunkOffset;
    for (let i = 0; i < top.length; i++) {
      const c = chunk.charCodeAt(at + i);
      if ((c >= 65 && c <= 90 ? c | 32 : c) !== top.charCodeAt(i)) return false;
    }
    return true;
  };

  const inForeign = (): boolean => foreign[foreign.length - 1] !== Foreign.None;

  /** Text at [start, end) of the page, handed on as a range of the chunk when it lies in it (nearly always). */
  const text = (start: number, end: number): void => {
    if (start >= chunkOffset && end - chunkOffset <= chunk.length) {
      handler.text(chunk, start - chunkOffset, end - chunkOffset);
      return;
    }
    const cut = slice(start, end);
    handler.text(cut, 0, cut.length);
  };

  /** A tag or attribute name, lowercase. */
  const lowerName = (start: number, end: number): string => {
    const name = slice(start, end);
    for (let i = 0; i < name.length; i++) {
      const c = name.charCodeAt(i);
      if (c >= 65 && c <= 90) return name.toLowerCase();
    }
    return name;
  };

  /** A tag's name as the Parser reads it (its readTagName): lowercased, SVG-cased inside <svg>, <image> as <img>. */
  const readName = (start: number, end: number): string => {
    const name = lowerName(start, end);
    const context = foreign[foreign.length - 1];
    if (context === Foreign.Svg) return SVG_CASE.get(name) ?? name;
    if (foreign.length > 1) {
      // Inside an integration point of an <svg>: a name that element was opened under keeps its SVG case.
      const svgCased = SVG_CASE.get(name);
      if (svgCased !== undefined && names.includes(svgCased)) return svgCased;
    }
    return name === 'image' && context === Foreign.None ? 'img' : name;
  };

  const pop = (): void => {
    names.pop();
    if (pushedForeign.pop() === true) foreign.pop();
    handler.close();
  };

  const open = (name: string): void => {
    if (name === 'form' && names.includes('form')) {
      tag = '';
      return;
    }
    const implied = IMPLIES_CLOSE.get(name);
    if (implied !== undefined) {
      while (names.length > 0 && implied.has(names[names.length - 1]!)) pop();
    }
    if (!VOID.has(name)) {
      const level = name === 'svg' ? Foreign.Svg : name === 'math' ? Foreign.MathML : HTML_INTEGRATION.has(name) ? Foreign.None : null;
      names.push(name);
      pushedForeign.push(level !== null);
      if (level !== null) foreign.push(level);
    }
    tag = name;
    handler.openStart(name);
  };

  /** The start tag ended (">", or "/>" outside foreign content). */
  const openEnd = (): void => {
    const name = tag;
    tag = null;
    if (name === null || name === '') return;
    handler.openEnd();
    if (VOID.has(name)) handler.close();
  };

  const callbacks: TokenizerCallbacks = {
    onopentagname(start, end) {
      open(readName(start, end));
    },
    onattribname(start, end) {
      const name = lowerName(start, end);
      attributeName = tag !== null && tag !== '' && attributes.has(name) ? name : null;
    },
    onattribdata(start, end) {
      if (attributeName !== null) attributeValue += slice(start, end);
    },
    onattribentity(codePoint) {
      if (attributeName !== null) attributeValue += String.fromCodePoint(codePoint);
    },
    onattribend() {
      if (attributeName !== null) handler.attribute(attributeName, attributeValue);
      attributeName = null;
      attributeValue = '';
    },
    onopentagend() {
      openEnd();
    },
    onselfclosingtag() {
      if (!inForeign()) {
        openEnd(); // "/>" means nothing on an HTML element
        return;
      }
      const name = tag;
      openEnd();
      if (name !== null && name !== '' && names[names.length - 1] === name) pop();
    },
    onclosetag(start, end) {
      // Nearly every end tag closes the innermost element: that is checked on the page's characters, without
      // cutting the name out. (The innermost element is never void, and is only <image> in foreign content.)
      if (closesInnermost(start, end)) {
        pop();
        return;
      }
      const name = readName(start, end);
      if (VOID.has(name)) {
        if (name === 'br') {
          handler.openStart('br');
          handler.openEnd();
          handler.close();
        }
        return;
      }
      const at = names.lastIndexOf(name);
      if (at !== -1) {
        while (names.length > at) pop();
      } else if (name === 'p') {
        open('p');
        tag = null;
        handler.openEnd();
        pop();
      }
    },
    ontext(start, end) {
      if (handler.wantsText()) text(start, end);
    },
    ontextentity(codePoint) {
      if (!handler.wantsText()) return;
      const char = String.fromCodePoint(codePoint);
      handler.text(char, 0, char.length);
    },
    oncdata(start, end, offset) {
      // HTML reads <![CDATA[...]]> as text only in foreign content, and as a comment elsewhere.
      if (inForeign() && handler.wantsText()) text(start, end - offset);
    },
    oncomment() {},
    ondeclaration() {},
    onprocessinginstruction() {},
    onend() {
      // A start tag cut off by the end of the page was never opened for the handler: drop it, as browsers do.
      if (tag !== null && tag !== '' && !VOID.has(tag) && names[names.length - 1] === tag) {
        names.pop();
        if (pushedForeign.pop() === true) foreign.pop();
      }
      tag = null;
      while (names.length > 0 && !stopped) pop();
    },
    isInForeignContext: inForeign,
  };
  const tokenizer = new Tokenizer({ xmlMode: false, decodeEntities: true }, callbacks);

  return {
    write(text) {
      if (stopped) return;
      buffers.push(text);
      chunkOffset += chunk.length;
      chunk = text;
      tokenizer.write(text);
    },
    end() {
      if (stopped) return;
      tokenizer.end();
    },
    stop() {
      stopped = true;
      tokenizer.pause();
    },
  };
}

