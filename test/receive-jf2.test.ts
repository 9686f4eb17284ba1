// webmention.io's jf2 read API: entries, query parameters, tokens (pure), then the API route reading a real store,
// on SQLite and on Postgres alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apiRoute, type ApiContext } from '../src/receive/publish/api.ts';
import { jf2Entry, parseApiQuery, parseSince, selectMentions, type ApiQuery } from '../src/receive/publish/jf2.ts';
import { tokensEqual, whoIs } from '../src/receive/publish/access.ts';
import type { ReceiverRequest } from '../src/receive/types.ts';
import { sample, seedMentions, storeMention } from './fixtures/receive/mentions.ts';
import { forEachStore } from './receive-stores.ts';
import type { StoreKind } from './receive-stores.ts';

const BLOG = 'https://blog.example.org';
const OTHER = 'https://other-site.example.com';
const NOW = new Date('2026-02-01T00:00:00Z');

function query(search: string): ApiQuery {
  const parsed = parseApiQuery(new URLSearchParams(search));
  assert.ok(parsed.ok, search);
  return parsed.query;
}

test('jf2Entry: webmention.io\'s fields, values and key order', () => {
  const entry = jf2Entry({ ...sample(7, { property: 'in-reply-to', name: 'Re: hello' }), id: 7 });
  assert.deepEqual(Object.keys(entry), [
    'type', 'author', 'url', 'published', 'wm-received', 'wm-id', 'wm-source', 'wm-target', 'wm-protocol',
    'name', 'content', 'in-reply-to', 'wm-property', 'wm-private',
  ]);
  assert.deepEqual(entry, {
    type: 'entry',
    author: { type: 'card', name: 'Author 7', photo: 'https://other.example.net/me-7.jpg', url: 'https://other.example.net/' },
    url: 'https://other.example.net/post-7',
    published: '2026-01-01T10:00:00+01:00',
    'wm-received': '2026-01-01T12:00:07Z',
    'wm-id': 7,
    'wm-source': 'https://other.example.net/post-7',
    'wm-target': 'https://blog.example.org/2026/hello/',
    'wm-protocol': 'webmention',
    name: 'Re: hello',
    content: { html: '<p>Post <b>7</b></p>', text: 'Post 7' },
    'in-reply-to': 'https://blog.example.org/2026/hello/',
    'wm-property': 'in-reply-to',
    'wm-private': false,
  });
});

test('jf2Entry: missing author parts are null, an RSVP carries rsvp and in-reply-to, text-only content has no html', () => {
  const entry = jf2Entry({ ...sample(1, { author: {}, published: undefined, url: undefined, property: 'rsvp', rsvp: 'maybe', content: { html: '', text: 'maybe' } }), id: 1 });
  assert.deepEqual(entry.author, { type: 'card', name: null, photo: null, url: null });
  assert.equal(entry.published, null);
  assert.equal(entry.url, 'https://other.example.net/post-1');
  assert.equal(entry.rsvp, 'maybe');
  assert.equal(entry['in-reply-to'], 'https://blog.example.org/2026/hello/');
  assert.deepEqual(entry.content, { text: 'maybe' });
  assert.equal('name' in entry, false);
});

test('parseApiQuery: webmention.io\'s parameters and spellings', () => {
  const q = query('token=t&domain=Blog.Example.org&per-page=5&page=2&since=2017-06-01T10:00:00-0700&since_id=12&wm-property[]=like-of&wm-property=in-reply-to&sort-dir=up&sort-by=published');
  assert.equal(q.token, 't');
  assert.equal(q.domain, 'blog.example.org');
  assert.equal(q.perPage, 5);
  assert.equal(q.page, 2);
  assert.equal(q.since, '2017-06-01T17:00:00.000Z');
  assert.equal(q.sinceId, 12);
  assert.deepEqual(q.properties, ['in-reply-to', 'like-of']);
  assert.equal(q.sortDir, 'up');
  assert.equal(q.sortBy, 'published');
  assert.equal(query('perPage=7').perPage, 7);
  assert.equal(query('').perPage, 20);
  assert.equal(query('per-page=999999').perPage, 10_000);
  assert.deepEqual(query('target[]=https://a.example/1&target[]=https://a.example/2').targets, ['https://a.example/1', 'https://a.example/2']);
  assert.deepEqual(query('target=//a.example/1').targets, ['https://a.example/1', 'http://a.example/1']);
  assert.equal(parseSince('2026-01-01 10:00:00'), '2026-01-01T10:00:00.000Z');
  assert.equal(parseApiQuery(new URLSearchParams('since=yesterday')).ok, false);
  assert.equal(parseApiQuery(new URLSearchParams('wm-property=hates')).ok, false);
  assert.equal(parseApiQuery(new URLSearchParams('jsonp=alert(1)//')).ok, false);
  assert.equal(query('jsonp=window.show_1').jsonp, 'window.show_1');
});

