// Whole runs against servers replaying real receivers' answers (WordPress, django-webmention, a robot block):
// each row's message carries the receiver's words, and a trackback WordPress already lists counts as sent,
// like pingback fault 48. Assertions are on the report and on what the server saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send } from '../src/index.ts';
import type { OptionsInput, Result } from '../src/index.ts';

const SITE_URL = 'https://blog.example.org/';
const POST_URL = `${SITE_URL}post/`;
const ARXIV = 'https://arxiv.org/abs/2401.00001';
const DENIED = 'http://denied.example/paper';
const DJANGO = 'http://django.example/entry/1/';
const WORDPRESS = 'http://wp.example/2024/05/a-post/';
const LINKS = [ARXIV, DENIED, DJANGO, WORDPRESS];

const POST_HTML = `<!doctype html><html><head><title>Post</title><link rel="canonical" href="${POST_URL}"></head><body>
<article class="h-entry"><h1 class="p-name">A post</h1><time class="dt-published" datetime="2026-03-01">1 March</time>
<div class="e-content"><p>See ${LINKS.map((href, i) => `<a href="${href}">link ${i}</a>`).join(', ')}.</p></div></article></body></html>`;

/** wp-trackback.php's answer to a trackback from a URL it already lists. */
const WP_ALREADY = '<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>1</error>\n<message>There is already a ping from that URL for this post.</message>\n</response>';
/** WordPress's xmlrpc.php for any pingback refusal but a repeat (IXR_Error(0, '') after xmlrpc_pingback_error). */
const WP_FAULT_0 = '<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse>\n  <fault>\n    <value>\n      <struct>\n        <member>\n          <name>faultCode</name>\n          <value><int>0</int></value>\n        </member>\n        <member>\n          <name>faultString</name>\n          <value><string></string></value>\n        </member>\n      </struct>\n    </value>\n  </fault>\n</methodResponse>\n';
/** A robot block as big sites serve it: a 403 HTML page with styles and scripts around a short message. */
const DENIED_PAGE = `<!DOCTYPE html><html><head><title>Access Denied</title><style>body{font:14px sans-serif}</style>
<script>window.dataLayer=[];</script></head><body><div class="wrap"><h1>Access Denied</h1>
<p>Sadly, your client does not have permission to get this page. Automated requests are limited to one every 3 seconds.</p>
<p>Reference #18.2f1e3b17</p></div></body></html>`;

type Handler = (res: ServerResponse) => void;

/** One server for every host (connectTo '*'), answering by method and path; it records what it saw. */
async function world(t: { after: (fn: () => Promise<void>) => void }, routes: Record<string, Handler>) {
  const seen: Array<{ method: string; path: string }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      seen.push({ method: req.method ?? '', path });
      const handler = routes[`${req.method} ${path}`];
      if (handler) return handler(res);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not here');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(join(tmpdir(), 'linkback-answers-'));
  t.after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });
  await mkdir(join(dir, 'site/post'), { recursive: true });
  await writeFile(join(dir, 'site/post/index.html'), POST_HTML);
  const options: OptionsInput = {
    site: join(dir, 'site'),
    state: join(dir, 'state.json'),
    connectTo: { '*': `127.0.0.1:${(server.address() as AddressInfo).port}` },
    allowPrivate: true,
    arxivEndpoint: 'http://arxiv.org/trackback/{id}',
    siteUrl: SITE_URL,
    retries: 0,
    // Our post's URL is https, which this plain-HTTP stand-in cannot serve (the live check: test/live.test.ts).
    checkLive: false,
  };
  return { options, posts: (path: string) => seen.filter((s) => s.method === 'POST' && s.path === path).length };
}

const answer = (status: number, type: string, body: string): Handler => (res) => {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
};

test('each row says what its receiver said; a trackback WordPress already lists is recorded as sent', async (t) => {
  const w = await world(t, {
    // Our own post, live (a run may check it before notifying).
    'GET /post/': answer(200, 'text/html; charset=utf-8', POST_HTML),
    'POST /trackback/2401.00001': answer(200, 'text/xml; charset=UTF-8', WP_ALREADY),
    'GET /paper': answer(403, 'text/html; charset=utf-8', DENIED_PAGE),
    'GET /entry/1/': (res) => {
      res.writeHead(200, { 'content-type': 'text/html', link: '</webmention/receive>; rel="webmention"' });
      res.end('<p>an entry</p>');
    },
    // django-webmention 4.0 when it cannot fetch the source: Django's HttpResponseBadRequest, text/html.
    'POST /webmention/receive': answer(400, 'text/html; charset=utf-8', 'Could not fetch source URL'),
    'GET /2024/05/a-post/': (res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'x-pingback': 'http://wp.example/xmlrpc.php' });
      res.end('<p>a WordPress post</p>');
    },
    'POST /xmlrpc.php': answer(200, 'text/xml; charset=UTF-8', WP_FAULT_0),
  });
  const first = await send(w.options);
  const row = (target: string): Result | undefined => first.results.find((r) => r.target === target);
  assert.deepEqual(
    [row(ARXIV)?.status, row(ARXIV)?.code, row(ARXIV)?.message],
    ['sent', 'already-registered', 'already registered (There is already a ping from that URL for this post.)'],
  );
  assert.deepEqual([row(DJANGO)?.status, row(DJANGO)?.code, row(DJANGO)?.message], ['failed', 'rejected', 'HTTP 400: Could not fetch source URL']);
  assert.deepEqual([row(WORDPRESS)?.status, row(WORDPRESS)?.message], ['failed', 'refused without a reason (fault 0)']);
  assert.equal(row(DENIED)?.status, 'failed');
  assert.equal(
    row(DENIED)?.message,
    'target page answered HTTP 403: Access Denied: Sadly, your client does not have permission to get this page. Automated requests are…',
  );
  assert.equal(first.summary.sent, 1);
  assert.equal(first.summary.failed, 3);

  // Sent means settled: even --retry-failed, which sends the refused pingback and webmention again on purpose,
  // never repeats the trackback WordPress already lists.
  await send({ ...w.options, retryFailed: true });
  assert.equal(w.posts('/trackback/2401.00001'), 1);
  assert.equal(w.posts('/xmlrpc.php'), 2);
  assert.equal(w.posts('/webmention/receive'), 2);
});
