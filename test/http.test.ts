import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { createHttpClient, DEFAULT_HTTP_OPTIONS, type HttpClientOptions } from '../src/net/http.ts';
import { FetchError, type HttpClient } from '../src/net/types.ts';
import { closedPort, startServer, type LocalServer } from './fixtures/net/local-server.ts';

function client(t: TestContext, overrides: Partial<HttpClientOptions> = {}): HttpClient {
  const http = createHttpClient({
    ...DEFAULT_HTTP_OPTIONS,
    userAgent: 'linkback-test/1.0 (+https://example.org/)',
    allowPrivate: true,
    connectTimeoutMs: 1000,
    timeoutMs: 1000,
    ...overrides,
  });
  t.after(() => http.close());
  return http;
}

async function server(t: TestContext, ...args: Parameters<typeof startServer>): Promise<LocalServer> {
  const started = await startServer(...args);
  t.after(() => started.close());
  return started;
}

async function fetchError(promise: Promise<unknown>): Promise<FetchError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FetchError, `expected a FetchError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the request to fail');
}

test('GET returns status, body, final URL, and sends our User-Agent and Accept-Encoding', async (t) => {
  const local = await server(t, (_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<p>hello</p>');
  });
  const res = await client(t).request({ method: 'GET', url: `${local.origin}/post`, headers: { accept: 'text/html' } });
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), '<p>hello</p>');
  assert.equal(res.url, `${local.origin}/post`);
  assert.deepEqual(res.redirects, []);
  assert.equal(res.truncated, false);
  assert.deepEqual(res.headers['content-type'], ['text/html']);
  const [seen] = local.requests;
  assert.equal(seen?.headers['user-agent'], 'linkback-test/1.0 (+https://example.org/)');
  assert.equal(seen?.headers['accept-encoding'], 'gzip, deflate, br');
  assert.equal(seen?.headers.accept, 'text/html');
});

test('POST sends the body and headers as given', async (t) => {
  const local = await server(t, (_req, res) => res.end('accepted'));
  const res = await client(t).request({
    method: 'POST',
    url: `${local.origin}/webmention`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'source=a&target=b',
  });
  assert.equal(res.status, 200);
  const [seen] = local.requests;
  assert.equal(seen?.method, 'POST');
  assert.equal(seen?.body, 'source=a&target=b');
  assert.equal(seen?.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(seen?.headers['user-agent'], 'linkback-test/1.0 (+https://example.org/)');
});

test('every occurrence of a repeated header is kept, in order', async (t) => {
  const local = await server(t, (_req, res) => {
    res.setHeader('Link', ['<https://a.example/wm>; rel="webmention"', '<https://a.example/xmlrpc>; rel="pingback"']);
    res.end();
  });
  const res = await client(t).request({ method: 'GET', url: local.origin });
  assert.deepEqual(res.headers.link, ['<https://a.example/wm>; rel="webmention"', '<https://a.example/xmlrpc>; rel="pingback"']);
});

const text = 'Webmention is a simple way to notify any URL when you mention it on your site. '.repeat(200);
const encodings: Array<[label: string, encoding: string, encode: (body: Buffer) => Buffer]> = [
  ['gzip', 'gzip', (body) => zlib.gzipSync(body)],
  ['deflate (zlib format)', 'deflate', (body) => zlib.deflateSync(body)],
  ['deflate (raw, as some servers send it)', 'deflate', (body) => zlib.deflateRawSync(body)],
  ['br', 'br', (body) => zlib.brotliCompressSync(body)],
  ['gzip then br (two codings)', 'gzip, br', (body) => zlib.brotliCompressSync(zlib.gzipSync(body))],
];
for (const [label, encoding, encode] of encodings) {
  test(`a ${label} body is decoded`, async (t) => {
    const local = await server(t, (_req, res) => {
      res.setHeader('content-encoding', encoding);
      res.end(encode(Buffer.from(text)));
    });
    const res = await client(t).request({ method: 'GET', url: local.origin });
    assert.equal(res.body.toString(), text);
    assert.equal(res.truncated, false);
  });
}

test('the body cap counts decoded bytes', async (t) => {
  const local = await server(t, (_req, res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(zlib.gzipSync(text));
  });
  const res = await client(t).request({ method: 'GET', url: local.origin, maxBytes: 1000 });
  assert.equal(res.truncated, true);
  assert.equal(res.body.toString(), text.slice(0, 1000));
});

test('a body of exactly the cap is not truncated', async (t) => {
  const local = await server(t, (_req, res) => res.end('x'.repeat(100)));
  const res = await client(t, { maxBodyBytes: 100 }).request({ method: 'GET', url: local.origin });
  assert.equal(res.body.length, 100);
  assert.equal(res.truncated, false);
});

test('a redirect chain is followed; url is the final one and redirects lists the hops', async (t) => {
  const local = await server(t, (req, res) => {
    const next: Record<string, string> = { '/a': '/b', '/b': '/c' };
    const location = next[req.url ?? ''];
    if (location) {
      res.writeHead(req.url === '/a' ? 301 : 307, { location: `http://127.0.0.1:${local.port}${location}` });
      res.end('moved');
    } else {
      res.end(`final ${req.url}`);
    }
  });
  const res = await client(t).request({ method: 'GET', url: `${local.origin}/a` });
  assert.equal(res.status, 200);
  assert.equal(res.body.toString(), 'final /c');
  assert.equal(res.url, `${local.origin}/c`);
  assert.deepEqual(res.redirects, [`${local.origin}/a`, `${local.origin}/b`]);
  assert.deepEqual(local.requests.map((r) => r.url), ['/a', '/b', '/c']);
});

