// The one HttpClient linkback uses: undici underneath, hardened for fetching URLs that
// strangers wrote. Every failure is a FetchError whose `phase` says whether anything may have
// reached the server, because that decides between "unreachable" and "uncertain" later.
//
// Guards, and where each one lives:
// - SSRF: the address actually connected to must be public (unless allowPrivate): connect.ts
//   judges DNS names in the connector's `lookup` (so a name that resolves differently a second
//   time cannot sneak past) and IP literals before connecting; every redirect hop is checked again.
//   undici itself (the few files of it we use) is loaded by undici.ts.
// - Time: one deadline for the whole call, redirects and body included, so a server that
//   trickles a byte a second still ends at timeoutMs.
// - Size: headers over maxHeaderBytes fail; bodies are decoded here and cut at maxBytes of
//   decoded data, so neither a huge body nor a gzip bomb is ever held in memory.

import { Readable, pipeline, type Transform } from 'node:stream';
import { setImmediate } from 'node:timers';
import { whenAborted } from './abort.ts';
import { loadUndici, requestOn } from './undici.ts';
import type { Undici } from './undici.ts';
import { checkUrl } from './address.ts';
import { guardedConnector, parseConnectTo } from './connect.ts';
import { ACCEPT_ENCODING, decodersFor } from './decompress.ts';
import { FetchError, type HttpClient, type HttpRequest, type HttpResponse } from './types.ts';

export interface HttpClientOptions {
  userAgent: string;
  /** Allow loopback, private, link-local... addresses (a local test web, an intranet). */
  allowPrivate: boolean;
  connectTimeoutMs: number;
  /** Total budget of one request() call: connecting, every redirect hop and the whole body. */
  timeoutMs: number;
  maxRedirects: number;
  /** Default cap on the decoded body; HttpRequest.maxBytes overrides it per call. */
  maxBodyBytes: number;
  maxHeaderBytes?: number;
  /**
   * Connect to another address for a host name, keeping the URL, Host header and TLS server
   * name (like curl --connect-to): { 'blog.example': '127.0.0.1:8080' }; '*' maps every other host. The private-address
   * check applies to the address connected to.
   */
  connectTo?: Record<string, string>;
}

export const DEFAULT_HTTP_OPTIONS: Omit<HttpClientOptions, 'userAgent'> = {
  allowPrivate: false,
  connectTimeoutMs: 10_000,
  timeoutMs: 20_000,
  maxRedirects: 10,
  maxBodyBytes: 5 * 1024 * 1024,
  maxHeaderBytes: 64 * 1024,
};

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);


export function createHttpClient(options: HttpClientOptions): HttpClient {
  // Errors raised while connecting: nothing was sent, whatever their code says.
  const connectErrors = new WeakSet<object>();
  // undici (the parts we use: loadUndici) is loaded with the first request, not when the client is made: every run makes a
  // client, and a dry run of a folder whose targets are known, or one that stops early, never asks anyone.
  // Parsed now, not with undici: a malformed entry is refused when the client is made.
  const connectTo = parseConnectTo(options.connectTo ?? {});
  let loaded: Promise<Undici> | null = null;
  const undici = () => (loaded ??= loadUndici().then(({ Agent, buildConnector, request, parseURL }) => ({
    request,
    parseURL,
    agent: new Agent({
      connect: guardedConnector(buildConnector, options, connectTo, connectErrors),
      maxHeaderSize: options.maxHeaderBytes ?? DEFAULT_HTTP_OPTIONS.maxHeaderBytes,
      // Backstops only: the per-call deadline below is the real limit.
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    }),
  })));

  return {
    async request(req: HttpRequest): Promise<HttpResponse> {
      // One controller aborted by the deadline or by the caller, whichever comes first. (Not AbortSignal.any:
      // in Node 20 each of its signals is tracked with weak references until collected, which cost more CPU
      // than the request itself on a loopback send.) Which one fired is told by the caller's signal itself.
      const stopped = new AbortController();
      const timer = setTimeout(() => stopped.abort(), options.timeoutMs);
      const caller = req.signal;
      // Fanned out (./abort.ts): every request of a run shares the run's signal.
      const off = caller ? whenAborted(caller, () => stopped.abort(caller.reason)) : undefined;
      const context = { stopped: stopped.signal, caller, connectErrors };
      try {
        return await follow(await undici(), options, req, stopped.signal, context);
      } finally {
        clearTimeout(timer);
        off?.();
      }
    },
    close: async () => {
      if (loaded !== null) await (await loaded).agent.close();
    },
  };
}

