// The latency web: one loopback HTTP server per simulated host (h0.example, h1.example, ... each on its own
// port) plus a catch-all that no request should ever reach. Every response waits `latencyMs` first. The
// servers count what a benchmark needs to check, as seen on the wire: requests, connections (keep-alive
// makes them far fewer than requests), the most requests in flight at once per host and overall, and the
// notifications received. Runs in its own process (started by bench/lib/web.ts) so that its work is not
// counted as the sender's, and answers that process over IPC: "reset", "stats", "close".
// How each host advertises its endpoint: ./hosts.ts.
// With `siteRoot`, one more server plays the blog itself (blog.example): it serves the built site's files, so
// that the live check of each post (a GET of its public URL before its notifications go out) finds it deployed.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import { hostKind } from './hosts.ts';
import type { HostKind } from './hosts.ts';

export interface WebConfig {
  hosts: number;
  latencyMs: number;
  /** Size of a target page's HTML. */
  pageBytes: number;
  /** A built site to serve as the blog's own host (the live check's GETs), answering after `latencyMs` too. */
  siteRoot?: string;
}

export interface WebStats {
  requests: number;
  gets: number;
  posts: number;
  connections: number;
  /** Requests that reached the catch-all or named a host other than the server's own. */
  strays: number;
  maxInFlightTotal: number;
  /** Highest, over the hosts, of the most requests one host had in flight at once. */
  maxInFlightPerHost: number;
  /** "GET url" and "POST source -> target" for every request, in arrival order. */
  log: string[];
  /** When each request of `log` arrived, in ms since the reset. */
  at: number[];
  /** ms from the first request's arrival to the last response's end. */
  busyMs: number;
  /** ms from the reset to the first request. */
  idleBeforeMs: number;
  /** GETs of the blog's own pages (the live check), answered from `siteRoot`; not counted in `requests`. */
  siteGets: number;
}

const config = JSON.parse(process.argv[2] ?? '{}') as WebConfig;
let stats: WebStats = fresh();
let inFlightTotal = 0;
let resetAt = performance.now();
let firstAt = 0;
let lastAt = 0;
const inFlight: number[] = new Array<number>(config.hosts).fill(0);

function fresh(): WebStats {
  return { requests: 0, gets: 0, posts: 0, connections: 0, strays: 0, maxInFlightTotal: 0, maxInFlightPerHost: 0, log: [], at: [], busyMs: 0, idleBeforeMs: 0, siteGets: 0 };
}

const filler = (() => {
  const words = 'the page a post links to is an ordinary article of a few kilobytes with paragraphs and links'.split(' ');
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < config.pageBytes; i++) {
    const p = `<p>${Array.from({ length: 60 }, (_, w) => words[(i * 7 + w) % words.length]).join(' ')} <a href="/post/${i}">more</a>.</p>\n`;
    parts.push(p);
    size += p.length + 10;
  }
  return parts.join('');
})();

