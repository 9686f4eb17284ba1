// The receiver's own words, read from an answer's body for a person: why it refused, or what it said when it
// accepted. Pure. Each kind of body is read for its meaningful part (an HTML page's heading and first paragraph,
// never its scripts, styles or navigation; an XML error's <message>; a JSON error's description), then made one
// short line, cut on a word boundary. Nothing here decides anything: the codes come from the protocol readers.
import { Parser } from 'htmlparser2';
import type { HttpResponse } from '../net/types.ts';
import { decodeBody, mediaType } from './body.ts';
import { MAX_ANSWER_BYTES } from './types.ts';
import type { XmlElement } from '../xml.ts';
import { child, childElements, parseXml, textOf } from '../xml.ts';

/** Characters of a receiver's reason shown in a message: a sentence or two, never a page. */
export const MAX_REASON = 200;

type Answer = Pick<HttpResponse, 'headers' | 'body'>;

export interface ReasonOptions {
  max?: number;
  /** Show a JSON body that has no message-like field as it is (true: an error; false: a success's echo). */
  rawJson?: boolean;
}

/** What the answer's body says, as one line of at most `max` characters; '' when it says nothing readable. */
export function answerReason(res: Answer, { max = MAX_REASON, rawJson = true }: ReasonOptions = {}): string {
  // Protocol answers are capped at this size already; a discovery page may be 5 MiB, of which the start is enough.
  const body = res.body.length > MAX_ANSWER_BYTES ? res.body.subarray(0, MAX_ANSWER_BYTES) : res.body;
  if (body.length === 0) return '';
  const text = decodeBody({ headers: res.headers, body });
  switch (bodyKind(mediaType(res), text)) {
    case 'html':
      return htmlReason(text, max);
    case 'xml':
      return xmlReason(text, max);
    case 'json':
      return jsonReason(text, max, rawJson);
    case 'text':
      return textReason(text, max);
    case 'none':
      return '';
  }
}

/**
 * The reason given with an HTTP error status, without a leading repeat of the status: nginx's "429 Too Many
 * Requests" page reads "Too Many Requests", so the message is "HTTP 429: Too Many Requests".
 */
export function statusReason(res: Pick<HttpResponse, 'status' | 'headers' | 'body'>, max = MAX_REASON): string {
  const repeat = new RegExp(`^(?:HTTP(?:/[\\d.]+)?\\s*)?${res.status}\\b[\\s:.-]*`, 'i');
  return answerReason(res, { max }).replace(repeat, '');
}

type BodyKind = 'html' | 'xml' | 'json' | 'text' | 'none';

function bodyKind(type: string, text: string): BodyKind {
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type === 'text/xml' || type === 'application/xml' || type.endsWith('+xml')) return 'xml';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/plain') return 'text';
  // Anything else that is not declared text (images, octet streams) is not read: it could be any bytes.
  if (type !== '' && !type.startsWith('text/')) return 'none';
  const start = text.trimStart().slice(0, 100);
  if (start.startsWith('<?xml')) return 'xml';
  if (start.startsWith('<')) return 'html';
  if (start.startsWith('{') || start.startsWith('[')) return 'json';
  return 'text';
}

/** Plain text: one line, cut. */
export function textReason(text: string, max = MAX_REASON): string {
  return cutOnWord(oneLine(text), max);
}

// Elements that hold no words for a reader.
const SKIPPED = new Set(['script', 'style', 'noscript', 'template', 'svg', 'math', 'iframe', 'object', 'select']);
// Elements that separate words: "<p>a</p><p>b</p>" reads "a b", while "<b>wo</b>rd" stays one word.
const BLOCKS = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'br', 'center', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption',
  'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'html', 'li', 'main', 'nav', 'ol', 'p',
  'pre', 'section', 'table', 'td', 'th', 'title', 'tr', 'ul',
]);
/** Deeper markup is not read on (htmlparser2's stack costs grow with depth; see targets/html-endpoints.ts). */
const MAX_DEPTH = 512;
/** Raw characters kept of each part; the reason is a sentence, so a few thousand are plenty. */
const MAX_PART = 4096;

/**
 * An HTML page: its first <h1> and first non-empty <p>, joined ("Forbidden: You don't have permission ..."). The
 * <title> is left out when the body has either, since titles are mostly a site's name or "Error"; a page with
 * neither (a bare message sent as text/html, as Django's HttpResponseBadRequest does) reads as its title and text.
 */
