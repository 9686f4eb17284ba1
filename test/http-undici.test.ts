// src/net/undici.ts loads the parts of undici it uses from their own files (UNDICI_PARTS), not undici's index,
// which loads all of undici (fetch, WebSocket, mocks, caches …). These paths are undici's file layout, not a
// documented API: this pins them to the exports of undici's index, so an upgrade that moves or changes one fails
// here. And a request on the client must really not load the index (checked in a fresh process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadUndici, UNDICI_PARTS } from '../src/net/undici.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('each part of undici http.ts loads is the export of undici by that name', async () => {
  const undici = await import('undici');
  const part = async (path: string) => ((await import(path)) as { default: unknown }).default;
  assert.equal(await part(UNDICI_PARTS.Agent), undici.Agent);
  assert.equal(await part(UNDICI_PARTS.buildConnector), undici.buildConnector);
  // undici's request() is its request API bound to a dispatcher; the API is what Dispatcher#request is.
  assert.equal(await part(UNDICI_PARTS.request), undici.Dispatcher.prototype.request);
  assert.equal(typeof ((await part(UNDICI_PARTS.util)) as { parseURL?: unknown }).parseURL, 'function');
});

test('a request loads undici\'s agent and request API, not its index (fetch, WebSocket, mocks …)', async () => {
  // A fresh process: in this one, the test above loaded the index. The server and the request are in the child.
  const script = `
    import { createServer } from 'node:http';
    import { createRequire } from 'node:module';
    import { createHttpClient, DEFAULT_HTTP_OPTIONS } from './src/net/http.ts';
    const server = createServer((req, res) => res.end('hello')).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const client = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, userAgent: 'test', allowPrivate: true });
    const res = await client.request({ method: 'GET', url: 'http://127.0.0.1:' + server.address().port + '/page' });
    await client.close();
    server.close();
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) => f.includes('/node_modules/undici/')).map((f) => f.slice(f.indexOf('/node_modules/undici/') + 21));
    console.log(JSON.stringify({ status: res.status, body: res.body.toString(), loaded }));`;
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)));
  });
  const { status, body, loaded } = JSON.parse(out.trim().split('\n').pop() ?? '') as { status: number; body: string; loaded: string[] };
  assert.equal(status, 200);
  assert.equal(body, 'hello');
  assert.ok(loaded.includes('lib/dispatcher/agent.js'), `the agent was loaded: ${loaded.join(', ')}`);
  assert.deepEqual(loaded.filter((f) => f === 'index.js' || f.startsWith('lib/web/') || f.startsWith('lib/mock/')), [], loaded.join(', '));
});

test('an undici whose files moved (a newer 7.x in a user\'s install): the index is loaded instead, and requests work', async (t) => {
  const moved = { ...UNDICI_PARTS, request: 'undici/lib/api/moved-away.js' };
  const parts = await loadUndici(moved);
  const undici = await import('undici');
  assert.equal(parts.request, undici.Dispatcher.prototype.request, 'the request API from the index');
  const server = createServer((_req, res) => res.end('hello')).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => server.close());
  const agent = new parts.Agent();
  t.after(() => agent.close());
  const url = parts.parseURL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/page`);
  const res = await parts.request.call(agent, { method: 'GET', origin: url.origin, path: url.pathname });
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'hello');
});
