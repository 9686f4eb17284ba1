// A simulated web on one loopback server, for the demo and the end-to-end tests. It answers by Host
// header, so the example site's real-looking links (arxiv.org, webmention.example, …) reach it when linkback
// runs with `--connect-to '*=127.0.0.1:<port>'`: every connection goes here, nothing leaves the machine.
//
//   arxiv.org            POST /trackback/<id>   arXiv-like listener: <error>0</error>, or HTTP 200 + <error>1</error>
//                                                for a paper it does not know (the classic "200 is not success" trap)
//                        GET /tb/<id>           arXiv-like listing of the trackbacks a paper received (held back
//                                                until approveTrackbacks() when started with holdTrackbacks)
//   webmention.example   pages advertising Webmention (Link header, or <a rel=webmention>); POST /webmention -> 202
//   pingback.example     page with X-Pingback; POST /xmlrpc.php -> XML-RPC success
//   trackback.example    page with two TrackBack RDF blocks (only one matches the page); POST /tb/<n> -> error 0
//   plain.example        pages with no endpoint
//   blog.example.org     the example site's built pages (example/site, or the folder given as `site`), so that
//                        linkback finds our posts live before notifying; over HTTPS too (the site's URLs are
//                        https), with the certificate example/tls/blog.example.org.pem, which a client trusts
//                        through NODE_EXTRA_CA_CERTS (see SIMULATED_CA)
// One port takes both plain HTTP and TLS: the first byte of a connection tells them apart (0x16 opens a TLS
// handshake), so `--connect-to '*=127.0.0.1:<port>'` serves http:// and https:// URLs alike.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The simulated web's certificate (self-signed, for blog.example.org): NODE_EXTRA_CA_CERTS for a client process. */
export const SIMULATED_CA = fileURLToPath(new URL('tls/blog.example.org.pem', import.meta.url));
const SIMULATED_KEY = fileURLToPath(new URL('tls/blog.example.org.key', import.meta.url));
const EXAMPLE_SITE = fileURLToPath(new URL('site', import.meta.url));
/** Our own blog's host on the simulated web. */
export const BLOG_HOST = 'blog.example.org';

export interface Received {
  host: string;
  method: string;
  path: string;
  contentType: string;
  userAgent: string;
  body: string;
}

export interface SimulatedWeb {
  port: number;
  /** Every request received, in order. */
  requests: Received[];
  /** Only the notifications (POSTs). */
  notifications(): Received[];
  /** arXiv moderates trackbacks: lists the ones received so far (and any later) on the /tb/<id> pages. */
  approveTrackbacks(): void;
  /** Serves another built folder as blog.example.org from now on: a deploy. */
  serve(site: string): void;
  close(): Promise<void>;
}

export interface SimulatedWebOptions {
  /** Trackbacks to arXiv are accepted but not listed on /tb/<id> until approveTrackbacks(). Default false. */
  holdTrackbacks?: boolean;
  /** The built site served as blog.example.org; default: example/site. */
  site?: string;
}

/** Papers the arXiv-like listener knows; any other id gets HTTP 200 with <error>1</error>. */
export const KNOWN_PAPERS = new Set(['1706.03762', '2001.08361', '2005.14165', 'hep-th/9901001']);

