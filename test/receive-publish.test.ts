// Moderation and publishing through the real receiver (SQLite or Postgres store, queue, workers, HTTP server): webmentions
// arrive, are verified (by an injected verifier: what the source says is not the subject here) and moderated by the
// rules; the admin approves over HTTP; the read API, the webhook and `linkback mentions export` show the result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.ts';
import { parseSettings } from '../src/options.ts';
import type { WebhookResult } from '../src/receive/publish/webhook.ts';
import { startReceiver } from '../src/receive/serve.ts';
import type { Received, Verification } from '../src/receive/types.ts';
import { close, listen, sendWebmention } from './receive-helpers.ts';
import { forEachStore } from './receive-stores.ts';
import type { StoreKind } from './receive-stores.ts';

const SITE = 'https://blog.example';
const POST = `${SITE}/2026/post/`;
const ADMIN = 'publish-test-admin-token';

/** Resolves the n-th time `notify` is called (n = 1, 2 …), whenever the caller asks. */
function counter<T>() {
  const seen: T[] = [];
  const waiting: Array<{ n: number; resolve: () => void }> = [];
  return {
    seen,
    notify(value: T) {
      seen.push(value);
      for (const w of waiting.filter((w) => seen.length >= w.n)) w.resolve();
    },
    reached(n: number): Promise<void> {
      return seen.length >= n ? Promise.resolve() : new Promise((resolve) => waiting.push({ n, resolve }));
    },
  };
}

function verifier(received: Received): Promise<Verification> {
  const name = new URL(received.source).pathname.slice(1);
  return Promise.resolve({
    ok: true,
    property: 'in-reply-to',
    author: { name: `Author of ${name}`, url: new URL('/', received.source).href },
    content: { html: `<p>Reply ${name}</p>`, text: `Reply ${name}` },
    url: received.source,
  });
}

async function setup(kind: StoreKind, t: { after: (fn: () => Promise<void>) => void }) {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-publish-'));
  const hookCalls = counter<{ source: string; post: { 'wm-property': string } }>();
  const hook = await listen((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      res.writeHead(200).end('ok');
      hookCalls.notify(JSON.parse(body));
    });
  });
  const done = counter<number>();
  const hookResults = counter<WebhookResult>();
  const database = await kind.database(t);
  const options = parseSettings({
    sites: [SITE], port: 0, ...database.settings, rateClient: 0, rateSource: 0, allowPrivate: true,
    adminToken: ADMIN, webhook: `${hook.origin}/hook`, webhookSecret: 'sh',
  });
  const receiver = await startReceiver(options, {
    verify: (received) => verifier(received),
    onWorkerEvent: (event) => {
      if (event.type === 'done') done.notify(event.job.id);
    },
    onWebhook: (result) => hookResults.notify(result),
  });
  t.after(async () => {
    await receiver.close();
    await close(hook.server);
    await rm(dir, { recursive: true, force: true });
  });
  const site = (await receiver.store.sites())[0];
  assert.ok(site);
  return { receiver, database: database.args, dir, site, done, hookCalls, hookResults };
}

async function api(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as { children: Array<{ 'wm-source': string }> } };
}

async function adminSession(base: string): Promise<{ cookie: string; csrf: string }> {
  const login = await fetch(`${base}/admin/login`, { method: 'POST', body: new URLSearchParams({ token: ADMIN }), redirect: 'manual' });
  assert.equal(login.status, 303);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = await (await fetch(`${base}/admin`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  assert.ok(csrf, page);
  return { cookie, csrf };
}

forEachStore((kind) => {
  test('publish end to end: pending until approved, then in the API and the webhook; a known domain is approved by itself; export writes the same jf2 from the database and from the API', { timeout: 300_000 }, async (t) => {
    const { receiver, database, dir, site, done, hookCalls, hookResults } = await setup(kind, t);
    const endpoint = `${receiver.url}/blog.example/webmention`;
    const feed = `${receiver.url}/api/mentions.jf2?token=${site.readToken}`;

    // A first mention from an unknown domain waits for a moderator.
    assert.equal((await sendWebmention(endpoint, 'https://friend.example/a', POST) as { status: number }).status, 202);
    await done.reached(1);
    assert.deepEqual((await api(feed)).body.children, []);
    assert.equal((await api(`${receiver.url}/api/mentions.jf2?target=${encodeURIComponent(POST)}`)).body.children.length, 0);

    // Tokens on the wire.
    assert.equal((await api(`${receiver.url}/api/mentions.jf2?domain=blog.example`)).status, 401);
    assert.equal((await api(`${receiver.url}/api/mentions.jf2?token=wrong`)).status, 401);

    // The admin approves it over HTTP: it shows, and the webhook gets it.
    const { cookie, csrf } = await adminSession(receiver.url);
    const [pending] = await receiver.store.mentions({ status: 'pending' });
    assert.ok(pending);
    const approve = await fetch(`${receiver.url}/admin/mentions/${pending.id}`, { method: 'POST', headers: { cookie }, body: new URLSearchParams({ csrf, action: 'approve' }), redirect: 'manual' });
    assert.equal(approve.status, 303);
    assert.deepEqual((await api(feed)).body.children.map((c) => c['wm-source']), ['https://friend.example/a']);
    await hookCalls.reached(1);
    assert.equal(hookCalls.seen[0]?.source, 'https://friend.example/a');

    // The same domain again: approved by the rules, no moderator; a stranger waits.
    await sendWebmention(endpoint, 'https://friend.example/b', POST);
    await done.reached(2);
    await sendWebmention(endpoint, 'https://stranger.example/c', POST);
    await done.reached(3);
    assert.deepEqual((await api(feed)).body.children.map((c) => c['wm-source']), ['https://friend.example/b', 'https://friend.example/a']);
    await hookResults.reached(2);
    assert.deepEqual(hookResults.seen.map((r) => r.ok), [true, true]);
    assert.deepEqual(hookCalls.seen.map((c) => c.source), ['https://friend.example/a', 'https://friend.example/b']);
    assert.equal((await receiver.store.mentions({ status: 'pending' })).length, 1);

    // Export, from the database and from the API: the same two approved mentions.
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) }, env: {}, cwd: dir };
    const fromDb = join(dir, '_data', 'mentions.json');
    assert.equal(await main(['mentions', 'export', '--out', fromDb, ...database], io), 0, out.join(''));
    const fromApi = join(dir, 'remote.json');
    assert.equal(await main(['mentions', 'export', '--out', fromApi, '--from', receiver.url, '--token', site.readToken, '--allow-private'], io), 0, out.join(''));
    const a = JSON.parse(await readFile(fromDb, 'utf8'));
    const b = JSON.parse(await readFile(fromApi, 'utf8'));
    assert.deepEqual(a, b);
    assert.deepEqual(a.children.map((c: { 'wm-source': string }) => c['wm-source']), ['https://friend.example/b', 'https://friend.example/a']);
    assert.equal(a.children[0]['in-reply-to'], POST);
    // A refused token is exit code 1, and the file is left as it was.
    assert.equal(await main(['mentions', 'export', '--out', fromApi, '--from', receiver.url, '--token', 'nope', '--allow-private'], io), 1);
    assert.deepEqual(JSON.parse(await readFile(fromApi, 'utf8')), b);
    assert.equal(await main(['mentions', 'export', '--out', fromApi, '--db', join(dir, 'nothing.db')], io), 3);
  });
});
