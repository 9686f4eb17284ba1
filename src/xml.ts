// A small, safe XML reader, shared by sending (Trackback and XML-RPC answers) and receiving (pingback.ping
// requests, which come from anyone). Safety comes in three layers:
// a DTD or entity declaration is refused before any parsing (no entity expansion can ever happen),
// the parser's own entity processing is off, and only the five predefined entities and numeric
// character references are decoded, here. fast-xml-parser's validator supplies well-formedness,
// which its parser alone does not check (a truncated answer would otherwise parse).
import { createRequire } from 'node:module';
import type * as Fxp from 'fast-xml-parser';

export interface XmlElement {
  name: string;
  /** Child elements and text (entities decoded; CDATA as written), in document order. */
  children: XmlNode[];
}

export type XmlNode = XmlElement | string;

export type XmlParse = { ok: true; root: XmlElement } | { ok: false; message: string };

/** Protocol answers are tiny; anything longer is refused before parsing. */
export const MAX_XML_CHARS = 64 * 1024;

const DECLARATION = /<!DOCTYPE|<!ENTITY/i;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const REFERENCE = /^(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/;
const CDATA = '#cdata';
const TEXT = '#text';

// fast-xml-parser is loaded with the first XML read, not at import: every `send` imports this module through
// the Trackback and Pingback senders, and a dry run or a Webmention-only run never reads XML. require(), not
// import(), because parseXml and the answer readers that call it are synchronous.
let loaded: { parser: Fxp.XMLParser; validator: typeof Fxp.XMLValidator } | null = null;
function fxp(): { parser: Fxp.XMLParser; validator: typeof Fxp.XMLValidator } {
  if (loaded !== null) return loaded;
  const { XMLParser, XMLValidator } = createRequire(import.meta.url)('fast-xml-parser') as typeof Fxp;
  const parser = new XMLParser({
    preserveOrder: true,
    processEntities: false,
    htmlEntities: false,
    ignoreAttributes: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    parseTagValue: false,
    trimValues: false,
    cdataPropName: CDATA,
  });
  loaded = { parser, validator: XMLValidator };
  return loaded;
}

export function parseXml(text: string): XmlParse {
  if (text.trim() === '') return { ok: false, message: 'empty body' };
  if (text.length > MAX_XML_CHARS) return { ok: false, message: `XML longer than ${MAX_XML_CHARS} characters` };
  if (DECLARATION.test(text)) {
    return { ok: false, message: 'XML with a DTD or entity declaration is refused (entity expansion risk)' };
  }
  const valid = fxp().validator.validate(text);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    const where = typeof line === 'number' && typeof col === 'number' ? ` at line ${line}, column ${col}` : '';
    return { ok: false, message: `malformed XML${where}: ${msg.replace(/\.$/, '')}` };
  }
  let nodes: XmlNode[];
  try {
    nodes = toNodes(fxp().parser.parse(text));
  } catch (error) {
    return { ok: false, message: `unreadable XML: ${error instanceof Error ? error.message : String(error)}` };
  }
  const roots = nodes.filter(isElement);
  const root = roots[0];
  if (root === undefined || roots.length > 1) return { ok: false, message: 'XML must have exactly one root element' };
  return { ok: true, root };
}

export function isElement(node: XmlNode): node is XmlElement {
  return typeof node !== 'string';
}

export function childElements(element: XmlElement): XmlElement[] {
  return element.children.filter(isElement);
}

/** The first child element of that name. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((node): node is XmlElement => isElement(node) && node.name === name);
}

/** All text inside the element and its descendants, trimmed. */
export function textOf(element: XmlElement): string {
  const collect = (node: XmlNode): string => (isElement(node) ? node.children.map(collect).join('') : node);
  return collect(element).trim();
}

/** fast-xml-parser's ordered output -> typed nodes. Throws on a reference we do not decode. */
function toNodes(raw: unknown): XmlNode[] {
  if (!Array.isArray(raw)) return [];
  const nodes: XmlNode[] = [];
  for (const item of raw as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    for (const [key, value] of Object.entries(item)) {
      if (key === ':@') continue; // attributes: never needed by the protocols
      if (key === TEXT) nodes.push(decodeReferences(String(value)));
      else if (key === CDATA) nodes.push(cdataText(value));
      else nodes.push({ name: key, children: toNodes(value) });
    }
  }
  return nodes;
}

function cdataText(value: unknown): string {
  if (!Array.isArray(value)) return '';
  return value.map((part: unknown) => (typeof part === 'object' && part !== null && TEXT in part ? String(part[TEXT]) : '')).join('');
}

function decodeReferences(text: string): string {
  const [head = '', ...rest] = text.split('&');
  let out = head;
  for (const part of rest) {
    const match = REFERENCE.exec(part);
    if (!match) throw new Error(`undeclared entity or bare "&" near "&${part.slice(0, 12)}"`);
    const [whole, hex, decimal, name] = match;
    const decoded = name !== undefined ? (PREDEFINED[name] ?? '') : codePoint(hex !== undefined ? parseInt(hex, 16) : Number(decimal));
    out += decoded + part.slice(whole.length);
  }
  return out;
}

function codePoint(value: number): string {
  const allowed = value === 0x9 || value === 0xa || value === 0xd || (value >= 0x20 && value <= 0xd7ff) || (value >= 0xe000 && value <= 0xfffd) || (value >= 0x10000 && value <= 0x10ffff);
  if (!allowed) throw new Error(`character reference to U+${value.toString(16).toUpperCase()}, not allowed in XML`);
  return String.fromCodePoint(value);
}
