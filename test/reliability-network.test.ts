// The network promises at the level of a whole `send` run: a hostile or forbidden target ends as a clear
// per-target row and the run goes on to the rest. (The HTTP client's own guards are unit-tested in
// test/http-hostile.test.ts and test/address.test.ts; this file adds what only a whole run shows: links,
// discovered endpoints and redirect hops together, and that one bad target never stops the others.)
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import net from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { send } from '../src/index.ts';
import type { Result, SendReport } from '../src/index.ts';
import { openState } from '../src/state/store.ts';
import { writePosts } from './fixtures/chaos/cli.ts';

const exec = promisify(execFile);

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-net-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A server on 127.0.0.1 that must never be reached: it counts connections and answers "secret". */
async function forbidden(t: TestContext): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections++;
    socket.end('HTTP/1.1 200 OK\r\ncontent-length: 6\r\n\r\nsecret');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

function rowFor(report: SendReport, target: string): Result {
  const row = report.results.find((r) => r.target === target);
  assert.ok(row, `a row for ${target}: ${report.results.map((r) => r.target).join(', ')}`);
  return row;
}

function assertOneLine(row: Result): void {
  assert.ok(row.message.length > 0 && row.message.length <= 400, `a short message: ${row.message}`);
  assert.ok(![...row.message].some((c) => c < ' ' || c === '\u007f'), `one line, no control characters: ${JSON.stringify(row.message)}`);
}

// ---- SSRF -------------------------------------------------------------------------------------------------

test('links to loopback in every spelling (a name resolving to 127.0.0.1, mapped IPv6, decimal, hex, octal) are refused; non-http links are never fetched', async (t) => {
  const dir = await tempDir(t);
  const inside = await forbidden(t);
  const p = inside.port;
  const hrefs = [
    `http://localhost:${p}/admin`, `http://[::ffff:127.0.0.1]:${p}/`, `http://[::ffff:7f00:1]:${p}/x`, `http://2130706433:${p}/d`,
    `http://0x7f.0.0.1:${p}/h`, `http://0177.0.0.1:${p}/o`, `http://127.1:${p}/short`, `http://[::1]:${p}/v6`,
    'file:///etc/passwd', 'ftp://127.0.0.1/', 'data:text/html,<h1>x</h1>', 'javascript:alert(1)', 'mailto:me@example.org',
  ];
  await writePosts(join(dir, 'site'), { ssrf: `<p>${hrefs.map((h, i) => `<a href="${h}">link ${i}</a>`).join(' ')}</p>` });
  // checkLive: false here and below: these tests are about hostile targets, and the posts (https://blog.example.org)
  // are served by nobody here; without connectTo the check would even go out to the real blog.example.org.
  const report = await send({ site: join(dir, 'site'), state: join(dir, 'state.json'), retries: 0, timeout: 1500, checkLive: false });
  assert.equal(inside.connections(), 0, 'nothing reached the loopback server');
  const refused = report.results.filter((r) => r.code === 'private-address');
  assert.ok(refused.length >= 6, `each loopback spelling is a private-address row: ${report.results.map((r) => `${r.target} ${r.code}`).join('; ')}`);
  for (const row of report.results) {
    assert.match(row.target, /^http:/, `only http(s) links become targets: ${row.target}`);
    assert.equal(row.status, 'skipped');
    assert.equal(row.code, 'private-address');
  }
});

/**
 * A "public" address on this machine: 100.128.0.77 on the loopback interface (root only; removed after).
 * Without it no local server can be reached with the private-address guard on.
 */