interface ErrorContext {
  /** Aborted by the deadline or the caller: the deadline when the caller's is not. */
  stopped: AbortSignal;
  caller: AbortSignal | undefined;
  connectErrors: WeakSet<object>;
}

async function follow(
  undici: Undici,
  options: HttpClientOptions,
  req: HttpRequest,
  signal: AbortSignal,
  context: ErrorContext,
): Promise<HttpResponse> {
  const followRedirects = req.method === 'GET' && req.followRedirects !== false;
  const headers = { ...req.headers, 'user-agent': options.userAgent, 'accept-encoding': ACCEPT_ENCODING };
  const redirects: string[] = [];
  const visited = new Set<string>();
  let url = req.url;

  while (true) {
    const target = allowedUrl(url, options.allowPrivate);
    visited.add(withoutHash(target));
    if (context.caller?.aborted) {
      throw new FetchError('aborted', redirects.length === 0 ? 'connect' : 'request', url, 'request aborted by the caller');
    }
    let response;
    try {
      response = await requestOn(undici, target, {
        method: req.method,
        headers,
        body: req.method === 'POST' ? req.body : undefined,
        signal,
      });
    } catch (error) {
      throw toFetchError(error, url, context);
    }
    // undici passes on any three digits; HTTP has 100-599 (RFC 9110 15), and nothing above us (the state
    // records of the answer included) has to make sense of a "999".
    if (response.statusCode < 100 || response.statusCode > 599) {
      response.body.on('error', () => undefined).destroy();
      throw new FetchError('protocol', 'request', url, `malformed HTTP answer: status ${response.statusCode} is not an HTTP status`);
    }
    const responseHeaders = normalizeHeaders(response.headers);
    const location = responseHeaders.location?.[0];

    if (followRedirects && REDIRECT_STATUSES.has(response.statusCode) && location !== undefined) {
      // Read a little so the connection can be reused; dump() gives up on large bodies.
      await response.body.dump().catch(() => undefined);
      await connectionReleased();
      const next = resolveLocation(location, target);
      if (next === null) {
        throw new FetchError('bad-url', 'connect', url, `redirect to an unreadable Location: ${location}`);
      }
      if (visited.has(withoutHash(next))) {
        throw new FetchError('redirects', 'request', url, `redirect loop back to ${next}`);
      }
      if (redirects.length >= options.maxRedirects) {
        throw new FetchError('redirects', 'request', url, `more than ${options.maxRedirects} redirects`);
      }
      redirects.push(url);
      url = next;
      continue;
    }

    try {
      const { body, truncated } = await readBody(
        response.body,
        responseHeaders['content-encoding'],
        req.maxBytes ?? options.maxBodyBytes,
        url,
      );
      if (!truncated) await connectionReleased();
      return { url, status: response.statusCode, headers: responseHeaders, body, truncated, redirects };
    } catch (error) {
      throw toFetchError(error, url, context);
    }
  }
}

/**
 * undici hands a kept-alive socket back to its pool only one event-loop turn after a response
 * ends (so that a server closing it anyway is noticed first). Waiting that turn lets the
 * caller's next request to the same origin reuse the connection instead of opening another.
 */
function connectionReleased(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The URL to request, or a FetchError when its scheme, length or literal address is refused. */
function allowedUrl(url: string, allowPrivate: boolean): string {
  const check = checkUrl(url);
  if (check.ok) return check.url.href;
  if (check.code === 'private-address' && allowPrivate) return new URL(url).href;
  throw new FetchError(check.code, 'connect', url, check.reason);
}

function resolveLocation(location: string, base: string): string | null {
  try {
    return new URL(location, base).href;
  } catch {
    return null;
  }
}

function withoutHash(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

function normalizeHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value : [value];
  }
  return headers;
}