test('selectMentions: newest first, pages of per-page from page 0, since and since_id, properties, targets as URLs', () => {
  const rows = [1, 2, 3, 4, 5].map((n) => ({ ...sample(n, { property: n % 2 ? 'like-of' : 'in-reply-to' }), id: n }));
  assert.deepEqual(selectMentions(rows, query('per-page=2')).map((m) => m.id), [5, 4]);
  assert.deepEqual(selectMentions(rows, query('per-page=2&page=2')).map((m) => m.id), [1]);
  assert.deepEqual(selectMentions(rows, query('sort-dir=up&per-page=2')).map((m) => m.id), [1, 2]);
  assert.deepEqual(selectMentions(rows, query('since_id=3')).map((m) => m.id), [5, 4]);
  assert.deepEqual(selectMentions(rows, query('since=2026-01-01T12:00:03Z')).map((m) => m.id), [5, 4]);
  assert.deepEqual(selectMentions(rows, query('wm-property=like-of')).map((m) => m.id), [5, 3, 1]);
  assert.deepEqual(selectMentions(rows, query('target=https://BLOG.example.org:443/2026/hello/#c')).length, 5);
  assert.deepEqual(selectMentions(rows, query('target=https://blog.example.org/2026/other/')).length, 0);
});

test('tokens: equal only when equal, whatever the lengths; the admin token outranks a site token', () => {
  assert.equal(tokensEqual('abc', 'abc'), true);
  assert.equal(tokensEqual('abc', 'abd'), false);
  assert.equal(tokensEqual('abc', 'abcd'), false);
  const sites = [{ origin: BLOG, readToken: 'r1' }];
  assert.equal(whoIs(undefined, 'admin', sites).kind, 'anonymous');
  assert.equal(whoIs('admin', 'admin', sites).kind, 'admin');
  assert.equal(whoIs('r1', 'admin', sites).kind, 'site');
  assert.equal(whoIs('nope', 'admin', sites).kind, 'invalid');
  assert.equal(whoIs('', '', sites).kind, 'anonymous');
  // No admin token configured: nothing is the admin token, not even an empty one.
  assert.equal(whoIs('x', undefined, []).kind, 'invalid');
});

/** Two sites and 29 mentions (25 approved of BLOG's, one each pending, spam and deleted, one approved of OTHER's). */
async function setup(kind: StoreKind, t: { after: (fn: () => Promise<void>) => void }) {
  const { store, where } = await kind.open(t);
  const blog = await store.ensureSite(BLOG);
  const other = await store.ensureSite(OTHER);
  await seedMentions(where, [
    ...Array.from({ length: 25 }, (_, i) => sample(i + 1)),
    sample(26, { status: 'pending' }),
    sample(27, { status: 'spam', content: { html: 'buy', text: 'buy' } }),
    sample(28, { status: 'deleted' }),
    sample(29, { site: OTHER, target: `${OTHER}/x` }),
  ]);
  const ctx: ApiContext = { store, adminToken: 'the-admin-token', now: () => NOW, publicUrl: 'https://mentions.example.org' };
  return { store, blog, other, ctx };
}

function get(url: string, headers: Record<string, string> = {}): ReceiverRequest {
  return { method: 'GET', url, headers: { host: 'mentions.example.org', ...headers }, body: Buffer.alloc(0), clientAddress: '127.0.0.1' };
}

async function json(ctx: ApiContext, url: string, headers?: Record<string, string>) {
  const answer = await apiRoute(get(url, headers), ctx);
  assert.ok(answer, url);
  return { status: answer.status, headers: answer.headers, body: JSON.parse(String(answer.body)) };
}

