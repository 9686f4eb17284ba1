// The receiver's one HTTP server (node:http): reads each request whole, up to a size cap, finds its route in a
// table and writes the route's answer. Routes are pure-ish functions of a ReceiverRequest; this module owns the
// socket concerns only: body caps, slow clients, the client's address, and errors that must not take it down.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { HttpAnswer, ReceiverRequest } from '../types.ts';

export interface Route {
  method: 'GET' | 'POST';
  /** Matched against the path (no query); capture groups are passed to `handle`, decoded. */
  path: RegExp;
  handle: (req: ReceiverRequest, params: string[]) => Promise<HttpAnswer> | HttpAnswer;
}

export interface ServerOptions {
  routes: readonly Route[];
  /** Largest body read, in bytes; past it the answer is 413 and the connection is closed. */
  maxBody: number;
  /** Take the client's address from X-Forwarded-For: only when a proxy we run sets it. */
  trustProxy: boolean;
  onError?: (error: unknown) => void;
}

const text = (status: number, message: string, headers: Record<string, string> = {}): HttpAnswer =>
  ({ status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: `${message}\n` });

/** The route for a method and path, or the 404 / 405 answer. Exported for tests of the table. */
export function findRoute(routes: readonly Route[], method: string, path: string): { route: Route; params: string[] } | HttpAnswer {
  const allowed: string[] = [];
  for (const route of routes) {
    const match = route.path.exec(path);
    if (!match) continue;
    if (route.method === method) return { route, params: match.slice(1).map((p) => safeDecode(p ?? '')) };
    allowed.push(route.method);
  }
  return allowed.length > 0 ? text(405, 'method not allowed', { allow: allowed.join(', ') }) : text(404, 'not found');
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part; // malformed escapes: no site's host has them, so the route answers 404 for it
  }
}

/**
 * The client's address. Behind a proxy the socket's peer is the proxy; the last X-Forwarded-For entry is the
 * address our proxy saw (earlier entries are whatever the client chose to send, so never trusted).
 */
export function clientAddress(socketAddress: string | undefined, forwardedFor: string | undefined, trustProxy: boolean): string {
  const forwarded = trustProxy ? forwardedFor?.split(',').map((s) => s.trim()).filter(Boolean).at(-1) : undefined;
  const address = forwarded ?? socketAddress ?? 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}

function readBody(req: IncomingMessage, maxBody: number): Promise<Buffer | 'too-large'> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBody) return Promise.resolve('too-large');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBody) {
        req.removeAllListeners('data');
        req.pause();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function write(res: ServerResponse, answer: HttpAnswer, close = false): void {
  const headers = { ...answer.headers, ...(close ? { connection: 'close' } : {}) };
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

export function createReceiverServer(options: ServerOptions): Server {
  const onError = options.onError ?? (() => {});
  const server = createServer(async (req, res) => {
    try {
      const url = req.url ?? '/';
      const path = url.split('?')[0] ?? '/';
      const found = findRoute(options.routes, req.method ?? 'GET', path);
      if (!('route' in found)) {
        req.resume();
        write(res, found);
        return;
      }
      const body = await readBody(req, options.maxBody);
      if (body === 'too-large') {
        // Closing, not draining: reading the rest of an oversized body is the work the cap is there to avoid.
        write(res, text(413, `request body over ${options.maxBody} bytes`), true);
        res.on('finish', () => req.socket.destroy());
        return;
      }
      const headers: Record<string, string | undefined> = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      const request: ReceiverRequest = {
        method: req.method ?? 'GET',
        url,
        headers,
        body,
        clientAddress: clientAddress(req.socket.remoteAddress, headers['x-forwarded-for'], options.trustProxy),
      };
      write(res, await found.route.handle(request, found.params));
    } catch (error) {
      onError(error);
      if (!res.headersSent) write(res, text(500, 'internal error'), true);
      else res.destroy();
    }
  });
  // A slow client (slow-loris) holds a socket, not a worker; these bound how long.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