export async function startSimulatedWeb(options: SimulatedWebOptions = {}): Promise<SimulatedWeb> {
  const requests: Received[] = [];
  const moderation = { held: options.holdTrackbacks ?? false };
  const served = { site: options.site ?? EXAMPLE_SITE };
  const handle: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const received: Received = {
        host: (req.headers.host ?? '').replace(/:\d+$/, ''),
        method: req.method ?? '',
        path: req.url ?? '/',
        contentType: req.headers['content-type'] ?? '',
        userAgent: req.headers['user-agent'] ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      if (received.host === BLOG_HOST && received.method === 'GET') return void serveBuilt(served.site, received.path, res);
      answer(received, requests.length, req, res, moderation.held ? [] : requests);
    });
  };
  const plain = createServer(handle);
  const tls = createTlsServer({ cert: readFileSync(SIMULATED_CA), key: readFileSync(SIMULATED_KEY) }, handle);
  // TLS reads the socket's handle, not its events, so a TLS connection is handed on through a second local port.
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  const tlsPort = (tls.address() as AddressInfo).port;
  const server = createNetServer((socket) => {
    socket.once('data', (head) => {
      socket.pause();
      if (head[0] === 0x16) {
        const inner = connect(tlsPort, '127.0.0.1', () => {
          inner.write(head);
          socket.pipe(inner).pipe(socket);
        });
        const close = () => { socket.destroy(); inner.destroy(); };
        inner.on('error', close).on('close', close);
        socket.on('error', close).on('close', close);
        return;
      }
      socket.unshift(head);
      plain.emit('connection', socket);
      // The server's own listeners are on now: let the bytes (the first ones again) flow to them.
      socket.resume();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    requests,
    notifications: () => requests.filter((r) => r.method === 'POST'),
    approveTrackbacks: () => void (moderation.held = false),
    serve: (site) => void (served.site = site),
    close: () =>
      new Promise<void>((resolve) => {
        plain.closeAllConnections();
        tls.closeAllConnections();
        tls.close();
        server.close(() => resolve());
      }),
  };
}

/** A built page of the site folder, as a static host serves it (a folder's index.html); 404 when there is none. */
async function serveBuilt(site: string, path: string, res: ServerResponse): Promise<void> {
  const pathname = decodeURIComponent(new URL(path, 'http://x/').pathname);
  const file = normalize(join(site, pathname, pathname.endsWith('/') ? 'index.html' : ''));
  const body = file.startsWith(site + sep) ? await readFile(file).catch(() => null) : null;
  if (body === null) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    return void res.end('not found on the simulated blog');
  }
  res.writeHead(200, { 'content-type': file.endsWith('.xml') ? 'application/xml' : 'text/html; charset=utf-8' });
  res.end(body);
}

/** `listed`: the requests whose trackbacks arXiv's /tb/ pages show. */
function answer(r: Received, serial: number, _req: IncomingMessage, res: ServerResponse, listed: readonly Received[]): void {
  const html = (body: string, headers: Record<string, string> = {}) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers });
    res.end(`<!doctype html><html><head><title>${r.host}</title></head><body>${body}</body></html>`);
  };
  const xml = (body: string) => {
    res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
    res.end(`<?xml version="1.0" encoding="utf-8"?>\n${body}`);
  };
  const form = () => new URLSearchParams(r.body);

  if (r.host.endsWith('arxiv.org')) {
    const match = /^\/trackback\/(.+)$/.exec(r.path);
    if (r.method === 'POST' && match?.[1]) {
      const id = decodeURIComponent(match[1]);
      const fields = form();
      if (!fields.get('url') || !fields.get('title')) return xml('<response><error>1</error><message>url and title are required</message></response>');
      if (!KNOWN_PAPERS.has(id)) return xml(`<response><error>1</error><message>No paper with id ${id}</message></response>`);
      return xml('<response><error>0</error></response>');
    }
    const listing = /^\/tb\/(.+)$/.exec(r.path);
    if (r.method === 'GET' && listing?.[1]) {
      const id = decodeURIComponent(listing[1]);
      const items = listed
        .filter((q) => q.method === 'POST' && q.host === r.host && q.path === `/trackback/${id}` && KNOWN_PAPERS.has(id))
        .map((q) => new URLSearchParams(q.body))
        .filter((f) => f.get('url') && f.get('title'))
        .map((f) => `<li><a href="${escapeHtml(f.get('url') ?? '')}">${escapeHtml(f.get('title') ?? '')}</a> (${escapeHtml(f.get('blog_name') ?? '')})</li>`);
      return html(`<h1>Trackbacks for ${escapeHtml(id)}</h1>${items.length > 0 ? `<ul>${items.join('')}</ul>` : '<p>No trackbacks for this article.</p>'}`);
    }
  }
  if (r.host === 'webmention.example') {
    if (r.method === 'POST' && r.path.startsWith('/webmention')) {
      const fields = form();
      if (!fields.get('source') || !fields.get('target')) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        return void res.end('source and target are required');
      }
      res.writeHead(202, { location: `http://webmention.example/webmention/status/${serial}`, 'content-type': 'text/plain' });
      return void res.end('Accepted; it will be processed shortly.');
    }
    if (r.path === '/2025/notes-on-transformers') {
      return html('<article><h1>Notes on transformers</h1><p>…</p></article>', { link: '<http://webmention.example/webmention>; rel="webmention"' });
    }
    if (r.path === '/2026/scaling-commentary') {
      return html('<p>Commentary.</p><p>Mentions are welcome: <a rel="webmention" href="/webmention?via=a">send one</a>.</p>');
    }
  }
  if (r.host === 'pingback.example') {
    if (r.method === 'POST' && r.path === '/xmlrpc.php') {
      return xml('<methodResponse><params><param><value><string>Pingback from the source registered. Keep the web talking!</string></value></param></params></methodResponse>');
    }
    if (r.method === 'GET') return html('<article><h1>Attention</h1></article>', { 'x-pingback': 'http://pingback.example/xmlrpc.php' });
  }
  if (r.host === 'trackback.example') {
    if (r.method === 'POST' && r.path.startsWith('/tb/')) return xml('<response><error>0</error></response>');
    if (r.method === 'GET' && r.path === '/entry/42') {
      // Two RDF blocks, as Movable Type index pages carry: only the one whose dc:identifier is this page counts.
      const rdf = (n: number) => `<!--
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/">
<rdf:Description rdf:about="http://trackback.example/entry/${n}" dc:identifier="http://trackback.example/entry/${n}" dc:title="Entry ${n}" trackback:ping="http://trackback.example/tb/${n}" />
</rdf:RDF>
-->`;
      return html(`<h1>Entry 42</h1>${rdf(41)}${rdf(42)}`);
    }
  }
  if (r.host === 'plain.example' && r.method === 'GET') return html('<h1>Documentation</h1><p>No linkback endpoint here.</p>');
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found on the simulated web');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
