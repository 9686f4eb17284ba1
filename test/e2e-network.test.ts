// Whole runs against misbehaving servers: retries where the rules allow them (and only there), strict
// reading of answers, and one bad target never stopping the others. Assertions are on what the server saw.
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

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, count: number) => void;

interface Seen {
  method: string;
  path: string;
  at: number;
}

const page = (endpointHeader: string) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/html', link: endpointHeader });
  res.end('<p>target</p>');
};
const xml = (res: ServerResponse, status: number, body: string) => {
  res.writeHead(status, { 'content-type': 'text/xml' });
  res.end(body);
};

/** Starts a server whose routes answer by path; `count` is how many times that path was asked before. */
async function world(t: { after: (fn: () => Promise<void>) => void }, routes: Record<string, Handler>) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      const count = seen.filter((s) => s.path === path && s.method === req.method).length;
      seen.push({ method: req.method ?? '', path, at: Date.now() });
      const handler = routes[`${req.method} ${path}`];
      if (handler) return handler(req, res, body, count);
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = await mkdtemp(join(tmpdir(), 'linkback-net-'));
  t.after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const port = (server.address() as AddressInfo).port;
  const options = (links: string[]): OptionsInput => ({
    site: join(dir, 'site'),
    state: join(dir, 'state.json'),
    connectTo: { '*': `127.0.0.1:${port}` },
    allowPrivate: true,
    arxivEndpoint: 'http://arxiv.org/trackback/{id}',
    timeout: 1500,
    siteUrl: 'https://blog.example.org/',
    // These tests are about retries and time budgets on the targets' answers, and assert the exact requests seen:
    // the post's https:// URL is served by nobody here. The live check has its own tests (test/live.test.ts).
    checkLive: false,
    ...(links.length ? {} : {}),
  });
  const writePost = async (links: string[]) => {
    await mkdir(join(dir, 'site/post'), { recursive: true });
    const anchors = links.map((href, i) => `<a href="${href}">link ${i}</a>`).join(', ');
    await writeFile(join(dir, 'site/post/index.html'), `<!doctype html><html><head><title>Post</title></head><body>
<article class="h-entry"><h1 class="p-name">A post</h1><time class="dt-published" datetime="2026-03-01">1 March</time>
<div class="e-content"><p>See ${anchors}.</p></div></article></body></html>`);
  };
  return { seen, options, writePost, posts: (path: string) => seen.filter((s) => s.method === 'POST' && s.path === path) };
}

const rowFor = (results: Result[], target: string) => results.find((r) => r.target === target);

test('429 with Retry-After is waited out and retried; 503 then success is retried', async (t) => {
  const w = await world(t, {
    'GET /slow-down': page('</wm-429>; rel="webmention"'),
    'POST /wm-429': (_q, res, _b, n) => {
      if (n === 0) {
        res.writeHead(429, { 'retry-after': '1' });
        return void res.end();
      }
      res.writeHead(202);
      res.end();
    },
    'GET /busy': page('</wm-503>; rel="webmention"'),
    'POST /wm-503': (_q, res, _b, n) => {
      res.writeHead(n === 0 ? 503 : 201, { location: '/status/1' });
      res.end();
    },
  });
  await w.writePost(['http://a.example/slow-down', 'http://b.example/busy']);
  const report = await send(w.options([]));
  const tooMany = w.posts('/wm-429');
  assert.equal(tooMany.length, 2);
  assert.ok((tooMany[1]?.at ?? 0) - (tooMany[0]?.at ?? 0) >= 900, 'Retry-After: 1 was honoured');
  assert.equal(w.posts('/wm-503').length, 2);
  assert.equal(rowFor(report.results, 'http://a.example/slow-down')?.status, 'sent');
  const busy = rowFor(report.results, 'http://b.example/busy');
  assert.equal(busy?.status, 'sent');
  assert.equal(busy?.location, 'http://b.example/status/1');
});

