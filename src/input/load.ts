// Reading a feed or a sitemap: a local file, or an http(s) URL fetched with the run's client (limiter, retries,
// SSRF guard, size caps) like every other request. Not being able to read the input is fatal for the run.
import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { LinkbackError } from '../errors.ts';
import type { NetContext } from '../net/attempt.ts';
import { requestWithRetry } from '../net/attempt.ts';
import { header } from '../net/types.ts';
import { conditionalHeaders, readValidators } from './conditional.ts';
import type { Validators } from './conditional.ts';

/** Feeds and sitemaps over this are refused (the sitemap protocol caps a file at 50 MB uncompressed). */
export const MAX_INPUT_BYTES = 50 * 1024 * 1024;

export interface Loaded {
  /** The absolute URL it was fetched from (after redirects), or null for a local file. */
  url: string | null;
  bytes: Buffer;
  /** The Content-Type's charset, when the server named one. */
  charset: string | null;
  /** The answer's Link header values ([] for a file): a feed's WebSub hub may be named there. */
  links: string[];
  /** The answer's ETag / Last-Modified (null for a file, or when the server sent none). */
  validators: Validators | null;
}

/** A conditional GET answered 304: the input did not change since the validators were given. */
export interface NotModified {
  notModified: true;
  url: string;
}

export function isUrl(location: string): boolean {
  return /^https?:\/\//i.test(location);
}

/** Reads the input; with `known` validators (src/input/conditional.ts), a URL is fetched conditionally. */
export async function loadInput(ctx: NetContext, location: string, what: 'feed' | 'sitemap', accept: string): Promise<Loaded>;
export async function loadInput(ctx: NetContext, location: string, what: 'feed' | 'sitemap', accept: string, known: Validators | null): Promise<Loaded | NotModified>;
export async function loadInput(ctx: NetContext, location: string, what: 'feed' | 'sitemap', accept: string, known: Validators | null = null): Promise<Loaded | NotModified> {
  if (!isUrl(location)) {
    const bytes = await readFile(location).catch((cause: unknown) => {
      throw new LinkbackError('SITE_NOT_FOUND', `${what} not found: ${location} (${(cause as Error).message})`, { cause });
    });
    return { url: null, bytes: gunzipIfNeeded(bytes, location, what), charset: null, links: [], validators: null };
  }
  const headers = { accept, ...conditionalHeaders(known) };
  const got = await requestWithRetry(ctx, { method: 'GET', url: location, headers, maxBytes: MAX_INPUT_BYTES }, true);
  if ('error' in got) throw new LinkbackError('SITE_NOT_FOUND', `cannot fetch the ${what} ${location}: ${got.error.message}`, { cause: got.error });
  const res = got.response;
  // Only an answer to a conditional request: a 304 to a plain GET is a broken server, read as the error it is.
  if (res.status === 304 && known !== null) return { notModified: true, url: res.url };
  if (res.status < 200 || res.status > 299) throw new LinkbackError('SITE_NOT_FOUND', `cannot fetch the ${what} ${location}: HTTP ${res.status}`);
  if (res.truncated) throw new LinkbackError('USAGE', `the ${what} ${location} is over ${MAX_INPUT_BYTES} bytes`);
  const charset = /;\s*charset\s*=\s*"?([\w.:-]+)/i.exec(header(res, 'content-type') ?? '')?.[1] ?? null;
  return { url: res.url, bytes: gunzipIfNeeded(res.body, location, what), charset, links: res.headers.link ?? [], validators: readValidators(res) };
}

/** sitemap.xml.gz is common; a server that sent it with Content-Encoding was already decoded by the client. */
function gunzipIfNeeded(bytes: Buffer, location: string, what: string): Buffer {
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_INPUT_BYTES });
  } catch (cause) {
    throw new LinkbackError('USAGE', `the ${what} ${location} is not readable gzip, or over ${MAX_INPUT_BYTES} bytes unpacked`, { cause });
  }
}

/** XML and JSON as text: a byte-order mark, else the charset the server named, else the XML declaration, else UTF-8. */
export function decodeText(loaded: Loaded): string {
  const { bytes } = loaded;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return new TextDecoder('utf-8').decode(bytes.subarray(3));
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const declared = /^<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/.exec(bytes.subarray(0, 200).toString('latin1'))?.[1];
  for (const label of [loaded.charset, declared]) {
    if (!label) continue;
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // An unknown label: try the next source.
    }
  }
  return new TextDecoder('utf-8').decode(bytes);
}
