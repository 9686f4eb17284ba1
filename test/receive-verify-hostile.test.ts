// The verify step against sources that attack or stall the receiver: SSRF (a name resolving to loopback, redirects
// into private ranges), endless and compressed-bomb bodies, slow-loris and never-answering sources. Everything runs
// on 127.0.0.1 (and, for the redirect case, inside a private network namespace); nothing is timed: a source that
// never ends can only make these tests hang, never pass, if the guard is missing.
// Touches no database (verifySource alone); what a worker stores after it: receive-webmention, receive-workers.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import zlib from 'node:zlib';
import { createHttpClient, DEFAULT_HTTP_OPTIONS, type HttpClientOptions } from '../src/net/http.ts';
import type { HttpClient } from '../src/net/types.ts';
import type { Received, Verification } from '../src/receive/types.ts';
import { verifySource } from '../src/receive/verify/index.ts';
import { startRawServer, startServer, type LocalServer } from './fixtures/net/local-server.ts';

const TARGET = 'https://blog.example/post';
const LINK = `<a href="${TARGET}">a post</a>`;

function received(source: string): Received {
  return { site: 'https://blog.example', protocol: 'webmention', source, target: TARGET, clientAddress: '127.0.0.1', receivedAt: '2026-01-01T00:00:00.000Z' };
}

function client(t: TestContext, overrides: Partial<HttpClientOptions> = {}): HttpClient {
  const http = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, userAgent: 'linkback-test', allowPrivate: true, connectTimeoutMs: 5_000, timeoutMs: 10_000, ...overrides });
  t.after(() => http.close());
  return http;
}

async function server(t: TestContext, ...args: Parameters<typeof startServer>): Promise<LocalServer> {
  const started = await startServer(...args);
  t.after(() => started.close());
  return started;
}

function failed(v: Verification): Extract<Verification, { ok: false }> {
  assert.equal(v.ok, false, `expected a failure, got ${JSON.stringify(v)}`);
  return v as Extract<Verification, { ok: false }>;
}

// --- SSRF ------------------------------------------------------------------------------------

test('SSRF: a source host name that resolves to loopback (connectTo) is refused while allowPrivate is off; nothing reaches it', async (t) => {
  const secret = await server(t, (_req, res) => res.end(LINK));
  const http = client(t, { allowPrivate: false, connectTo: { 'source.example': `127.0.0.1:${secret.port}` } });
  const v = failed(await verifySource(received('http://source.example/post'), { client: http }));
  assert.equal(v.code, 'refused-address');
  assert.equal(v.retryable, false);
  assert.equal(secret.connections(), 0);
  // The same source with --allow-private verifies: the refusal above was the guard, not the page.
  const allowed = client(t, { allowPrivate: true, connectTo: { 'source.example': `127.0.0.1:${secret.port}` } });
  assert.equal((await verifySource(received('http://source.example/post'), { client: allowed })).ok, true);
});

test('SSRF: loopback, private and link-local literals as the source are refused before connecting', async (t) => {
  const secret = await server(t, (_req, res) => res.end(LINK));
  const http = client(t, { allowPrivate: false });
  for (const source of [`${secret.origin}/`, `http://localhost:${secret.port}/`, `http://[::1]:${secret.port}/`, `http://0x7f.1:${secret.port}/`, 'http://10.1.2.3/', 'http://192.168.0.1/', 'http://169.254.169.254/latest/meta-data/']) {
    assert.equal(failed(await verifySource(received(source), { client: http })).code, 'refused-address', source);
  }
  assert.equal(secret.connections(), 0);
});

// unshare --net needs root (or user namespaces); where it is missing the test says so instead of passing.
const netns = spawnSync('unshare', ['--net', 'sh', '-c', 'ip link set lo up && ip addr add 11.0.0.1/32 dev lo'], { stdio: 'ignore' }).status === 0;

