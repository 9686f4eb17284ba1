// The Webmention receiver on the wire (https://www.w3.org/TR/webmention/#receiving-webmentions): request
// verification (400s), 202 with a status URL that answers the job's state, webmention.io-style paths, body caps,
// rate limits per client address and source host (429 + Retry-After), and the bounded queue (503 + Retry-After).
// On SQLite and on Postgres alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { parseSettings } from '../src/options.ts';
import type { OptionsInput } from '../src/options.ts';
import { startReceiver } from '../src/receive/serve.ts';
import type { Receiver, ReceiverDeps } from '../src/receive/serve.ts';
import type { Verification } from '../src/receive/types.ts';
import { close, listen, sendWebmention } from './receive-helpers.ts';
import { forEachStore } from './receive-stores.ts';
import type { StoreKind } from './receive-stores.ts';

const SITE = 'https://blog.example';
const OTHER = 'https://notes.example:8443';
const POST = `${SITE}/2026/post`;

/** A receiver on `kind`'s database (a fresh one per receiver), opened by startReceiver itself as `serve` does. */
async function receiver(kind: StoreKind, t: { after: (fn: () => Promise<void>) => void }, settings: Partial<OptionsInput> = {}, deps: ReceiverDeps = {}): Promise<Receiver> {
  const { settings: database } = await kind.database(t);
  const options = parseSettings({ sites: [SITE], port: 0, ...database, rateClient: 0, rateSource: 0, ...settings });
  const started = await startReceiver(options, { verify: async () => ({ ok: true, property: 'mention-of' }), ...deps });
  t.after(() => started.close());
  return started;
}

