// Receiving TrackBack 1.2 (pure): a form POST to one target's TrackBack URL -> a claim, and the answers
// <error>0</error> or <error>1</error><message>…</message>. The target comes from the URL, as
// `/<domain>/trackback?target=<url>` or `/<domain>/trackback/<path on the site>`. The form's bytes are decoded
// in the charset of its Content-Type (UTF-8 by default; Movable Type era senders post Latin-1 and Shift_JIS).
// Trackback spam is why the protocol died: by default the url must link to the target, verified within a
// deadline like a pingback (trackbackAnswer).
import type { HttpAnswer, Received, ReceiverRequest, Verification } from '../types.ts';
import { charsetParam } from '../../targets/decode.ts';
import { decodePage } from '../../site/decode.ts';
import { claimUrl, onSite } from './claim-url.ts';
import { escapeXml } from './pingback.ts';

/** A trackback is a title, a URL and an excerpt; a form over this is not one. */
export const MAX_TRACKBACK_BYTES = 64 * 1024;

/** Cut, not refused: senders send whole posts as excerpts (WordPress cuts at 252 characters, Movable Type at 255). */
export const LIMITS = { title: 250, excerpt: 1000, blogName: 250 } as const;

export type TrackbackAccept = { ok: true; received: Received } | { ok: false; answer: HttpAnswer };

export function acceptTrackback(request: ReceiverRequest, site: string, now: Date): TrackbackAccept {
  if (request.method !== 'POST') return { ok: false, answer: trackbackError('TrackBack pings must use HTTP POST.', 405, { allow: 'POST' }) };
  if (request.body.length > MAX_TRACKBACK_BYTES) return { ok: false, answer: trackbackError(`The ping is over ${MAX_TRACKBACK_BYTES} bytes.`, 413) };
  const targetText = targetOf(request.url, site);
  if (targetText === undefined) return refuse('No target: ping /<domain>/trackback?target=<post URL> or /<domain>/trackback/<post path>.');
  const target = claimUrl(targetText, 'target');
  if (!target.ok) return refuse(`Unusable target: ${target.why}.`);
  if (!onSite(target.url, site)) return refuse('The target is not on a site this server receives for.');

  const form = readForm(request.body, request.headers['content-type']);
  const source = claimUrl(form.get('url') ?? '', 'url');
  if (!source.ok) return refuse(`Unusable url: ${source.why}.`);
  if (source.url === target.url) return refuse('The url and the target are the same URL.');
  const claimed: NonNullable<Received['claimed']> = {};
  const title = field(form.get('title'), LIMITS.title);
  const excerpt = field(form.get('excerpt'), LIMITS.excerpt);
  const blogName = field(form.get('blog_name'), LIMITS.blogName);
  if (title !== undefined) claimed.title = title;
  if (excerpt !== undefined) claimed.excerpt = excerpt;
  if (blogName !== undefined) claimed.blogName = blogName;
  return {
    ok: true,
    received: {
      site,
      protocol: 'trackback',
      source: source.url,
      target: target.url,
      ...(Object.keys(claimed).length > 0 ? { claimed } : {}),
      clientAddress: request.clientAddress,
      receivedAt: now.toISOString(),
    },
  };
}

/** The target: `?target=` first, else the path after `/trackback` on the site (a per-post TrackBack URL). */
function targetOf(requestUrl: string, site: string): string | undefined {
  const url = new URL(requestUrl, 'http://receiver.invalid');
  const fromQuery = url.searchParams.get('target');
  if (fromQuery !== null) return fromQuery;
  const path = /^\/[^/]+\/trackback(\/.*)$/.exec(url.pathname)?.[1];
  if (path === undefined || path === '/') return undefined;
  return new URL(path, site).href;
}

/**
 * application/x-www-form-urlencoded, percent-escapes decoded to bytes and the bytes decoded in the declared
 * charset. URLSearchParams cannot do this: it always reads the escapes as UTF-8, so Latin-1 "caf%E9" came out
 * as "caf\uFFFD". Without a usable charset: UTF-8 when the bytes are UTF-8, else windows-1252 (the guess that
 * decodes any byte, as for pages). A charset that is not ASCII-compatible (UTF-16/32) cannot describe a form
 * (its names would be unreadable) and is treated as absent.
 */
export function readForm(body: Buffer, contentType: string | undefined): Map<string, string> {
  const label = usableCharset(charsetParam(contentType));
  const form = new Map<string, string>();
  for (const pair of body.toString('latin1').split('&')) {
    if (pair === '') continue;
    const at = pair.indexOf('=');
    const name = decodeText(formBytes(at === -1 ? pair : pair.slice(0, at)), label);
    const value = decodeText(formBytes(at === -1 ? '' : pair.slice(at + 1)), label);
    if (!form.has(name)) form.set(name, value); // a repeated field: the first one counts
  }
  return form;
}

function usableCharset(label: string | undefined): string | undefined {
  if (label === undefined || /^utf-?(16|32)|^ucs-?2|^unicode/.test(label)) return undefined;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined; // unknown labels (utf-7, typos): guessed as if absent
  }
}

function decodeText(bytes: Uint8Array, label: string | undefined): string {
  return decodePage(bytes, label ?? 'utf-8', label !== undefined).text;
}

/** The bytes of one form-encoded string: '+' is a space, %XX a byte, anything else itself. */
function formBytes(text: string): Uint8Array {
  const latin1 = text.replace(/\+/g, ' ').replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(latin1, 'latin1');
}

/** Plain text, one line of spaces for any run of whitespace, control characters dropped, cut to the limit. */
function field(value: string | undefined, limit: number): string | undefined {
  // eslint-disable-next-line no-control-regex
  const text = (value ?? '').replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, '').replace(/\s+/g, ' ').trim();
  if (text === '') return undefined;
  const chars = [...text]; // code points, so a cut never splits a surrogate pair
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('').trimEnd()}…`;
}

function refuse(message: string): { ok: false; answer: HttpAnswer } {
  return { ok: false, answer: trackbackError(message) };
}

/** What became of the claim by the deadline (as for pingbacks). */
export type TrackbackResult = { state: 'verified'; verification: Verification } | { state: 'pending' };

/** The answer for a queued claim; reasons are ours, never the source's fetch error (see pingbackAnswer). */
export function trackbackAnswer(result: TrackbackResult): HttpAnswer {
  if (result.state === 'pending' || result.verification.ok) return trackbackOk();
  switch (result.verification.code) {
    case 'gone':
      return trackbackError('The url does not exist.');
    case 'fetch-failed':
    case 'refused-address':
      return trackbackError('The url could not be fetched.');
    case 'no-link':
      return trackbackError('The url does not link to the target.');
    case 'unreadable':
      return trackbackError('The url could not be read for a link to the target.');
  }
}

export function trackbackOk(): HttpAnswer {
  return xmlAnswer(200, {}, '<response>\n<error>0</error>\n</response>\n');
}

/** An error is HTTP 200 unless said otherwise: TrackBack senders read the body, and many ignore the status. */
export function trackbackError(message: string, status = 200, headers: Record<string, string> = {}): HttpAnswer {
  return xmlAnswer(status, headers, `<response>\n<error>1</error>\n<message>${escapeXml(message)}</message>\n</response>\n`);
}

function xmlAnswer(status: number, headers: Record<string, string>, inner: string): HttpAnswer {
  return { status, headers: { 'content-type': 'text/xml; charset=utf-8', ...headers }, body: `<?xml version="1.0" encoding="utf-8"?>\n${inner}` };
}