test('a relative Location is resolved against the current URL', async (t) => {
  const local = await server(t, (req, res) => {
    if (req.url === '/blog/2024/post') {
      res.writeHead(302, { location: '../2025/moved?x=1' });
      res.end();
    } else {
      res.end(req.url);
    }
  });
  const res = await client(t).request({ method: 'GET', url: `${local.origin}/blog/2024/post` });
  assert.equal(res.url, `${local.origin}/blog/2025/moved?x=1`);
  assert.equal(res.body.toString(), '/blog/2025/moved?x=1');
});

test('a redirect loop fails with code redirects', async (t) => {
  const local = await server(t, (req, res) => {
    res.writeHead(302, { location: req.url === '/one' ? '/two' : '/one' });
    res.end();
  });
  const error = await fetchError(client(t).request({ method: 'GET', url: `${local.origin}/one` }));
  assert.equal(error.code, 'redirects');
  assert.deepEqual(local.requests.map((r) => r.url), ['/one', '/two']);
});

test('more than maxRedirects hops fails with code redirects', async (t) => {
  const local = await server(t, (req, res) => {
    const n = Number(req.url?.slice(1));
    res.writeHead(302, { location: `/${n + 1}` });
    res.end();
  });
  const error = await fetchError(client(t, { maxRedirects: 3 }).request({ method: 'GET', url: `${local.origin}/0` }));
  assert.equal(error.code, 'redirects');
  // The original request and three followed hops; the fourth redirect is refused.
  assert.deepEqual(local.requests.map((r) => r.url), ['/0', '/1', '/2', '/3']);
});

test('exactly maxRedirects hops still succeeds', async (t) => {
  const local = await server(t, (req, res) => {
    const n = Number(req.url?.slice(1));
    if (n < 3) res.writeHead(302, { location: `/${n + 1}` });
    res.end(`at ${n}`);
  });
  const res = await client(t, { maxRedirects: 3 }).request({ method: 'GET', url: `${local.origin}/0` });
  assert.equal(res.body.toString(), 'at 3');
  assert.equal(res.redirects.length, 3);
});

test('a redirect to a non-http scheme fails with bad-url', async (t) => {
  const local = await server(t, (_req, res) => {
    res.writeHead(302, { location: 'file:///etc/passwd' });
    res.end();
  });
  const error = await fetchError(client(t).request({ method: 'GET', url: local.origin }));
  assert.equal(error.code, 'bad-url');
  assert.equal(error.url, 'file:///etc/passwd');
});

test('POST never follows a redirect: the 3xx is the answer', async (t) => {
  const local = await server(t, (_req, res) => {
    res.writeHead(302, { location: '/elsewhere' });
    res.end('see elsewhere');
  });
  const res = await client(t).request({ method: 'POST', url: `${local.origin}/endpoint`, body: 'x=1' });
  assert.equal(res.status, 302);
  assert.deepEqual(res.headers.location, ['/elsewhere']);
  assert.equal(res.body.toString(), 'see elsewhere');
  assert.deepEqual(local.requests.map((r) => r.url), ['/endpoint']);
});

test('GET with followRedirects: false returns the 3xx', async (t) => {
  const local = await server(t, (_req, res) => {
    res.writeHead(301, { location: '/elsewhere' });
    res.end();
  });
  const res = await client(t).request({ method: 'GET', url: local.origin, followRedirects: false });
  assert.equal(res.status, 301);
  assert.equal(local.requests.length, 1);
});

test('keep-alive: sequential requests to one origin share one connection', async (t) => {
  const local = await server(t, (req, res) => res.end(`page ${req.url}`));
  const http = client(t);
  for (let i = 0; i < 5; i += 1) {
    const res = await http.request({ method: 'GET', url: `${local.origin}/${i}` });
    assert.equal(res.body.toString(), `page /${i}`);
  }
  assert.equal(local.requests.length, 5);
  assert.equal(local.connections(), 1);
});