test('a trackback answered 500 is not repeated, in the run or by a later run; a webmention 500 is retried', async (t) => {
  const w = await world(t, {
    'POST /trackback/2401.00001': (_q, res) => xml(res, 500, 'oops'),
    'GET /wm-page': page('</wm-500>; rel="webmention"'),
    'POST /wm-500': (_q, res) => {
      res.writeHead(500);
      res.end();
    },
  });
  await w.writePost(['https://arxiv.org/abs/2401.00001', 'http://c.example/wm-page']);
  const options = { ...w.options([]), retries: 1 };
  const first = await send(options);
  assert.equal(w.posts('/trackback/2401.00001').length, 1, 'the listener may have recorded it: no repeat');
  assert.equal(rowFor(first.results, 'https://arxiv.org/abs/2401.00001')?.code, 'server-error');
  assert.equal(w.posts('/wm-500').length, 2, 'webmention: one retry (a repeat is harmless by protocol)');
  const second = await send(options);
  assert.equal(w.posts('/trackback/2401.00001').length, 1, 'not re-sent by a later run either');
  assert.equal(rowFor(second.results, 'https://arxiv.org/abs/2401.00001')?.status, 'skipped');
  assert.equal(w.posts('/wm-500').length, 4, 'the webmention is tried again by the later run');
  // On purpose, the trackback can be sent again.
  await send({ ...options, retryFailed: true });
  assert.equal(w.posts('/trackback/2401.00001').length, 2);
});

test('HTTP 200 with <error>1</error>, an XML bomb, or truncated XML is a failure, never retried', async (t) => {
  const bomb = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]><response><error>&d;</error></response>';
  const w = await world(t, {
    'POST /trackback/2401.00002': (_q, res) => xml(res, 200, '<?xml version="1.0"?><response><error>1</error><message>Spam suspected</message></response>'),
    'POST /trackback/2401.00003': (_q, res) => xml(res, 200, bomb),
    'POST /trackback/2401.00004': (_q, res) => xml(res, 200, '<?xml version="1.0"?><response><error>0</err'),
    'POST /trackback/2401.00005': (_q, res) => xml(res, 200, '<?xml version="1.0"?><response><error>0</error></response>'),
  });
  await w.writePost(['https://arxiv.org/abs/2401.00002', 'https://arxiv.org/abs/2401.00003', 'https://arxiv.org/abs/2401.00004', 'https://arxiv.org/abs/2401.00005']);
  const report = await send(w.options([]));
  const row = (id: string) => rowFor(report.results, `https://arxiv.org/abs/${id}`);
  assert.equal(row('2401.00002')?.status, 'failed');
  assert.match(row('2401.00002')?.message ?? '', /Spam suspected/);
  assert.deepEqual([row('2401.00003')?.status, row('2401.00003')?.code], ['failed', 'invalid-response']);
  assert.deepEqual([row('2401.00004')?.status, row('2401.00004')?.code], ['failed', 'invalid-response']);
  assert.equal(row('2401.00005')?.status, 'sent');
  await send(w.options([]));
  for (const id of ['2401.00002', '2401.00003', '2401.00004', '2401.00005']) assert.equal(w.posts(`/trackback/${id}`).length, 1, id);
});

test('a target that never answers, a huge page and a redirect loop fail on their own; the rest is sent', async (t) => {
  const w = await world(t, {
    'GET /never': () => {
      /* never answers: the request's total timeout ends it */
    },
    'GET /huge': (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      const chunk = Buffer.alloc(1024 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < 64 && res.write(chunk)) sent++;
        if (sent >= 64) res.end('<link rel="webmention" href="/too-late">');
        else res.once('drain', () => (sent++, pump()));
      };
      res.on('error', () => {});
      pump();
    },
    'GET /loop-a': (_q, res) => {
      res.writeHead(302, { location: '/loop-b' });
      res.end();
    },
    'GET /loop-b': (_q, res) => {
      res.writeHead(302, { location: '/loop-a' });
      res.end();
    },
    'GET /fine': page('</wm>; rel="webmention"'),
    'POST /wm': (_q, res) => {
      res.writeHead(202);
      res.end();
    },
  });
  await w.writePost(['http://d.example/never', 'http://e.example/huge', 'http://f.example/loop-a', 'http://g.example/fine']);
  const report = await send({ ...w.options([]), timeout: 800, retries: 0 });
  assert.equal(rowFor(report.results, 'http://d.example/never')?.code, 'timeout');
  const huge = rowFor(report.results, 'http://e.example/huge');
  assert.equal(huge?.status, 'no-endpoint', 'reading stopped at the cap, before the late endpoint');
  assert.equal(w.posts('/too-late').length, 0);
  assert.equal(rowFor(report.results, 'http://f.example/loop-a')?.code, 'redirects');
  assert.equal(rowFor(report.results, 'http://g.example/fine')?.status, 'sent');
  assert.equal(w.posts('/wm').length, 1);
});