/**
 * Reads and decodes the body up to `maxBytes` decoded bytes. On reaching the cap it stops
 * reading and destroys the stream (the connection is then closed, not reused).
 */
async function readBody(
  raw: Readable,
  contentEncoding: string[] | undefined,
  maxBytes: number,
  url: string,
): Promise<{ body: Buffer; truncated: boolean }> {
  const rawChunks: AsyncIterator<Buffer> = raw[Symbol.asyncIterator]();
  try {
    const first = await rawChunks.next();
    if (first.done === true) return { body: Buffer.alloc(0), truncated: false };
    const decoders = decodersFor(contentEncoding, first.value);
    if (decoders === null) {
      throw new FetchError('protocol', 'request', url, `unsupported Content-Encoding: ${contentEncoding?.join(', ')}`);
    }
    // Not encoded (most answers): the chunks as they come, without a stream around them.
    if (decoders.length === 0) return await capped(first.value, rawChunks, maxBytes);
    const decoded = decoders.reduce<Readable>(
      (stream, decoder): Transform => pipeline(stream, decoder, () => undefined),
      Readable.from(prepend(first.value, rawChunks), { objectMode: false }),
    );

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      const room = maxBytes - size;
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room));
        decoded.destroy();
        return { body: Buffer.concat(chunks), truncated: true };
      }
      chunks.push(chunk);
      size += chunk.length;
    }
    return { body: Buffer.concat(chunks), truncated: false };
  } finally {
    // Stopped early (cap, error): free the socket instead of letting the rest arrive.
    if (!raw.readableEnded) raw.destroy();
  }
}

/** The same cut as readBody's, on chunks read straight from the body. */
async function capped(head: Buffer, rest: AsyncIterator<Buffer>, maxBytes: number): Promise<{ body: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for (let next: IteratorResult<Buffer> = { done: false, value: head }; next.done !== true; next = await rest.next()) {
    const chunk = next.value;
    const room = maxBytes - size;
    if (chunk.length > room) {
      chunks.push(chunk.subarray(0, room));
      return { body: Buffer.concat(chunks), truncated: true };
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: Buffer.concat(chunks), truncated: false };
}

async function* prepend(head: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield head;
  while (true) {
    const next = await rest.next();
    if (next.done === true) return;
    yield next.value;
  }
}

// undici error codes, by what they mean for us. Anything else raised after connecting
// (decoder failures included) is a malformed answer: 'protocol'.
const REQUEST_ERROR_CODES: Record<string, 'timeout' | 'reset' | 'too-large'> = {
  UND_ERR_HEADERS_TIMEOUT: 'timeout',
  UND_ERR_BODY_TIMEOUT: 'timeout',
  UND_ERR_HEADERS_OVERFLOW: 'too-large',
  UND_ERR_SOCKET: 'reset',
  UND_ERR_CLOSED: 'reset',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ETIMEDOUT: 'reset',
};
// Raised by the connector; listed too in case one arrives without passing through it.
const CONNECT_ERROR_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function toFetchError(error: unknown, url: string, context: ErrorContext): FetchError {
  if (error instanceof FetchError) {
    return error.url === url ? error : new FetchError(error.code, error.phase, url, error.message, { cause: error });
  }
  // The signals first: an abort surfaces as whatever error undici had at hand.
  if (context.caller?.aborted) {
    return new FetchError('aborted', 'request', url, 'request aborted by the caller', { cause: error });
  }
  if (context.stopped.aborted) {
    return new FetchError('timeout', 'request', url, 'time budget used up', { cause: error });
  }
  const code = errorCode(error);
  // Messages end up in one-line reports; undici's assertion messages span several lines.
  const message = (error instanceof Error ? error.message : String(error)).split('\n').map((line) => line.trim()).filter(Boolean).join(' ');
  if ((typeof error === 'object' && error !== null && context.connectErrors.has(error)) || CONNECT_ERROR_CODES.has(code)) {
    return new FetchError('unreachable', 'connect', url, `cannot connect: ${message}`, { cause: error });
  }
  return new FetchError(REQUEST_ERROR_CODES[code] ?? 'protocol', 'request', url, message, { cause: error });
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return '';
}
