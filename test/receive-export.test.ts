// Exporting mentions as webmention.io's jf2 (`linkback mentions export`): from a real store, on SQLite and on
// Postgres alike, and from a remote receiver's API on 127.0.0.1; the file written whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLinkbackError } from '../src/errors.ts';
import { createHttpClient } from '../src/net/http.ts';
import { apiRoute } from '../src/receive/publish/api.ts';
import { REMOTE_PER_PAGE, feedFromApi, feedFromStore, writeFeed } from '../src/receive/publish/export.ts';
import { jf2Feed } from '../src/receive/publish/jf2.ts';
import { sample, seedMentions } from './fixtures/receive/mentions.ts';
import { serveRoutes } from './fixtures/receive/route-server.ts';
import { forEachStore } from './receive-stores.ts';
import type { StoreKind } from './receive-stores.ts';

const BLOG = 'https://blog.example.org';

/** A store on `kind`'s database with `approved` approved mentions of BLOG's, then a pending and a spam one. */
async function storeWith(kind: StoreKind, t: { after: (fn: () => Promise<void>) => void }, approved: number) {
  const { store, where } = await kind.open(t);
  const site = await store.ensureSite(BLOG);
  await seedMentions(where, [
    ...Array.from({ length: approved }, (_, i) => sample(i + 1)),
    sample(approved + 1, { status: 'pending' }),
    sample(approved + 2, { status: 'spam' }),
  ]);
  return { store, site };
}

const client = () => createHttpClient({ userAgent: 'linkback-test', allowPrivate: true, connectTimeoutMs: 30_000, timeoutMs: 120_000, maxRedirects: 2, maxBodyBytes: 1 << 20 });

forEachStore((kind) => {
  test('export from the store: every approved mention, newest first, as the API\'s jf2', async (t) => {
    const { store } = await storeWith(kind, t, 3);
    const feed = await feedFromStore(store);
    assert.deepEqual(feed.children.map((c) => c['wm-id']), [3, 2, 1]);
    assert.deepEqual(feed, jf2Feed(await store.mentions({ site: BLOG, status: 'approved' })));
  });

  test('export from a remote API: pages until a short page, with the token, and gets what the store has', async (t) => {
    const { store, site } = await storeWith(kind, t, REMOTE_PER_PAGE + 7);
    const server = await serveRoutes([(req) => apiRoute(req, { store, now: () => new Date() })]);
    const http = client();
    t.after(async () => {
      await http.close();
      await server.close();
    });
    const feed = await feedFromApi(http, server.url, site.readToken, 'blog.example.org');
    assert.equal(feed.children.length, REMOTE_PER_PAGE + 7);
    assert.deepEqual(feed, await feedFromStore(store));
    assert.equal(server.seen.length, 2);
    const first = new URL(server.seen[0] ?? '', server.url).searchParams;
    assert.equal(first.get('token'), site.readToken);
    assert.equal(first.get('domain'), 'blog.example.org');
    assert.equal(first.get('page'), '0');
    assert.equal(new URL(server.seen[1] ?? '', server.url).searchParams.get('page'), '1');
  });

  test('export from a remote API: a refused token or a non-jf2 answer is a REMOTE_FAILED error', async (t) => {
    const { store } = await storeWith(kind, t, 1);
    const server = await serveRoutes([
      async (req) => (req.url.startsWith('/html/') ? { status: 200, headers: { 'content-type': 'text/html' }, body: '<p>hi</p>' } : undefined),
      (req) => apiRoute(req, { store, now: () => new Date() }),
    ]);
    const http = client();
    t.after(async () => {
      await http.close();
      await server.close();
    });
    await assert.rejects(feedFromApi(http, server.url, 'wrong'), (e) => isLinkbackError(e, 'REMOTE_FAILED') && /refused the token \(HTTP 401\)/.test(e.message));
    await assert.rejects(feedFromApi(http, `${server.url}/html/`, 'x'), (e) => isLinkbackError(e, 'REMOTE_FAILED'));
  });

  test('writeFeed: creates folders, replaces the file whole, leaves no temporary file', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'linkback-export-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, '_data', 'mentions.json');
    const { store } = await storeWith(kind, t, 2);
    await writeFeed(file, await feedFromStore(store));
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')).children.length, 2);
    await writeFeed(file, { type: 'feed', name: 'Webmentions', children: [] });
    assert.deepEqual(JSON.parse(await readFile(file, 'utf8')), { type: 'feed', name: 'Webmentions', children: [] });
    assert.deepEqual(await readdir(join(dir, '_data')), ['mentions.json']);
    await writeFile(join(dir, 'file'), 'x');
    await assert.rejects(writeFeed(join(dir, 'file', 'mentions.json'), jf2Feed([])), (e) => isLinkbackError(e, 'EXPORT_UNWRITABLE'));
  });
});