export function htmlReason(html: string, max = MAX_REASON): string {
  let title = '';
  let h1 = '';
  let paragraph = '';
  let all = '';
  let depth = 0;
  let skipping = 0;
  let inTitle = false;
  let inH1 = false;
  let inP = false;
  let titleDone = false;
  let h1Done = false;
  let pDone = false;
  const add = (part: string, chunk: string): string => (part.length < MAX_PART ? part + chunk : part);
  const parser = new Parser(
    {
      onopentag(name) {
        depth++;
        if (depth > MAX_DEPTH) {
          parser.pause();
          return;
        }
        if (SKIPPED.has(name)) skipping++;
        if (skipping > 0) return;
        if (name === 'title' && !titleDone) inTitle = true;
        if (name === 'h1' && !h1Done) inH1 = true;
        if (name === 'p' && !pDone) inP = true;
        if (BLOCKS.has(name)) {
          all = add(all, ' ');
          if (inH1) h1 = add(h1, ' ');
          if (inP) paragraph = add(paragraph, ' ');
        }
      },
      ontext(chunk) {
        if (skipping > 0) return;
        if (inTitle) {
          title = add(title, chunk);
          return;
        }
        all = add(all, chunk);
        if (inH1) h1 = add(h1, chunk);
        if (inP) paragraph = add(paragraph, chunk);
      },
      onclosetag(name) {
        depth--;
        if (SKIPPED.has(name)) {
          skipping = Math.max(0, skipping - 1);
          return;
        }
        if (skipping > 0) return;
        if (BLOCKS.has(name)) all = add(all, ' ');
        if (name === 'title' && inTitle) {
          inTitle = false;
          titleDone = true;
        }
        // An empty heading or paragraph (a spacer, an image) does not count: the next one may hold the words.
        if (name === 'h1' && inH1) {
          inH1 = false;
          h1Done = oneLine(h1) !== '';
        }
        if (name === 'p' && inP) {
          inP = false;
          pDone = oneLine(paragraph) !== '';
        }
        if (h1Done && pDone) parser.pause();
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  const heading = h1Done ? oneLine(h1) : '';
  const detail = pDone ? oneLine(paragraph) : '';
  const said = heading !== '' || detail !== '' ? joinParts(heading, detail) : joinParts(oneLine(title), oneLine(all));
  return cutOnWord(said, max);
}

/** "Heading: detail", or the one that holds the other. */
function joinParts(heading: string, detail: string): string {
  if (heading === '' || detail.toLowerCase().includes(heading.toLowerCase())) return detail;
  if (detail === '' || heading.toLowerCase().includes(detail.toLowerCase())) return heading;
  const bare = heading.replace(/[\s:]+$/, '');
  return /[.!?…]$/.test(bare) ? `${bare} ${detail}` : `${bare}: ${detail}`;
}

// Elements whose text is a reason, wherever they are: TrackBack's and WordPress's <message> (wp_die's XML
// <error><code/><title/><message/></error>), OAuth-style <error_description>, and the usual others.
const REASON_ELEMENTS = new Set(['message', 'error_description', 'description', 'reason', 'detail']);

/**
 * An XML answer, read with the safe XML reader: an XML-RPC fault's faultString, else the first reason-like
 * element, else all its text (BlogEngine.NET answers <response><error>Trackback already registered</error>).
 * A bare number (a TrackBack <error>1</error> alone) says nothing.
 */
export function xmlReason(xml: string, max = MAX_REASON): string {
  const parsed = parseXml(xml);
  let words: string;
  if (parsed.ok) {
    const { root } = parsed;
    // An XML-RPC answer's other text is member names and codes: only its faultString is words.
    words = root.name === 'methodResponse' ? (faultString(root) ?? '') : (firstReasonElement(root) ?? textOf(root));
  } else {
    // A declared entity is never expanded or shown, even as text: the answer is hostile or broken.
    if (/<!ENTITY/i.test(xml)) return '';
    // Not well-formed (a listener echoing a raw "&" or markup): the HTML tokenizer still strips its tags, each
    // of which separates words as XML elements do.
    words = markupText(xml, true);
  }
  const said = oneLine(markupText(words));
  return /^[\d\s.-]*$/.test(said) ? '' : cutOnWord(said, max);
}

/**
 * Text taken from an XML element, for a person. WordPress escapes its strings (IXR_Error, wp_die's XML handler)
 * after they already hold HTML entities ("you&#8217;ve"), and some listeners put markup in a <message>: both are
 * read once more as HTML. Text with neither "<" nor "&" is returned as it is.
 */
export function markupText(text: string, everyTagSeparates = false): string {
  if (!/[<&]/.test(text)) return text;
  let out = '';
  let skipping = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (SKIPPED.has(name)) skipping++;
        else if (everyTagSeparates || BLOCKS.has(name)) out += ' ';
      },
      ontext(chunk) {
        if (skipping === 0 && out.length < MAX_PART) out += chunk;
      },
      onclosetag(name) {
        if (SKIPPED.has(name)) skipping = Math.max(0, skipping - 1);
        else if (everyTagSeparates || BLOCKS.has(name)) out += ' ';
      },
    },
    { decodeEntities: true },
  );
  parser.end(text);
  return out;
}

