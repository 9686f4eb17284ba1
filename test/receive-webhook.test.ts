// The webhook after an approval, against a build hook on 127.0.0.1: retries, backoff, the guarded client. Touches no
// database (a mention is only its payload here), so it runs once, not per store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '../src/net/http.ts';
import { createWebhook, webhookPayload } from '../src/receive/publish/webhook.ts';
import { sample } from './fixtures/receive/mentions.ts';

/** A build hook on 127.0.0.1 answering the statuses given, in turn; records what reached it. */
async function buildHook(statuses: number[]) {
  const received: Array<{ method: string; type: string | undefined; body: string }> = [];
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ method: req.method ?? '', type: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statuses[received.length - 1] ?? 200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/build_hooks/abc123`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const client = () => createHttpClient({ userAgent: 'linkback-test', allowPrivate: true, connectTimeoutMs: 30_000, timeoutMs: 60_000, maxRedirects: 0, maxBodyBytes: 65_536 });

test('webhook: a hook that fails twice then succeeds gets the mention on the third try, after two backoff waits', async (t) => {
  const hook = await buildHook([500, 503, 200]);
  const http = client();
  t.after(async () => {
    await http.close();
    await hook.close();
  });
  const waits: number[] = [];
  const webhook = createWebhook({ url: hook.url, secret: 's3cret', client: http, sleep: async (ms) => void waits.push(ms), now: () => 0 });
  const mention = { ...sample(3, { property: 'like-of' }), id: 3 };
  const result = await webhook.notify(mention);
  assert.deepEqual(result, { ok: true, mentionId: 3, status: 200, attempts: 3 });
  assert.equal(hook.received.length, 3);
  assert.equal(waits.length, 2);
  for (const call of hook.received) {
    assert.equal(call.method, 'POST');
    assert.equal(call.type, 'application/json');
    assert.deepEqual(JSON.parse(call.body), JSON.parse(JSON.stringify(webhookPayload(mention, 's3cret'))));
  }
  const body = JSON.parse(hook.received[0]?.body ?? '{}');
  assert.equal(body.secret, 's3cret');
  assert.equal(body.source, 'https://other.example.net/post-3');
  assert.equal(body.target, 'https://blog.example.org/2026/hello/');
  assert.equal(body.private, false);
  assert.equal(body.post['wm-property'], 'like-of');
  assert.equal(body.post['like-of'], 'https://blog.example.org/2026/hello/');
});

test('webhook: a 4xx is final (no retry); giving up after the retries is a result, not an exception', async (t) => {
  const hook = await buildHook([404, 500, 500, 500]);
  const http = client();
  t.after(async () => {
    await http.close();
    await hook.close();
  });
  const webhook = createWebhook({ url: hook.url, client: http, sleep: async () => {}, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } });
  assert.deepEqual(await webhook.notify({ ...sample(1), id: 1 }), { ok: false, mentionId: 1, attempts: 1, reason: 'HTTP 404' });
  const again = await webhook.notify({ ...sample(2), id: 2 });
  assert.deepEqual(again, { ok: false, mentionId: 2, attempts: 3, reason: 'HTTP 500' });
  assert.equal(hook.received.length, 4);
});

test('webhook: the guarded client refuses a hook on a private address unless allowed', async (t) => {
  const hook = await buildHook([200]);
  const guarded = createHttpClient({ userAgent: 'linkback-test', allowPrivate: false, connectTimeoutMs: 30_000, timeoutMs: 60_000, maxRedirects: 0, maxBodyBytes: 65_536 });
  t.after(async () => {
    await guarded.close();
    await hook.close();
  });
  const result = await createWebhook({ url: hook.url, client: guarded, sleep: async () => {} }).notify({ ...sample(1), id: 1 });
  assert.equal(result.ok, false);
  assert.match(result.ok ? '' : result.reason, /^private-address/);
  assert.equal(hook.received.length, 0);
});