function page(host: string, kind: HostKind, path: string): string {
  const head = kind === 'webmention-html' ? '<link rel="webmention" href="/webmention">' : kind === 'pingback' ? `<link rel="pingback" href="http://${host}/xmlrpc">` : '';
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${path} on ${host}</title>${head}</head><body><header><nav><a href="/">home</a></nav></header><main><article><h1>${path}</h1>\n${filler}</article></main></body></html>`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

function notification(body: string): string {
  const form = new URLSearchParams(body);
  if (form.has('source')) return `${form.get('source')} -> ${form.get('target')}`;
  const strings = [...body.matchAll(/<string>([^<]*)<\/string>/g)].map((m) => m[1]);
  return `${strings[0] ?? '?'} -> ${strings[1] ?? '?'}`;
}

function serve(index: number, server: Server): void {
  server.on('connection', () => {
    stats.connections++;
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const port = (server.address() as AddressInfo).port;
    const host = `h${index}.example:${port}`;
    const now = performance.now();
    if (stats.requests === 0) firstAt = now;
    stats.requests++;
    inFlightTotal++;
    inFlight[index]!++;
    stats.maxInFlightTotal = Math.max(stats.maxInFlightTotal, inFlightTotal);
    stats.maxInFlightPerHost = Math.max(stats.maxInFlightPerHost, inFlight[index]!);
    res.on('close', () => {
      inFlightTotal--;
      inFlight[index]!--;
      lastAt = performance.now();
    });
    const given = (req.headers.host ?? '').toLowerCase();
    if (given !== host && given !== `h${index}.example`) stats.strays++;
    const kind = hostKind(index);
    void (async () => {
      const body = req.method === 'POST' ? await readBody(req) : '';
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      stats.log.push(req.method === 'GET' ? `GET http://${host}${path}` : `POST ${notification(body)}`);
      stats.at.push(Math.round(performance.now() - resetAt));
      if (req.method === 'GET') stats.gets++;
      else stats.posts++;
      await new Promise((resolve) => setTimeout(resolve, config.latencyMs));
      if (req.method === 'GET') {
        const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8' };
        if (kind === 'webmention-header') headers.link = `<http://${host}/webmention>; rel="webmention"`;
        if (kind === 'pingback') headers['x-pingback'] = `http://${host}/xmlrpc`;
        res.writeHead(200, headers).end(page(host, kind, path));
      } else if (path === '/webmention' && kind.startsWith('webmention')) {
        res.writeHead(202, { 'content-type': 'text/plain' }).end('Accepted');
      } else if (path === '/xmlrpc' && kind === 'pingback') {
        res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0"?><methodResponse><params><param><value><string>Pingback registered.</string></value></param></params></methodResponse>');
      } else {
        res.writeHead(404).end();
      }
    })();
  });
}

const servers: Server[] = [];
const ports: number[] = [];
for (let i = 0; i < config.hosts; i++) {
  const server = createServer();
  serve(i, server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  ports.push((server.address() as AddressInfo).port);
}
/** The blog: a GET of /a/b/ answers /a/b/index.html from the built site, 404 when there is none. */
const siteServer = config.siteRoot === undefined ? null : createServer((req, res) => {
  stats.siteGets++;
  const root = config.siteRoot as string;
  const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
  const file = join(root, normalize(path).replace(/^(\.\.(\/|$))+/, ''), path.endsWith('/') ? 'index.html' : '');
  void (async () => {
    await new Promise((resolve) => setTimeout(resolve, config.latencyMs));
    try {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(await readFile(file));
    } catch {
      res.writeHead(404).end();
    }
  })();
});
if (siteServer !== null) {
  await new Promise<void>((resolve) => siteServer.listen(0, '127.0.0.1', resolve));
  servers.push(siteServer);
}

const catchAll = createServer((req, res) => {
  stats.strays++;
  stats.log.push(`STRAY ${req.method} ${req.headers.host} ${req.url}`);
  stats.at.push(Math.round(performance.now() - resetAt));
  res.writeHead(421).end();
});
await new Promise<void>((resolve) => catchAll.listen(0, '127.0.0.1', resolve));
servers.push(catchAll);

process.on('message', (message: { cmd: string; id: number }) => {
  switch (message.cmd) {
    case 'reset':
      stats = fresh();
      resetAt = performance.now();
      process.send?.({ id: message.id, ok: true });
      break;
    case 'stats':
      stats.busyMs = stats.requests === 0 ? 0 : lastAt - firstAt;
      stats.idleBeforeMs = stats.requests === 0 ? 0 : firstAt - resetAt;
      process.send?.({ id: message.id, stats });
      break;
    case 'close':
      for (const server of servers) server.closeAllConnections();
      process.send?.({ id: message.id, ok: true }, () => process.exit(0));
      break;
  }
});
process.send?.({ ready: true, ports, catchAll: (catchAll.address() as AddressInfo).port, site: siteServer === null ? null : (siteServer.address() as AddressInfo).port });
