// Turning a fetched page's bytes into text, the way a browser would pick the encoding.
import { TextDecoder } from 'node:util';
import { Parser } from 'htmlparser2';
import { decodeWith } from '../net/text.ts';

/** How far into the body a <meta> charset is looked for (the HTML standard's prescan limit). */
const META_PRESCAN_BYTES = 1024;

/**
 * Decodes a page: a byte order mark first, then the Content-Type charset, then a <meta> charset
 * in the first 1024 bytes, else UTF-8. The BOM goes first, as in the HTML standard's encoding
 * sniffing, because a BOM is a fact about the bytes while a header is often a server default.
 * Never throws: unknown labels fall back to UTF-8 and invalid bytes become U+FFFD.
 */
export function decodeBody(body: Buffer, contentType: string | undefined): string {
  const label = bomEncoding(body) ?? charsetParam(contentType) ?? metaCharset(body) ?? 'utf-8';
  return decodeWith(decoderFor(label), body);
}

/** Whether a response of this type may be parsed as HTML; a missing type is given the benefit of the doubt. */
export function isHtmlLike(contentType: string | undefined): boolean {
  const essence = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === '' || essence === 'text/html' || essence === 'application/xhtml+xml';
}

function decoderFor(label: string): TextDecoder {
  try {
    return new TextDecoder(label);
  } catch {
    // Unknown or unsupported label ("replacement", "x-user-defined", typos).
    return new TextDecoder('utf-8');
  }
}

function bomEncoding(body: Buffer): string | undefined {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return 'utf-8';
  if (body[0] === 0xfe && body[1] === 0xff) return 'utf-16be';
  if (body[0] === 0xff && body[1] === 0xfe) return 'utf-16le';
  return undefined;
}

/**
 * The value after `charset=` in a Content-Type header or a <meta content> attribute
 * (quoted or not); undefined when there is none.
 */
export function charsetParam(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  let from = 0;
  while (true) {
    const at = lower.indexOf('charset', from);
    if (at === -1) return undefined;
    let i = at + 'charset'.length;
    while (lower[i] === ' ' || lower[i] === '\t') i++;
    if (lower[i] !== '=') {
      from = at + 1;
      continue;
    }
    i++;
    while (lower[i] === ' ' || lower[i] === '\t') i++;
    const quote = lower[i] === '"' || lower[i] === "'" ? lower[i] : undefined;
    if (quote !== undefined) i++;
    let end = i;
    while (end < lower.length && lower[end] !== quote && !(quote === undefined && ' \t;,'.includes(lower[end] as string))) end++;
    const label = lower.slice(i, end).trim();
    return label === '' ? undefined : label;
  }
}

/** A <meta charset> or <meta http-equiv="Content-Type" content="...charset=..."> near the start. */
function metaCharset(body: Buffer): string | undefined {
  // Latin-1 maps every byte to one character, so ASCII markup reads the same whatever the real encoding.
  const head = body.subarray(0, META_PRESCAN_BYTES).toString('latin1');
  let found: string | undefined;
  const parser = new Parser({
    onopentag(name, attribs) {
      if (found !== undefined || name !== 'meta') return;
      if (attribs['charset'] !== undefined) {
        found = attribs['charset'].trim().toLowerCase() || undefined;
      } else if (attribs['http-equiv']?.trim().toLowerCase() === 'content-type') {
        found = charsetParam(attribs['content']);
      }
      if (found !== undefined) parser.pause();
    },
  });
  parser.end(head);
  // The HTML standard: a <meta> claiming UTF-16 was itself read as ASCII, so it cannot be right.
  if (found !== undefined && found.startsWith('utf-16')) return 'utf-8';
  return found;
}
