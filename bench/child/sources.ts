// Slow sources for the receiver's verify benchmark: one loopback HTTP server, in its own process (started by
// bench/receive-verify.ts) so its work is not counted as the verifier's. Every source page is answered after
// `latencyMs`: an h-entry reply of about `pageBytes` linking to the target, as a blog post replying would be.
// /plain/<n> is the same page without microformats; /hang/<n> accepts the request and never answers. Tells its port over IPC; "close" ends it.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SourcesConfig {
  latencyMs: number;
  pageBytes: number;
  target: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as SourcesConfig;

const filler = (() => {
  const words = 'a reply on another blog is an ordinary article with paragraphs a few links and an author card'.split(' ');
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < config.pageBytes; i++) {
    const p = `<p>${Array.from({ length: 60 }, (_, w) => words[(i * 7 + w) % words.length]).join(' ')} <a href="/notes/${i}">more</a>.</p>\n`;
    parts.push(p);
    size += p.length;
  }
  return parts.join('');
})();

function page(n: string): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Reply ${n}</title></head><body><header><nav><a href="/">home</a></nav></header>
<main><article class="h-entry"><div class="p-author h-card"><img class="u-photo" src="/me.jpg" alt=""><a class="p-name u-url" href="/">Alice ${n}</a></div>
<p>In reply to <a class="u-in-reply-to" href="${config.target}">a post</a></p><div class="e-content">${filler}</div>
<a class="u-url" href="/notes/${n}"><time class="dt-published" datetime="2026-01-01T10:00:00Z">1 Jan</time></a></article></main></body></html>`;
}

/** The same reply without microformats: what a plain blog (or a spammer) serves. */
function plainPage(n: string): string {
  return page(n).replace(/ class="[^"]*"/g, '');
}

const hung = new Set<ServerResponse>();
const server = createServer((req, res) => {
  const path = req.url ?? '/';
  if (path.startsWith('/hang/')) {
    hung.add(res);
    res.on('close', () => hung.delete(res));
    return;
  }
  const n = path.slice(path.lastIndexOf('/') + 1);
  const body = path.startsWith('/plain/') ? plainPage(n) : page(n);
  setTimeout(() => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body), config.latencyMs);
});
server.keepAliveTimeout = 30_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
process.send?.({ port: (server.address() as AddressInfo).port });
process.on('message', (m: { cmd?: string }) => {
  if (m.cmd !== 'close') return;
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
// The bench that started it crashed or was killed: do not outlive it.
process.on('disconnect', () => process.exit(0));