async function publicAddress(t: TestContext): Promise<string | null> {
  const address = '100.128.0.77';
  try {
    await exec('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
  } catch (error) {
    if (!/File exists/.test(String((error as { stderr?: string }).stderr))) {
      t.skip(`cannot add a public test address to lo: ${String((error as Error).message).split('\n')[0]}`);
      return null;
    }
  }
  t.after(() => exec('ip', ['addr', 'del', `${address}/32`, 'dev', 'lo']).then(() => {}, () => {}));
  return address;
}

test('with the guard on, every redirect hop and every discovered endpoint is checked; the good target is still notified', async (t) => {
  const address = await publicAddress(t);
  if (address === null) return;
  const inside = await forbidden(t);
  const p = inside.port;
  const webmentions: string[] = [];
  const redirects: Record<string, string> = {
    '/to-loopback': `http://127.0.0.1:${p}/admin`,
    '/to-localhost': `http://localhost:${p}/`,
    '/to-mapped': `http://[::ffff:127.0.0.1]:${p}/`,
    '/to-decimal': `http://2130706433:${p}/`,
    '/to-metadata': 'http://169.254.169.254/latest/meta-data/',
    '/to-file': 'file:///etc/passwd',
    '/to-internal-name': 'http://internal.test/',
    '/two-hops': '/to-localhost',
  };
  const pages: Record<string, Record<string, string>> = {
    '/ep-loopback': { link: `<http://127.0.0.1:${p}/hook>; rel="webmention"` },
    '/ep-localhost': { 'x-pingback': `http://localhost:${p}/xmlrpc` },
    '/ep-mapped': { link: `<http://[::ffff:7f00:1]:${p}/hook>; rel="webmention"` },
    '/ep-redirecting': { link: '</wm-307>; rel="webmention"' },
    '/ep-file': { link: '<file:///etc/passwd>; rel="webmention"', 'x-pingback': 'javascript:alert(1)' },
    '/good': { link: '</wm>; rel="webmention"' },
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      const to = redirects[path];
      if (to) return void res.writeHead(302, { location: to }).end();
      if (req.method === 'POST' && path === '/wm-307') return void res.writeHead(307, { location: `http://127.0.0.1:${p}/hook` }).end();
      if (req.method === 'POST' && path === '/wm') {
        webmentions.push(path);
        return void res.writeHead(202).end('accepted');
      }
      const headers = pages[path];
      if (headers) return void res.writeHead(200, { 'content-type': 'text/html', ...headers }).end('<p>page</p>');
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, address, resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as AddressInfo).port;

  const dir = await tempDir(t);
  const targets = [...Object.keys(redirects), ...Object.keys(pages)].map((path) => `http://public.test${path}`);
  await writePosts(join(dir, 'site'), { hops: `<p>${targets.map((u) => `<a href="${u}">${u}</a>`).join(' ')}</p>` });
  const report = await send({
    site: join(dir, 'site'), state: join(dir, 'state.json'), retries: 0, timeout: 1500, connectTimeout: 500, checkLive: false,
    connectTo: { 'public.test': `${address}:${port}`, 'internal.test': `127.0.0.1:${p}` },
  });

  assert.equal(inside.connections(), 0, 'no hop and no endpoint reached loopback');
  assert.deepEqual(webmentions, ['/wm'], 'the good target was notified');
  assert.equal(rowFor(report, 'http://public.test/good').status, 'sent');
  for (const path of ['/to-loopback', '/to-localhost', '/to-mapped', '/to-decimal', '/to-metadata', '/to-internal-name', '/two-hops', '/ep-loopback', '/ep-localhost', '/ep-mapped']) {
    const row = rowFor(report, `http://public.test${path}`);
    assert.equal(row.code, 'private-address', `${path}: ${row.code} ${row.message}`);
    assert.notEqual(row.status, 'sent');
  }
  assert.equal(rowFor(report, 'http://public.test/to-file').code, 'bad-url');
  const file = rowFor(report, 'http://public.test/ep-file');
  assert.equal(file.status, 'no-endpoint', 'file: and javascript: endpoints are not endpoints');
  const redirecting = rowFor(report, 'http://public.test/ep-redirecting');
  assert.equal(redirecting.status, 'failed');
  assert.match(redirecting.message, /redirect on POST not followed/);
});

// ---- hostile answers ----------------------------------------------------------------------------------------

type Answer = (socket: Socket, request: { path: string; method: string }) => void;

/** A raw TCP server answering by Host header with whatever bytes the test writes. */
async function hostileWeb(t: TestContext, hosts: Record<string, Answer>): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = [];
  const sockets = new Set<Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    let buffer = Buffer.alloc(0);
    socket.on('data', function onData(chunk: Buffer) {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      socket.off('data', onData);
      const [method = '', path = ''] = head.split(' ');
      const host = (/\r\nhost:\s*([^\r:]+)/i.exec(head)?.[1] ?? '').toLowerCase();
      seen.push(`${method} ${host}${path}`);
      const answer = hosts[host];
      if (!answer) return void socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      answer(socket, { path, method });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const timer of tricklers) clearInterval(timer);
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, seen };
}

/** Timers of trickling answers, stopped when the hostile web closes. */
const tricklers = new Set<NodeJS.Timeout>();

const head = (status: string, headers: Record<string, string | number>): string =>
  `HTTP/1.1 ${status}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}connection: close\r\n\r\n`;

const html = (extra: Record<string, string> = {}, body = '<p>page</p>'): Answer => (socket) =>
  void socket.end(head('200 OK', { 'content-type': 'text/html', 'content-length': Buffer.byteLength(body), ...extra }) + body);

/** GET: a page advertising `endpoint`; POST: `post` answers. */
const endpointPage = (rel: 'webmention' | 'pingback', post: Answer): Answer => (socket, request) => {
  if (request.method === 'POST') return post(socket, request);
  const header: Record<string, string> = rel === 'webmention' ? { link: '</endpoint>; rel="webmention"' } : { 'x-pingback': '/endpoint' };
  html(header)(socket, request);
};

