// The verify step of the receiver: fetch the source through net/'s guarded client (timeouts, size cap, redirect
// limit, SSRF guard on the address connected to), then decide (pure, judgeSource): is it gone, does it link to the
// target, and what does it say (microformats2)? Every failure is a Verification with a code, never an exception;
// only a broken client (one that rejects with something other than a FetchError) throws.
import { sniff, SNIFF_BYTES } from '../../site/charset.ts';
import { decodeBody } from '../../targets/decode.ts';
import { FetchError, header, type HttpClient, type HttpResponse } from '../../net/types.ts';
import type { Author, Received, Verification } from '../types.ts';
import { authorFromPage, parseMicroformats, readEntry, type Entry } from './entry.ts';
import { comparableTarget, jsonLinks, mediaKind, readHtml, textLinks } from './links.ts';
import { escapeHtml } from './sanitize.ts';

export { sanitizeContent } from './sanitize.ts';

export interface VerifySourceDeps {
  client: HttpClient;
  /** Aborts the fetch (a worker shutting down): the result is a retryable fetch-failed. */
  signal?: AbortSignal;
  /** Bytes of the source read at most (decoded); a link further down is not seen. Default 1 MiB. */
  maxBytes?: number;
  /** Fetch the author's page when the entry names its author by URL only (the authorship algorithm). Default true. */
  authorPage?: boolean;
}

export const DEFAULT_SOURCE_BYTES = 1024 * 1024;

/**
 * Microformats are read from the first 256 Ki characters only. microformats-parser (parse5 underneath) costs about
 * 0.4-0.5 ms of CPU per KB on the event loop (measured: 1 MB ~ 0.4-0.5 s, 20 KB ~ 15 ms), so a full 1 MiB page per
 * job would let a flood of big sources stall the server; a reply's h-entry sits well inside the first 256 K.
 * The link check (htmlparser2, about ten times cheaper) still reads the whole capped body.
 */
const MAX_MICROFORMATS_CHARS = 256 * 1024;

const ACCEPT = 'text/html, application/xhtml+xml;q=0.9, application/json;q=0.8, text/plain;q=0.7, */*;q=0.1';

