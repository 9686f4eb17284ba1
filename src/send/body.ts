// Turning an answer's bytes into text: the charset is taken from a byte order mark, then the
// Content-Type charset, then the XML declaration (RFC 7303 order), else UTF-8.
import type { HttpResponse } from '../net/types.ts';
import { header } from '../net/types.ts';
import { decodeWith } from '../net/text.ts';

type Answer = Pick<HttpResponse, 'headers' | 'body'>;

export function decodeBody(res: Answer): string {
  try {
    return decodeWith(new TextDecoder(bodyCharset(res)), res.body);
  } catch {
    // An unknown label: reading it as UTF-8 still lets a mostly-ASCII answer be understood.
    return decodeWith(new TextDecoder('utf-8'), res.body);
  }
}

export function bodyCharset(res: Answer): string {
  const bytes = res.body;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  const fromHeader = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(header(res, 'content-type') ?? '')?.[1];
  if (fromHeader !== undefined) return fromHeader;
  // The declaration is ASCII in every encoding a declaration may name here, so latin1 reads it safely.
  const head = bytes.subarray(0, 200).toString('latin1');
  const fromDeclaration = /^<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z][\w.:-]*)["']/.exec(head)?.[1];
  return fromDeclaration ?? 'utf-8';
}

/** The media type of the answer, lower-cased, without parameters ('' when absent). */
export function mediaType(res: Pick<HttpResponse, 'headers'>): string {
  return (header(res, 'content-type') ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/** Whether the body is text a person could read in one line (plain text or JSON, not markup). */
export function isReadableText(res: Pick<HttpResponse, 'headers'>): boolean {
  const type = mediaType(res);
  return type === 'text/plain' || type === 'application/json' || type.endsWith('+json');
}
