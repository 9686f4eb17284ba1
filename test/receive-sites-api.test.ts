// The admin API for sites (issue 13, multi-tenant), on the wire and on both databases: the admin token as a Bearer
// token (401 without, 403 wrong); a site added is received for at once, and by another process on the same
// Postgres once its short cache runs out; a rotated read token refuses the old one; a site's own rate limits and
// moderation rules override the server's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSettings } from '../src/options.ts';
import type { OptionsInput } from '../src/options.ts';
import { parseOrigin, parseSiteSettings } from '../src/receive/publish/sites-api.ts';
import { startReceiver } from '../src/receive/serve.ts';
import type { Receiver, ReceiverDeps } from '../src/receive/serve.ts';
import { SITES_TTL_MS } from '../src/receive/sites.ts';
import type { ReceiverStore } from '../src/receive/types.ts';
import type { WorkerEvent } from '../src/receive/queue/workers.ts';
import { sendWebmention } from './receive-helpers.ts';
import { forEachStore } from './receive-stores.ts';

const SITE = 'https://blog.example';
const NEW = 'https://new.example';
const ADMIN = 'admin-token-for-tests-0123456789';
const T0 = new Date('2026-03-01T12:00:00.000Z');

async function receiver(t: { after: (fn: () => Promise<void>) => void }, store: ReceiverStore, settings: Partial<OptionsInput> = {}, deps: ReceiverDeps = {}): Promise<Receiver> {
  const options = parseSettings({ sites: [SITE], port: 0, rateClient: 0, rateSource: 0, adminToken: ADMIN, ...settings });
  const started = await startReceiver(options, { store, verify: async () => ({ ok: true, property: 'mention-of' }), ...deps });
  t.after(() => started.close());
  return started;
}

async function call(url: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() as Record<string, unknown> };
}

async function webmention(url: string, site: string, n: number): Promise<number> {
  const answer = await sendWebmention(`${url}/${new URL(site).host}/webmention`, `https://src.example/${n}`, `${site}/post`);
  assert.ok(answer !== 'failed');
  return answer.status;
}

test('settings and origins from the admin API are checked', () => {
  assert.equal(parseOrigin('https://Blog.Example.org/'), 'https://blog.example.org');
  assert.equal(parseOrigin('https://blog.example.org/path'), undefined);
  assert.equal(parseOrigin('ftp://blog.example.org'), undefined);
  assert.equal(parseOrigin(42), undefined);
  assert.deepEqual(parseSiteSettings({ rateClient: 10, approve: 'all', blockDomains: ['Spam.example'] }), { rateClient: 10, approve: 'all', blockDomains: ['spam.example'] });
  assert.match(String(parseSiteSettings({ rateClient: -1 })), /rateClient/);
  assert.match(String(parseSiteSettings({ approve: 'yes' })), /approve: one of/);
  assert.match(String(parseSiteSettings({ colour: 'red' })), /unknown setting "colour"/);
});