export async function verifySource(received: Received, deps: VerifySourceDeps): Promise<Verification> {
  let response: HttpResponse;
  try {
    response = await deps.client.request({
      method: 'GET',
      url: received.source,
      headers: { accept: ACCEPT },
      maxBytes: deps.maxBytes ?? DEFAULT_SOURCE_BYTES,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
  } catch (error) {
    if (error instanceof FetchError) return fetchFailure(error);
    throw error;
  }
  const verification = judgeSource(received, response);
  if (deps.authorPage === false || !verification.ok) return verification;
  const author = verification.author;
  if (author?.url === undefined || author.name !== undefined || author.photo !== undefined) return verification;
  const found = await fetchAuthor(author.url, deps);
  return found ? { ...verification, author: found } : verification;
}

/** Author pages are profiles: small. */
const AUTHOR_PAGE_BYTES = 256 * 1024;

/** The h-card on an author page, through the same guarded client; any failure just leaves the URL. */
async function fetchAuthor(url: string, deps: VerifySourceDeps): Promise<Author | undefined> {
  try {
    const response = await deps.client.request({
      method: 'GET',
      url,
      headers: { accept: 'text/html, application/xhtml+xml;q=0.9' },
      maxBytes: AUTHOR_PAGE_BYTES,
      ...(deps.signal ? { signal: deps.signal } : {}),
    });
    if (response.status !== 200 || mediaKind(header(response, 'content-type')) !== 'html') return undefined;
    return authorFromPage(decodeBody(response.body, header(response, 'content-type')), response.url, url);
  } catch (error) {
    if (error instanceof FetchError) return undefined;
    throw error;
  }
}

/** Why a fetch gave no answer, as a Verification: what may succeed later is retryable. */
export function fetchFailure(error: FetchError): Verification {
  const reason = `the source could not be fetched: ${error.message}`;
  switch (error.code) {
    case 'private-address':
      return { ok: false, code: 'refused-address', reason: `the source is on a private address: ${error.message}`, retryable: false };
    case 'timeout':
    case 'unreachable':
    case 'reset':
    case 'aborted':
      return { ok: false, code: 'fetch-failed', reason, retryable: true };
    case 'too-large':
      return { ok: false, code: 'unreadable', reason, retryable: false };
    default:
      // bad-url, redirects, protocol: the same request will meet the same answer.
      return { ok: false, code: 'fetch-failed', reason, retryable: false };
  }
}

/** The decision on a fetched source. Pure. */
export function judgeSource(received: Received, response: HttpResponse): Verification {
  const status = response.status;
  if (status === 404 || status === 410) {
    return { ok: false, code: 'gone', reason: `the source answered HTTP ${status}`, retryable: false };
  }
  if (status < 200 || status > 299) {
    // A server error or "too many requests" may pass; any other answer is the source's final word for now.
    const retryable = status >= 500 || status === 429 || status === 408;
    return { ok: false, code: 'fetch-failed', reason: `the source answered HTTP ${status}`, retryable };
  }
  const target = comparableTarget(received.target);
  if (target === null) return { ok: false, code: 'no-link', reason: 'the target is not an http(s) URL', retryable: false };

  const contentType = header(response, 'content-type');
  const kind = mediaKind(contentType);
  const sniffed = sniff(response.body.subarray(0, SNIFF_BYTES));
  if (kind === null || sniffed.kind === 'binary') {
    const what = sniffed.kind === 'binary' ? sniffed.what : (contentType ?? 'no type');
    return { ok: false, code: 'unreadable', reason: `the source is not a text type read for links (${what})`, retryable: false };
  }
  const body = decodeBody(response.body, contentType);
  // A link in the part read counts; none there says nothing about the rest, so it is not "no longer links".
  const notFound = (): Verification =>
    response.truncated
      ? { ok: false, code: 'unreadable', reason: `no link to the target in the first ${response.body.length} bytes of the source (the cap)`, retryable: false }
      : { ok: false, code: 'no-link', reason: 'the source does not link to the target', retryable: false };

  if (kind === 'json') return jsonLinks(body, target) ? claimedOnly(received, undefined) : notFound();
  if (kind === 'text') return textLinks(body, target) ? claimedOnly(received, undefined) : notFound();

  const facts = readHtml(body, response.url, target);
  if (facts.metaStatus === 410) {
    return { ok: false, code: 'gone', reason: 'the source says <meta http-equiv="Status" content="410 Gone">', retryable: false };
  }
  if (!facts.linked) return notFound();
  if (!facts.microformats) return claimedOnly(received, facts.title);
  const parsed = parseMicroformats(body.length > MAX_MICROFORMATS_CHARS ? body.slice(0, MAX_MICROFORMATS_CHARS) : body, facts.base);
  const entry = parsed ? readEntry(parsed, target, facts.base) : null;
  if (entry === null) return claimedOnly(received, facts.title);
  return withDefaults(entry, received);
}

function withDefaults(entry: Entry, received: Received): Verification {
  return { ok: true, ...entry, url: entry.url ?? received.source };
}

/**
 * A verified link with no microformats: what the sender claimed (TrackBack's title, excerpt, blog name, already
 * plain text) and else the page's <title>, so a listing still has something to show.
 */
function claimedOnly(received: Received, title: string | undefined): Verification {
  const result: Verification = { ok: true, property: 'mention-of', url: received.source };
  const name = received.claimed?.title ?? title;
  if (name !== undefined && name !== '') result.name = name;
  const excerpt = received.claimed?.excerpt;
  if (excerpt !== undefined && excerpt !== '') result.content = { html: escapeHtml(excerpt), text: excerpt };
  const blogName = received.claimed?.blogName;
  if (blogName !== undefined && blogName !== '') result.author = { name: blogName };
  return result;
}