/** A raw request, for what fetch will not send (a wrong content type, a lying body, a chosen X-Forwarded-For). */
function raw(url: string, options: { method?: string; body?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const form = (fields: Record<string, string>) => ({ body: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

forEachStore((kind) => {
  test('request verification: 400 for missing, malformed, non-http(s) URLs, a target not ours, source = target (fragments ignored)', { timeout: 120_000 }, async (t) => {
    const r = await receiver(kind, t);
    const endpoint = `${r.url}/blog.example/webmention`;
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['no source', { target: POST }, /required/],
      ['no target', { source: 'https://other.example/a' }, /required/],
      ['empty source', { source: '', target: POST }, /required/],
      ['source not a URL', { source: 'not a url', target: POST }, /source must be/],
      ['relative source', { source: '/a/b', target: POST }, /source must be/],
      ['ftp source', { source: 'ftp://other.example/a', target: POST }, /source must be/],
      ['javascript: source', { source: 'javascript:alert(1)', target: POST }, /source must be/],
      ['mailto target', { source: 'https://other.example/a', target: 'mailto:me@blog.example' }, /target must be/],
      ['target on another host', { source: 'https://other.example/a', target: 'https://elsewhere.example/post' }, /not on a site/],
      ['target on our host, other scheme', { source: 'https://other.example/a', target: 'http://blog.example/post' }, /not on a site/],
      ['target on our host, other port', { source: 'https://other.example/a', target: 'https://blog.example:444/post' }, /not on a site/],
      ['source = target', { source: POST, target: POST }, /same URL/],
      ['source = target but for fragments', { source: `${POST}#a`, target: `${POST}#b` }, /same URL/],
    ];
    for (const [name, fields, message] of cases) {
      const answer = await raw(endpoint, form(fields));
      assert.equal(answer.status, 400, name);
      assert.match(answer.body, message, name);
    }
    const json = await raw(endpoint, { body: JSON.stringify({ source: 'https://other.example/a', target: POST }), headers: { 'content-type': 'application/json' } });
    assert.equal(json.status, 400);
    assert.equal(await r.store.queueDepth(), 0, 'nothing refused was queued');
    // A valid one, with a fragment on the target: accepted, the fragment dropped.
    const ok = await raw(endpoint, form({ source: 'https://other.example/a', target: `${POST}#comments` }));
    assert.equal(ok.status, 202, ok.body);
    const id = Number(/^\/status\/(\d+)$/.exec(String(ok.headers.location))?.[1]);
    assert.equal((await r.store.job(id))?.received.target, POST);
  });

  test('202 with a Location status URL that answers pending, then verified or rejected', { timeout: 120_000 }, async (t) => {
    const verdicts = new Map<string, (v: Verification) => void>();
    const r = await receiver(kind, t, {}, {
      verify: (received) => new Promise((resolve) => verdicts.set(received.source, resolve)),
    });
    const a = await sendWebmention(`${r.url}/webmention`, 'https://other.example/a', POST);
    const b = await sendWebmention(`${r.url}/webmention`, 'https://other.example/b', POST);
    assert.ok(a !== 'failed' && b !== 'failed');
    assert.equal(a.status, 202);
    const status = async (location: string | null) => (await fetch(`${r.url}${location}`)).json() as Promise<{ state: string; result: string; reason?: string }>;
    assert.equal((await status(a.location)).result, 'pending');
    while (verdicts.size < 2) await new Promise((resolve) => setTimeout(resolve, 20));
    verdicts.get('https://other.example/a')!({ ok: true, property: 'in-reply-to' });
    verdicts.get('https://other.example/b')!({ ok: false, code: 'no-link', reason: 'the source does not link to the target', retryable: false });
    let sa, sb;
    do {
      await new Promise((resolve) => setTimeout(resolve, 20));
      [sa, sb] = await Promise.all([status(a.location), status(b.location)]);
    } while (sa.state !== 'done' || sb.state !== 'done');
    assert.equal(sa.result, 'verified');
    assert.equal(sb.result, 'rejected');
    assert.match(sb.reason ?? '', /^no-link/);
    assert.equal((await fetch(`${r.url}/status/999999`)).status, 404);
  });

  test('paths as webmention.io\'s: /<domain>/webmention per site; /webmention only with one site; 404, 405, /healthz', { timeout: 120_000 }, async (t) => {
    const two = await receiver(kind, t, { sites: [SITE, OTHER] });
    assert.equal((await raw(`${two.url}/blog.example/webmention`, form({ source: 'https://x.example/1', target: POST }))).status, 202);
    assert.equal((await raw(`${two.url}/notes.example:8443/webmention`, form({ source: 'https://x.example/1', target: `${OTHER}/n` }))).status, 202);
    const crossed = await raw(`${two.url}/notes.example:8443/webmention`, form({ source: 'https://x.example/1', target: POST }));
    assert.equal(crossed.status, 400, 'a domain\'s endpoint takes only its own targets');
    assert.equal((await raw(`${two.url}/unknown.example/webmention`, form({ source: 'https://x.example/1', target: POST }))).status, 404);
    assert.equal((await raw(`${two.url}/webmention`, form({ source: 'https://x.example/1', target: POST }))).status, 404);
    const get = await raw(`${two.url}/blog.example/webmention`, { method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    assert.equal((await raw(`${two.url}/healthz`, { method: 'GET' })).status, 200);
    assert.equal((await raw(`${two.url}/blog.example/nothing`, { method: 'GET' })).status, 404);
    const one = await receiver(kind, t);
    assert.equal((await raw(`${one.url}/webmention`, form({ source: 'https://x.example/1', target: POST }))).status, 202);
  });

  test('a body over --max-body is refused with 413 before it is read', { timeout: 120_000 }, async (t) => {
    const r = await receiver(kind, t, { maxBody: 1024 });
    const big = await raw(`${r.url}/webmention`, form({ source: `https://x.example/${'a'.repeat(2000)}`, target: POST }));
    assert.equal(big.status, 413);
    assert.equal(await r.store.queueDepth(), 0);
  });

  test('rate limits: 429 + Retry-After per client address and per source host', { timeout: 120_000 }, async (t) => {
    const byClient = await receiver(kind, t, { rateClient: 3 });
    const answers: Array<Awaited<ReturnType<typeof sendWebmention>>> = [];
    for (let i = 0; i < 4; i++) answers.push(await sendWebmention(`${byClient.url}/webmention`, `https://x${i}.example/p`, POST));
    assert.deepEqual(answers.map((a) => (a === 'failed' ? a : a.status)), [202, 202, 202, 429]);
    const limited = answers[3];
    assert.ok(typeof limited === 'object' && Number(limited.retryAfter) >= 1);

    const bySource = await receiver(kind, t, { rateSource: 2 });
    const statuses = [];
    for (const source of ['https://a.example/1', 'https://a.example/2', 'https://a.example/3', 'https://b.example/1']) {
      const answer = await sendWebmention(`${bySource.url}/webmention`, source, POST);
      statuses.push(answer !== 'failed' && answer.status);
    }
    assert.deepEqual(statuses, [202, 202, 429, 202], 'the third from a.example is limited, b.example is not');
  });

  test('X-Forwarded-For is the client address only with --trust-proxy', { timeout: 120_000 }, async (t) => {
    const send = (url: string, i: number, forwarded: string) => raw(`${url}/webmention`, { ...form({ source: `https://x.example/${i}`, target: POST }), headers: { ...form({}).headers, 'x-forwarded-for': forwarded } });
    const direct = await receiver(kind, t, { rateClient: 1 });
    assert.equal((await send(direct.url, 1, '192.0.2.1')).status, 202);
    assert.equal((await send(direct.url, 2, '192.0.2.2')).status, 429, 'a client cannot pick its address');
    const proxied = await receiver(kind, t, { rateClient: 1, trustProxy: true });
    assert.equal((await send(proxied.url, 1, '192.0.2.1')).status, 202);
    assert.equal((await send(proxied.url, 2, '198.51.100.7, 192.0.2.2')).status, 202, 'the last entry, the one our proxy added');
    assert.equal((await send(proxied.url, 3, '198.51.100.7, 192.0.2.2')).status, 429);
    assert.equal((await proxied.store.job(2))?.received.clientAddress, '192.0.2.2');
  });

  test('a full queue answers 503 + Retry-After and queues nothing more', { timeout: 120_000 }, async (t) => {
    const r = await receiver(kind, t, { maxQueue: 2, verifyWorkers: 1 }, { verify: () => new Promise(() => {}) });
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const answer = await sendWebmention(`${r.url}/webmention`, `https://x.example/${i}`, POST);
      assert.ok(answer !== 'failed');
      statuses.push(answer.status);
      if (answer.status === 503) assert.ok(Number(answer.retryAfter) >= 1);
    }
    assert.deepEqual(statuses, [202, 202, 503]);
    assert.equal(await r.store.queueDepth(), 2);
  });

  test('the default verifier end to end: a local source that links is verified; gone later, the mention is marked deleted; private sources refused without --allow-private', { timeout: 120_000 }, async (t) => {
    let gone = false;
    const source = await listen((_req, res) => {
      if (gone) res.writeHead(410).end();
      else res.writeHead(200, { 'content-type': 'text/html' }).end(`<p>A reply to <a href="${POST}">the post</a></p>`);
    });
    t.after(() => close(source.server));
    const r = await receiver(kind, t, { allowPrivate: true }, { verify: undefined });
    const finished = async (location: string | null) => {
      for (;;) {
        const body = await (await fetch(`${r.url}${location}`)).json() as { state: string; result: string };
        if (body.state === 'done' || body.state === 'dead') return body.result;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const first = await sendWebmention(`${r.url}/webmention`, `${source.origin}/reply`, POST);
    assert.ok(first !== 'failed');
    assert.equal(await finished(first.location), 'verified');
    assert.equal((await r.store.mentions({}))[0]?.status, 'pending');
    gone = true;
    const again = await sendWebmention(`${r.url}/webmention`, `${source.origin}/reply`, POST);
    assert.ok(again !== 'failed');
    assert.equal(await finished(again.location), 'deleted');
    const all = await r.store.mentions({});
    assert.equal(all.length, 1);
    assert.equal(all[0]?.status, 'deleted');

    const guarded = await receiver(kind, t, {}, { verify: undefined });
    const refused = await sendWebmention(`${guarded.url}/webmention`, `${source.origin}/reply`, POST);
    assert.ok(refused !== 'failed');
    const job = await (async () => {
      for (;;) {
        const body = await (await fetch(`${guarded.url}${refused.location}`)).json() as { state: string; reason?: string };
        if (body.state === 'done') return body;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    assert.match(job.reason ?? '', /^refused-address/);
  });
});