test('keep-alive survives a followed redirect', async (t) => {
  const local = await server(t, (req, res) => {
    if (req.url === '/old') res.writeHead(301, { location: '/new' });
    res.end('body');
  });
  const http = client(t);
  await http.request({ method: 'GET', url: `${local.origin}/old` });
  await http.request({ method: 'GET', url: `${local.origin}/old` });
  assert.equal(local.requests.length, 4);
  assert.equal(local.connections(), 1);
});

test('connectTo sends a host name to a local address, keeping URL and Host header', async (t) => {
  const local = await server(t, (req, res) => res.end(`host=${req.headers.host} path=${req.url}`));
  const http = client(t, { connectTo: { 'blog.example': `127.0.0.1:${local.port}`, 'other.example': `127.0.0.1:${local.port}` } });
  const res = await http.request({ method: 'GET', url: 'http://blog.example/x' });
  assert.equal(res.url, 'http://blog.example/x');
  assert.equal(res.body.toString(), 'host=blog.example path=/x');
  const other = await http.request({ method: 'GET', url: 'http://other.example:8080/y' });
  assert.equal(other.body.toString(), 'host=other.example:8080 path=/y');
});

test('connectTo redirects between simulated hosts', async (t) => {
  const local = await server(t, (req, res) => {
    if (req.headers.host === 'old.example') res.writeHead(301, { location: 'http://new.example/post' });
    res.end(`at ${req.headers.host}`);
  });
  const target = `127.0.0.1:${local.port}`;
  const res = await client(t, { connectTo: { 'old.example': target, 'new.example': target } }).request({
    method: 'GET',
    url: 'http://old.example/post',
  });
  assert.equal(res.body.toString(), 'at new.example');
  assert.deepEqual(res.redirects, ['http://old.example/post']);
});

test('a malformed connectTo entry is refused when the client is created', () => {
  assert.throws(
    () => createHttpClient({ ...DEFAULT_HTTP_OPTIONS, userAgent: 'x', connectTo: { 'a.example': '127.0.0.1' } }),
    (error: unknown) => error instanceof Error && 'code' in error && error.code === 'CONFIG_INVALID',
  );
});

test('connection refused is unreachable, phase connect', async (t) => {
  const port = await closedPort();
  const error = await fetchError(client(t).request({ method: 'GET', url: `http://127.0.0.1:${port}/` }));
  assert.equal(error.code, 'unreachable');
  assert.equal(error.phase, 'connect');
  assert.equal(error.url, `http://127.0.0.1:${port}/`);
});

test('a URL that is not http(s) is bad-url without any connection', async (t) => {
  for (const url of ['mailto:someone@example.org', 'not a url', `http://example.org/${'x'.repeat(9000)}`]) {
    const error = await fetchError(client(t).request({ method: 'GET', url }));
    assert.equal(error.code, 'bad-url', url);
    assert.equal(error.phase, 'connect', url);
  }
});

test("the caller's signal aborts a request", async (t) => {
  const local = await server(t, () => undefined); // never answers
  const controller = new AbortController();
  const pending = client(t, { timeoutMs: 5000 }).request({ method: 'GET', url: local.origin, signal: controller.signal });
  setTimeout(() => controller.abort(), 50);
  const error = await fetchError(pending);
  assert.equal(error.code, 'aborted');
});

test("many requests on one caller's signal: all aborted by it, and no listener-leak warning on the terminal", async (t) => {
  // A run passes its one signal to every request, up to 128 at once: Node warns past 10 listeners on a signal.
  const local = await server(t, () => undefined); // never answers
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on('warning', onWarning);
  t.after(() => process.off('warning', onWarning));
  const controller = new AbortController();
  const http = client(t, { timeoutMs: 5000 });
  const pending = Array.from({ length: 30 }, (_, i) => fetchError(http.request({ method: 'GET', url: `${local.origin}/${i}`, signal: controller.signal })));
  controller.abort();
  for (const error of await Promise.all(pending)) assert.equal(error.code, 'aborted');
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  assert.deepEqual(warnings.filter((w) => w.includes('MaxListenersExceeded')), []);
});

test('an already aborted signal sends nothing', async (t) => {
  const local = await server(t, (_req, res) => res.end());
  const error = await fetchError(client(t).request({ method: 'GET', url: local.origin, signal: AbortSignal.abort() }));
  assert.equal(error.code, 'aborted');
  assert.equal(error.phase, 'connect');
  assert.equal(local.connections(), 0);
});