// The API reads the store: these run on every database.
forEachStore((kind) => {
  test('api: a site token reads its approved mentions in webmention.io\'s pages; never pending, spam or deleted ones', async (t) => {
    const { ctx, blog } = await setup(kind, t);
    const first = await json(ctx, `/api/mentions.jf2?domain=blog.example.org&token=${blog.readToken}`);
    assert.equal(first.status, 200);
    assert.equal(first.headers['access-control-allow-origin'], '*');
    assert.equal(first.body.type, 'feed');
    assert.equal(first.body.name, 'Webmentions');
    assert.equal(first.body.children.length, 20);
    assert.equal(first.body.children[0]['wm-id'], 25);
    const second = await json(ctx, `/api/mentions.jf2?token=${blog.readToken}&per-page=20&page=1`);
    assert.deepEqual(second.body.children.map((c: { 'wm-id': number }) => c['wm-id']), [5, 4, 3, 2, 1]);
    const everything = await json(ctx, `/api/mentions.jf2?token=${blog.readToken}&per-page=999`);
    assert.equal(everything.body.children.length, 25);
    assert.ok(everything.body.children.every((c: { 'wm-target': string }) => c['wm-target'].startsWith(BLOG)));
    // The bearer header works too, and keeps the token out of access logs.
    const bearer = await json(ctx, '/api/mentions.jf2?per-page=1', { authorization: `Bearer ${blog.readToken}` });
    assert.equal(bearer.body.children.length, 1);
  });

  test('api: missing and invalid tokens are refused (401), another site\'s domain is forbidden (403)', async (t) => {
    const { ctx, blog } = await setup(kind, t);
    const missing = await json(ctx, '/api/mentions.jf2?domain=blog.example.org');
    assert.equal(missing.status, 401);
    assert.equal(missing.body.error, 'unauthorized');
    const invalid = await json(ctx, '/api/mentions.jf2?domain=blog.example.org&token=guess');
    assert.equal(invalid.status, 401);
    assert.deepEqual(invalid.body, { error: 'forbidden', error_description: 'Access token was not valid' });
    const invalidWithTarget = await json(ctx, `/api/mentions.jf2?target=${BLOG}/2026/hello/&token=guess`);
    assert.equal(invalidWithTarget.status, 401);
    const otherDomain = await json(ctx, `/api/mentions.jf2?domain=other-site.example.com&token=${blog.readToken}`);
    assert.equal(otherDomain.status, 403);
    const admin = await json(ctx, '/api/mentions.jf2?domain=other-site.example.com&token=the-admin-token');
    assert.deepEqual(admin.body.children.map((c: { 'wm-id': number }) => c['wm-id']), [29]);
  });

  test('api: a target query is public, as webmention.io\'s, and shows only approved mentions of that target', async (t) => {
    const { ctx, store } = await setup(kind, t);
    await storeMention(store, sample(30, { target: `${BLOG}/2026/second/`, receivedAt: '2026-01-02T00:00:00.000Z' }));
    const one = await json(ctx, `/api/mentions.jf2?target=${encodeURIComponent(`${BLOG}/2026/second/`)}`);
    assert.deepEqual(one.body.children.map((c: { 'wm-id': number }) => c['wm-id']), [30]);
    const both = await json(ctx, `/api/mentions.jf2?target[]=${BLOG}/2026/second/&target[]=${BLOG}/2026/hello/&per-page=3`);
    assert.deepEqual(both.body.children.map((c: { 'wm-id': number }) => c['wm-id']), [30, 25, 24]);
    const count = await json(ctx, `/api/count?target=${BLOG}/2026/hello/`);
    assert.deepEqual(count.body, { count: 25, type: { mention: 25 } });
    assert.equal((await json(ctx, '/api/count')).status, 400);
  });

  test('api: JSONP, Atom, and other paths left to other routes', async (t) => {
    const { ctx, blog } = await setup(kind, t);
    const jsonp = await apiRoute(get(`/api/mentions.jf2?token=${blog.readToken}&per-page=1&jsonp=show`), ctx);
    assert.match(String(jsonp?.body), /^show\(\{"type":"feed"/);
    assert.equal(jsonp?.headers['content-type'], 'text/javascript;charset=UTF-8');
    const atom = await apiRoute(get(`/api/mentions.atom?token=${blog.readToken}&per-page=2`), ctx);
    assert.equal(atom?.status, 200);
    assert.match(String(atom?.body), /<id>https:\/\/mentions\.example\.org\/api\/mentions\.atom<\/id>/);
    assert.match(String(atom?.body), /other\.example\.net mentioned \/2026\/hello\//);
    assert.equal((String(atom?.body).match(/<entry>/g) ?? []).length, 2);
    assert.doesNotMatch(String(atom?.body), /buy/);
    assert.equal(await apiRoute(get('/api/other'), ctx), undefined);
    assert.equal((await apiRoute({ ...get('/api/mentions.jf2'), method: 'POST' }, ctx))?.status, 405);
  });
});
