// TrackBack 1.2 auto-discovery: pages embed RDF, usually inside an HTML comment so browsers
// ignore it, one rdf:Description per post:
//   <rdf:RDF ...><rdf:Description rdf:about="..." dc:identifier="<post URL>" trackback:ping="<endpoint>"/></rdf:RDF>
// An index page carries one block per post, so a block counts only if its dc:identifier is the
// page we link to; taking "the first block" would send our ping to some other post.
import { Parser } from 'htmlparser2';

export interface TrackbackDescription {
  /** dc:identifier: the post this description is about. */
  identifier: string | null;
  /** trackback:ping: its TrackBack endpoint, as written. */
  ping: string | null;
}

export interface TrackbackMatch {
  /** Every description found on the page, in order (at most MAX_BLOCKS blocks are read). */
  descriptions: TrackbackDescription[];
  /** The first description whose identifier is one of the page's URLs; never another post's. */
  match: TrackbackDescription | null;
}

const MAX_BLOCKS = 1000;
const OPEN = '<rdf:RDF';
const CLOSE = '</rdf:RDF>';

/** Looks for the RDF description of one of `pageUrls` (the URL we link to, and where it redirected). */
export function findTrackbackRdf(text: string, pageUrls: readonly string[]): TrackbackMatch {
  const descriptions = rdfBlocks(text).flatMap(readRdfBlock);
  const match = descriptions.find((d) => d.identifier !== null && pageUrls.some((url) => sameResource(d.identifier as string, url))) ?? null;
  return { descriptions, match };
}

/**
 * The raw `<rdf:RDF ...>...</rdf:RDF>` blocks in a page. A plain text search, not the HTML
 * parser: the blocks live inside comments, where an HTML parser sees only text. Escaped markup
 * (&lt;rdf:RDF) does not match, so sample code on the page is not taken for a declaration.
 */
export function rdfBlocks(text: string): string[] {
  const blocks: string[] = [];
  let from = 0;
  while (blocks.length < MAX_BLOCKS) {
    const start = text.indexOf(OPEN, from);
    if (start === -1) break;
    const end = text.indexOf(CLOSE, start);
    if (end === -1) break;
    blocks.push(text.slice(start, end + CLOSE.length));
    from = end + CLOSE.length;
  }
  return blocks;
}

/**
 * The descriptions in one RDF block. Read with htmlparser2 in XML mode, which tolerates the
 * sloppy XML these blocks often are (a raw & in a URL) instead of rejecting the block.
 * Both spellings are read: attributes (`dc:identifier="..."`) and child elements.
 * Namespace prefixes are ignored: only local names are compared.
 */
export function readRdfBlock(block: string): TrackbackDescription[] {
  const found: TrackbackDescription[] = [];
  let current: TrackbackDescription | null = null;
  let textOf: 'identifier' | 'ping' | null = null;
  let text = '';
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const local = localName(name);
        if (local === 'description') {
          current = { identifier: null, ping: null };
          for (const [attr, value] of Object.entries(attribs)) {
            const key = localName(attr);
            if (key === 'identifier' || key === 'ping') current[key] = value.trim();
          }
        } else if (current !== null && (local === 'identifier' || local === 'ping')) {
          const resource = Object.entries(attribs).find(([attr]) => localName(attr) === 'resource');
          if (resource !== undefined) current[local] = resource[1].trim();
          textOf = local;
          text = '';
        }
      },
      ontext(data) {
        if (textOf !== null) text += data;
      },
      onclosetag(name) {
        const local = localName(name);
        if (current !== null && textOf !== null && local === textOf) {
          if (text.trim() !== '') current[textOf] = text.trim();
          textOf = null;
        } else if (current !== null && local === 'description') {
          found.push(current);
          current = null;
        }
      },
    },
    { xmlMode: true },
  );
  parser.end(block);
  return found;
}

/**
 * Whether two URLs name the same page: compared after WHATWG URL parsing (case of the host,
 * default port, percent-encoding), ignoring the fragment and a trailing slash on the path.
 */
export function sameResource(a: string, b: string): boolean {
  const left = comparable(a);
  return left !== null && left === comparable(b);
}

function comparable(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  parsed.hash = '';
  if (parsed.pathname.length > 1 && parsed.pathname.endsWith('/')) parsed.pathname = parsed.pathname.slice(0, -1);
  return parsed.href;
}

function localName(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1).toLowerCase();
}