test('SSRF: redirects from a public source into loopback, private and link-local ranges are refused (private network namespace)', { skip: netns ? false : 'needs `unshare --net` and `ip` (root or user namespaces)' }, () => {
  const script = new URL('./fixtures/receive/ssrf-netns.ts', import.meta.url).pathname;
  const run = spawnSync('unshare', ['--net', 'sh', '-c', `ip link set lo up && ip addr add 11.0.0.1/32 dev lo && exec "${process.execPath}" --import tsx "${script}"`], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(run.status, 0, run.stderr);
  const { results, secretConnections } = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { results: Record<string, Verification>; secretConnections: number };
  // The public source itself verifies: the namespace works and the refusals below are about the redirects.
  assert.equal(results['/direct']?.ok, true, JSON.stringify(results['/direct']));
  for (const path of ['/to-loopback', '/to-ipv6-loopback', '/to-mapped', '/to-decimal', '/to-private', '/to-metadata', '/to-name']) {
    const v = results[path];
    assert.ok(v && !v.ok && v.code === 'refused-address', `${path}: ${JSON.stringify(v)}`);
  }
  assert.equal(secretConnections, 0);
});

// --- size ------------------------------------------------------------------------------------

/** A source that writes HTML for as long as the connection stays open; resolves when the reader hung up. */
async function endlessSource(t: TestContext, head: string): Promise<{ origin: string; closed: Promise<unknown> }> {
  let closed!: Promise<unknown>;
  const local = await server(t, (req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.write(head);
    const chunk = `<p>${'filler '.repeat(1000)}</p>\n`;
    const more = () => {
      while (!res.destroyed && res.write(chunk));
    };
    res.on('drain', more);
    // A reset by the reader is the expected end here, not an error of the test.
    req.socket.on('error', () => undefined);
    closed = new Promise((resolve) => req.socket.on('close', resolve));
    more();
  });
  return { origin: local.origin, get closed() { return closed; } };
}

test('Security: Respects a self-imposed limit on the number of bytes fetched from the source URL (SHOULD): an endless page', async (t) => {
  const http = client(t);
  // The link at the top is found within the cap, and the reader hangs up instead of reading on.
  const linked = await endlessSource(t, `<html><body>${LINK}`);
  assert.equal((await verifySource(received(`${linked.origin}/`), { client: http, maxBytes: 64 * 1024 })).ok, true);
  await linked.closed;
  // No link in the part read: unreadable (too large), not "no link", so an existing mention is not deleted for it.
  const unlinked = await endlessSource(t, '<html><body>');
  const v = failed(await verifySource(received(`${unlinked.origin}/`), { client: http, maxBytes: 64 * 1024 }));
  assert.equal(v.code, 'unreadable');
  await unlinked.closed;
});

test('Security: a gzip bomb (20 MB of spaces in 20 KB) is cut at the cap after decompression', async (t) => {
  const bomb = zlib.gzipSync(Buffer.concat([Buffer.from('<html><body>'), Buffer.alloc(20 * 1024 * 1024, 0x20), Buffer.from(LINK)]));
  const local = await server(t, (_req, res) => res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' }).end(bomb));
  const v = failed(await verifySource(received(`${local.origin}/`), { client: client(t), maxBytes: 256 * 1024 }));
  assert.equal(v.code, 'unreadable');
});

// --- time ------------------------------------------------------------------------------------

test('Security: Respects a self-imposed limit on the time spent fetching the source URL (SHOULD): a slow-loris source on 127.0.0.1', async (t) => {
  let hungUp!: Promise<unknown>;
  const local = await startRawServer((socket) => {
    hungUp = new Promise((resolve) => socket.on('close', resolve));
    socket.once('data', () => {
      // Headers, then one byte of body every 50 ms, forever: each byte resets an idle timer, never a total one.
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n');
      const timer = setInterval(() => socket.write('1\r\nx\r\n'), 50);
      socket.on('close', () => clearInterval(timer));
    });
  });
  t.after(() => local.close());
  const v = failed(await verifySource(received(`${local.origin}/`), { client: client(t, { timeoutMs: 1_000 }) }));
  assert.equal(v.code, 'fetch-failed');
  assert.equal(v.retryable, true);
  await hungUp;
});

test('a never-answering source (connection accepted, not a byte back) is a retryable failure at the timeout', async (t) => {
  const sockets: net.Socket[] = [];
  const local = await startRawServer((socket) => void sockets.push(socket));
  t.after(() => local.close());
  const v = failed(await verifySource(received(`${local.origin}/`), { client: client(t, { timeoutMs: 1_000 }) }));
  assert.equal(v.code, 'fetch-failed');
  assert.equal(v.retryable, true);
  assert.equal(sockets.length, 1);
});

test('a worker shutting down (its signal fires) ends the fetch as a retryable failure', async (t) => {
  const controller = new AbortController();
  const local = await server(t, () => controller.abort());
  const v = failed(await verifySource(received(`${local.origin}/`), { client: client(t), signal: controller.signal }));
  assert.equal(v.code, 'fetch-failed');
  assert.equal(v.retryable, true);
});