function trickle(socket: Socket, bytes: string): void {
  const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(bytes)), 200);
  tricklers.add(timer);
}

function pump(socket: Socket, chunk: Buffer): void {
  const go = (): void => {
    while (!socket.destroyed && socket.write(chunk));
  };
  socket.on('drain', go);
  go();
}

test('hostile targets and endpoints each end as a clear per-target failure, and the run goes on', async (t) => {
  const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros in ~64 KB
  const web = await hostileWeb(t, {
    // Target pages (discovery).
    'loris.test': (socket) => {
      socket.write(head('200 OK', { 'content-type': 'text/html', 'content-length': 100000 }));
      trickle(socket, '<');
    },
    'bomb.test': (socket) => {
      socket.write(head('200 OK', { 'content-type': 'text/html', 'content-encoding': 'gzip', 'content-length': bomb.length }));
      socket.end(bomb);
    },
    'chunked.test': (socket) => {
      socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\n\r\n');
      const piece = Buffer.from('<p>more and more</p>'.repeat(500));
      pump(socket, Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]));
    },
    'headers.test': (socket) => void socket.end(head('200 OK', { 'x-junk': 'x'.repeat(200_000), 'content-length': 0 })),
    'lies.test': (socket) => void socket.end(head('200 OK', { 'content-type': 'text/html', 'content-length': 5000 }) + '<p>short</p>'),
    'notutf8.test': (socket) => {
      const body = Buffer.concat([Buffer.from('<html><head><link rel="webmention" href="/endpoint"></head><body><p>'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80]), Buffer.from('</p></body></html>')]);
      socket.write(head('200 OK', { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length }));
      socket.end(body);
    },
    // Endpoints (the answer to the notification).
    'status999.test': endpointPage('webmention', (socket) => void socket.end('HTTP/1.1 999 Weird\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok')),
    'badxml.test': endpointPage('pingback', (socket) => {
      const body = Buffer.concat([Buffer.from('<?xml version="1.0"?><methodResponse><params><param><value><string>'), Buffer.from([0xff, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x0a]), Buffer.from('</string></value></param>')]);
      socket.write(head('200 OK', { 'content-type': 'text/xml', 'content-length': body.length }));
      socket.end(body);
    }),
    'slowanswer.test': endpointPage('webmention', (socket) => {
      socket.write(head('202 Accepted', { 'content-length': 100000 }));
      trickle(socket, '.');
    }),
    'bombanswer.test': endpointPage('pingback', (socket) => {
      socket.write(head('200 OK', { 'content-type': 'text/xml', 'content-encoding': 'gzip', 'content-length': bomb.length }));
      socket.end(bomb);
    }),
    'good.test': endpointPage('webmention', (socket) => void socket.end(head('202 Accepted', { 'content-length': 0 }))),
  });
  const dir = await tempDir(t);
  const targets = ['loris', 'bomb', 'chunked', 'headers', 'lies', 'notutf8', 'status999', 'badxml', 'slowanswer', 'bombanswer', 'good']
    .map((name) => `http://${name}.test/page`);
  await writePosts(join(dir, 'site'), { hostile: `<p>${targets.map((u) => `<a href="${u}">${u}</a>`).join(' ')}</p>` });
  const state = join(dir, 'state.json');
  const report = await send({
    site: join(dir, 'site'), state, retries: 0, timeout: 1500, connectTimeout: 500, checkLive: false,
    allowPrivate: true, connectTo: { '*': `127.0.0.1:${web.port}` },
  });

  assert.equal(report.error, null, `the run was not stopped: ${JSON.stringify(report.error)}`);
  assert.equal(rowFor(report, 'http://good.test/page').status, 'sent');
  assert.equal(rowFor(report, 'http://notutf8.test/page').status, 'sent', 'invalid UTF-8 in a page does not hide its endpoint');
  const expected: Record<string, RegExp> = {
    loris: /timeout/, chunked: /no-endpoint/, headers: /too-large/, lies: /discovery-failed|timeout/,
    status999: /invalid-response/, badxml: /invalid-response/, slowanswer: /timeout|uncertain/, bombanswer: /invalid-response/,
    bomb: /no-endpoint/,
  };
  for (const [name, code] of Object.entries(expected)) {
    const row = rowFor(report, `http://${name}.test/page`);
    assert.notEqual(row.status, 'sent', `${name}: ${row.message}`);
    assert.match(row.code, code, `${name}: ${row.code} ${row.message}`);
    assertOneLine(row);
  }
  // Everything reached the state, which loads.
  const store = await openState(state, { readOnly: true });
  const recorded = [...store.notifications()].map((r) => r.target);
  await store.close();
  for (const target of targets) assert.ok(recorded.includes(target), `${target} recorded`);
});