forEachStore((kind) => {
  test(`${kind.name}: 404 with no admin token configured; 401 without the token, 403 with a wrong one; the query token is not read`, { timeout: 120_000 }, async (t) => {
    const { store, another } = await kind.open(t);
    const r = await receiver(t, store);
    assert.equal((await call(`${r.url}/admin/api/sites`, undefined)).status, 401);
    assert.equal((await call(`${r.url}/admin/api/sites?token=${ADMIN}`, undefined)).status, 401);
    assert.equal((await call(`${r.url}/admin/api/sites`, 'wrong')).status, 403);
    assert.equal((await call(`${r.url}/admin/api/sites`, 'wrong', { origin: NEW })).status, 403);
    assert.equal((await call(`${r.url}/admin/api/sites/rotate`, undefined, { origin: SITE })).status, 401);
    assert.equal((await call(`${r.url}/admin/api/sites/remove`, 'wrong', { origin: SITE })).status, 403);
    assert.deepEqual((await store.sites()).map((s) => s.origin), [SITE], 'nothing changed');
    const list = await call(`${r.url}/admin/api/sites`, ADMIN);
    assert.equal(list.status, 200);
    assert.deepEqual((list.json.sites as Array<{ origin: string }>).map((s) => s.origin), [SITE]);
    if (kind.name === 'postgres') {
      const off = await receiver(t, await another(), { adminToken: '', role: 'web' });
      assert.equal((await call(`${off.url}/admin/api/sites`, ADMIN)).status, 404);
    }
  });

  test(`${kind.name}: a site added is received for without a restart (and by another process once its cache runs out); removed, it is not`, { timeout: 120_000 }, async (t) => {
    const { store, another } = await kind.open(t);
    let clock = T0;
    const r = await receiver(t, store, {}, { now: () => clock });
    assert.equal(await webmention(r.url, NEW, 1), 404);
    // Another web process on the same database (Postgres: several serve processes), which has read the sites.
    const other = kind.name === 'postgres' ? await receiver(t, await another(), { role: 'web' }, { now: () => clock }) : undefined;
    if (other) assert.equal(await webmention(other.url, NEW, 2), 404);

    const added = await call(`${r.url}/admin/api/sites`, ADMIN, { origin: `${NEW}/` });
    assert.equal(added.status, 201);
    assert.equal(added.json.origin, NEW);
    assert.equal(typeof added.json.readToken, 'string');
    assert.equal(await webmention(r.url, NEW, 3), 202);
    assert.equal((await call(`${r.url}/admin/api/sites`, ADMIN, { origin: NEW })).status, 200, 'added again: its settings set');
    if (other) {
      clock = new Date(T0.getTime() + SITES_TTL_MS + 1);
      assert.equal(await webmention(other.url, NEW, 4), 202);
    }

    const removed = await call(`${r.url}/admin/api/sites/remove`, ADMIN, { origin: NEW });
    assert.deepEqual(removed, { status: 200, json: { removed: NEW } });
    assert.equal(await webmention(r.url, NEW, 5), 404);
    assert.equal((await call(`${r.url}/admin/api/sites/remove`, ADMIN, { origin: NEW })).status, 404);
    assert.equal((await call(`${r.url}/admin/api/sites`, ADMIN, { origin: 'https://x.example/page' })).status, 400);
    assert.equal((await call(`${r.url}/admin/api/sites`, ADMIN, { origin: NEW, settings: { rateClient: 'many' } })).status, 400);
  });

  test(`${kind.name}: with an admin token, serve starts with no --site; without one it is a usage error`, { timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    await assert.rejects(receiver(t, store, { sites: [], adminToken: '' }), /no site to receive for/);
    const r = await receiver(t, store, { sites: [] });
    assert.equal(await webmention(r.url, NEW, 1), 404);
    assert.equal((await call(`${r.url}/admin/api/sites`, ADMIN, { origin: NEW })).status, 201);
    assert.equal(await webmention(r.url, NEW, 2), 202);
  });

  test(`${kind.name}: a rotated read token: the old one is refused by /api/mentions.jf2, the new one read`, { timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const r = await receiver(t, store);
    const added = await call(`${r.url}/admin/api/sites`, ADMIN, { origin: NEW });
    const old = String(added.json.readToken);
    const read = async (token: string) => (await fetch(`${r.url}/api/mentions.jf2?token=${encodeURIComponent(token)}`)).status;
    assert.equal(await read(old), 200);
    const rotated = await call(`${r.url}/admin/api/sites/rotate`, ADMIN, { origin: NEW });
    assert.equal(rotated.status, 200);
    const fresh = String(rotated.json.readToken);
    assert.notEqual(fresh, old);
    assert.equal(await read(old), 401);
    assert.equal(await read(fresh), 200);
    assert.equal((await call(`${r.url}/admin/api/sites/rotate`, ADMIN, { origin: 'https://none.example' })).status, 404);
  });

  test(`${kind.name}: a site's own rate limit and moderation rules override the server's`, { timeout: 120_000 }, async (t) => {
    const { store } = await kind.open(t);
    const done: Array<Extract<WorkerEvent, { type: 'done' }>> = [];
    let onDone = () => {};
    const r = await receiver(t, store, {}, {
      now: () => T0,
      onWorkerEvent: (event) => {
        if (event.type !== 'done') return;
        done.push(event);
        onDone();
      },
    });
    const set = await call(`${r.url}/admin/api/sites`, ADMIN, { origin: NEW, settings: { rateClient: 2, approve: 'all' } });
    assert.deepEqual(set.json.settings, { rateClient: 2, approve: 'all' });
    // The server has no limit (rateClient 0); this site allows 2 a minute per client, then 429.
    assert.deepEqual([await webmention(r.url, NEW, 1), await webmention(r.url, NEW, 2), await webmention(r.url, NEW, 3)], [202, 202, 429]);
    assert.deepEqual([await webmention(r.url, SITE, 1), await webmention(r.url, SITE, 2), await webmention(r.url, SITE, 3)], [202, 202, 202]);
    await new Promise<void>((resolve) => {
      onDone = () => done.length >= 5 && resolve();
      onDone();
    });
    // approve 'all' for the new site; the server's default (a domain approved once) holds the others as pending.
    assert.deepEqual((await store.mentions({ site: NEW })).map((m) => m.status), ['approved', 'approved']);
    assert.deepEqual((await store.mentions({ site: SITE })).map((m) => m.status), ['pending', 'pending', 'pending']);
  });
});
