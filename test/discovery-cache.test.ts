import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../src/net/http.ts';
import { createLimiter } from '../src/net/limiter.ts';
import { sleep } from '../src/net/attempt.ts';
import type { NetContext } from '../src/net/attempt.ts';
import { discoverOnce, discoverPage } from '../src/targets/discover-page.ts';
import type { PageDiscovery } from '../src/targets/discover-page.ts';

/** A web of three pages; counts the GETs of each path. */
async function web(t: TestContext): Promise<{ base: string; gets: Map<string, number> }> {
  const gets = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    gets.set(path, (gets.get(path) ?? 0) + 1);
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (path === '/endpoint') res.end('<html><head><link rel="webmention" href="/wm"></head><body>hello</body></html>');
    else if (path === '/unusable') res.end('<html><head><link rel="webmention" href="javascript:void(0)"></head><body>hi</body></html>');
    else {
      res.statusCode = 404;
      res.end('gone');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, gets };
}

/** A port nobody listens on: connection refused. */
async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/post`;
}

function context(t: TestContext): NetContext {
  const client = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, userAgent: 'linkback-test', allowPrivate: true, timeoutMs: 1000, connectTimeoutMs: 500 });
  t.after(() => client.close());
  return {
    client,
    limit: createLimiter({ concurrency: 4, perHost: 2 }),
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1000 },
    now: () => Date.now(),
    sleep,
  };
}

function cached(t: TestContext) {
  const ctx = context(t);
  const told: Array<{ url: string; found: PageDiscovery }> = [];
  const discover = discoverOnce((url) => discoverPage(ctx, url, true), (url, found) => told.push({ url, found }));
  return { discover, told };
}

test('a target asked for by many posts, at once and later, is fetched once and told once, with its notes', async (t) => {
  const { base, gets } = await web(t);
  const { discover, told } = cached(t);
  const first = await Promise.all([1, 2, 3].map(() => discover(`${base}/endpoint`)));
  const later = await discover(`${base}/endpoint`);
  await discover(`${base}/missing`);
  await discover(`${base}/missing`);
  assert.equal(gets.get('/endpoint'), 1);
  assert.equal(gets.get('/missing'), 1);
  for (const found of [...first, later]) assert.deepEqual(found, { endpoint: { protocol: 'webmention', url: `${base}/wm`, via: '<link rel="webmention">' } });
  assert.deepEqual(told.map((d) => d.url), [`${base}/endpoint`, `${base}/missing`]);
  const notes = told[0]?.found.notes ?? [];
  assert.ok(notes.some((n) => n.includes(`${base}/wm`)), notes.join('; '));
});

test('what is kept for the run is the answer only: plain values, no notes, no error objects', async (t) => {
  const { base } = await web(t);
  const { discover, told } = cached(t);
  const refused = await closedPort();
  const unreachable = await discover(refused);
  // deepEqual is strict: an Error (a FetchError with its cause) or an extra key such as notes would fail it.
  assert.ok('outcome' in unreachable);
  assert.deepEqual(unreachable, { outcome: { status: 'failed', code: 'unreachable', message: unreachable.outcome.message } });
  assert.equal(typeof unreachable.outcome.message, 'string');
  assert.match(unreachable.outcome.message, /cannot connect/);
  assert.deepEqual(await discover(`${base}/missing`), {
    outcome: { status: 'failed', code: 'target-gone', message: 'target page answered HTTP 404: gone', httpStatus: 404 },
  });
  const none = await discover(`${base}/unusable`);
  assert.ok('outcome' in none);
  assert.deepEqual(none, { outcome: { status: 'no-endpoint', code: 'no-endpoint', message: none.outcome.message } });
  // The notes went to the listener, and only there.
  const unusable = told.find((d) => d.url === `${base}/unusable`);
  assert.ok(unusable?.found.notes.some((n) => n.includes('javascript:void(0)')), unusable?.found.notes.join('; '));
  assert.deepEqual(told.find((d) => d.url === refused)?.found.notes, [unreachable.outcome.message]);
});