/** A string the receiver put in a protocol field (a faultString, a <message>): markup read, one line, cut. */
export function fieldReason(text: string, max = MAX_REASON): string {
  return cutOnWord(oneLine(markupText(text)), max);
}

function faultString(root: XmlElement): string | undefined {
  const fault = child(root, 'fault');
  const faultValue = fault ? child(fault, 'value') : undefined;
  const struct = faultValue ? child(faultValue, 'struct') : undefined;
  for (const member of struct ? childElements(struct) : []) {
    const name = child(member, 'name');
    const value = child(member, 'value');
    if (name && value && textOf(name) === 'faultString' && textOf(value) !== '') return textOf(value);
  }
  return undefined;
}

function firstReasonElement(element: XmlElement): string | undefined {
  for (const node of childElements(element)) {
    if (REASON_ELEMENTS.has(node.name.toLowerCase()) && textOf(node) !== '') return textOf(node);
    const inner = firstReasonElement(node);
    if (inner !== undefined) return inner;
  }
  return undefined;
}

// Fields that hold a reason in the JSON answers receivers give: webmention.io's error_description and summary,
// RFC 7807's detail and title, and the common message / error.
const REASON_FIELDS = ['error_description', 'message', 'summary', 'detail', 'error', 'title', 'reason'];

/** A JSON answer: its message-like field, else (for an error) the JSON itself. */
export function jsonReason(text: string, max = MAX_REASON, raw = true): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return raw ? textReason(text, max) : '';
  }
  const found = reasonField(value, 0);
  if (found !== undefined) return cutOnWord(oneLine(found), max);
  return raw ? textReason(text, max) : '';
}

function reasonField(value: unknown, depth: number): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || depth > 2) return undefined;
  const record = value as Record<string, unknown>;
  // OAuth-style answers (webmention.io) pair a code with words: { "error": "no_link_found", "error_description": … }.
  const error = record['error'];
  const code = typeof error === 'string' && /^[\w.-]{1,60}$/.test(error) ? error : undefined;
  for (const field of REASON_FIELDS) {
    // { "error": { "message": "..." } } is as common as a flat one.
    const found = Object.hasOwn(record, field) ? reasonField(record[field], depth + 1) : undefined;
    if (found !== undefined) return code !== undefined && field !== 'error' ? `${code}: ${found}` : found;
  }
  return undefined;
}

/** One line: no control, format or separator characters, whitespace runs made one space. */
export function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]+/gu, ' ').trim();
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const words = new Intl.Segmenter(undefined, { granularity: 'word' });

/**
 * At most `max` characters (user-perceived: an accent or an emoji is never split), cut at the end of a word
 * with "…". A text whose last word boundary is far back (one long URL) is cut inside that word instead, so the
 * cut never throws away more than half of what fits. Word boundaries come from Unicode segmentation, so text
 * without spaces (Japanese, Chinese) is cut between words too.
 */
export function cutOnWord(text: string, max: number): string {
  // Never more graphemes than UTF-16 units: a text this short fits as it is, without segmenting it.
  if (text.length <= max) return text;
  let count = 0;
  let fits = 0; // UTF-16 length of the first max - 1 graphemes (room left for the ellipsis)
  for (const { segment } of graphemes.segment(text)) {
    count++;
    if (count > max) break;
    if (count <= max - 1) fits += segment.length;
  }
  if (count <= max) return text;
  let end = 0;
  for (const { index, segment } of words.segment(text)) {
    if (index + segment.length > fits) break;
    end = index + segment.length;
  }
  if (end < fits / 2) end = fits;
  const head = text.slice(0, end).replace(/[\s.,;:–—-]+$/u, '');
  return `${head}…`;
}
