// Conditional GETs of a remote feed or sitemap read as input: the ETag / Last-Modified of the last read go back as
// If-None-Match / If-Modified-Since, and a 304 means there is nothing to read. Checked on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { send } from '../src/index.ts';
import { conditionalHeaders, readValidators, validatorsRecord, validatorsToSend } from '../src/input/conditional.ts';
import { atomFeed, buildSite, pushlRun } from './fixtures/pushl/web.ts';
import type { Answer, Seen } from './fixtures/pushl/web.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';

const FEED = 'http://blog.example/feed.xml';
const SITEMAP = 'http://blog.example/sitemap.xml';
const LAST_MODIFIED = 'Mon, 05 Jan 2026 10:00:00 GMT';
const one: PostSpec = { slug: 'one', title: 'One', date: '2026-01-02', body: '<p><a href="http://wm.example/one">one</a></p>' };
const two: PostSpec = { slug: 'two', title: 'Two', date: '2026-01-03', body: '<p><a href="http://wm.example/two">two</a></p>' };

/** A server's conditional GET: 304 when the client holds the current ETag. */
function served(body: () => { text: string; etag: string }, type: string): (r: Seen) => Answer {
  return (r): Answer => {
    const now = body();
    if (r.headers['if-none-match'] === now.etag) return { status: 304, headers: { etag: now.etag }, body: '' };
    return { status: 200, headers: { 'content-type': type, etag: now.etag, 'last-modified': LAST_MODIFIED }, body: now.text };
  };
}

test('validators: read from an answer, sent back, and kept only from a run that left nothing to do', () => {
  assert.deepEqual(readValidators({ headers: { etag: ['W/"v1"'], 'last-modified': [LAST_MODIFIED] } }), { etag: 'W/"v1"', lastModified: LAST_MODIFIED });
  assert.equal(readValidators({ headers: {} }), null);
  assert.deepEqual(conditionalHeaders({ etag: '"v1"', lastModified: LAST_MODIFIED }), { 'if-none-match': '"v1"', 'if-modified-since': LAST_MODIFIED });
  const stored = () => ({ kind: 'validators', key: FEED, at: '2026-01-01T00:00:00.000Z', etag: '"v1"' }) as const;
  const plain = { retryFailed: false, retryUncertain: false, markExisting: false };
  assert.deepEqual(validatorsToSend(FEED, plain, stored), { etag: '"v1"' });
  assert.equal(validatorsToSend(FEED, { ...plain, retryFailed: true }, stored), null, '--retry-failed must read every post');
  assert.equal(validatorsToSend('feed.xml', plain, stored), null, 'a local file');
  const end = { dryRun: false, stopped: false, held: 0, failed: 0 };
  const at = '2026-01-02T00:00:00.000Z';
  assert.deepEqual(validatorsRecord(FEED, { etag: '"v2"' }, false, end, false, at), { kind: 'validators', key: FEED, at, etag: '"v2"' });
  assert.deepEqual(validatorsRecord(FEED, { etag: '"v2"' }, false, { ...end, held: 1 }, true, at), { kind: 'validators', key: FEED, at }, 'held: cleared');
  assert.equal(validatorsRecord(FEED, { etag: '"v2"' }, false, { ...end, dryRun: true }, true, at), null);
  assert.equal(validatorsRecord(FEED, null, true, end, true, at), null, 'a 304 keeps what is kept');
});

test('a remote feed: the second run asks If-None-Match / If-Modified-Since, reads nothing on 304, and a changed feed is read', async (t) => {
  const { web, options } = await pushlRun(t);
  await buildSite(web.site, [one, two], []);
  let posts = [one];
  let etag = '"v1"';
  web.feed.set('/feed.xml', served(() => ({ text: atomFeed(posts, []), etag }), 'application/atom+xml'));
  const { site: _site, ...rest } = options;
  const feedOptions = { ...rest, feed: FEED };
  const gets = () => web.of('blog.example', 'GET').filter((r) => r.path === '/feed.xml');

  const run1 = await send(feedOptions);
  assert.equal(run1.summary.sent, 1);
  assert.equal(gets()[0]?.headers['if-none-match'], undefined, 'nothing to send the first time');

  const before = web.requests.length;
  const run2 = await send(feedOptions);
  assert.equal(gets()[1]?.headers['if-none-match'], '"v1"');
  assert.equal(gets()[1]?.headers['if-modified-since'], LAST_MODIFIED);
  assert.equal(web.requests.length, before + 1, 'the conditional GET and nothing else');
  assert.equal(run2.inputNotModified, true);
  assert.equal(run2.summary.posts, 0);

  posts = [two, one];
  etag = '"v2"';
  const run3 = await send(feedOptions);
  assert.equal(gets()[2]?.headers['if-none-match'], '"v1"');
  assert.equal(run3.inputNotModified, false);
  assert.equal(run3.summary.sent, 1, 'the new entry');
  await send(feedOptions);
  assert.equal(gets()[3]?.headers['if-none-match'], '"v2"');

  // A dry run sends the validators (a GET is harmless) but never keeps new ones.
  etag = '"v3"';
  await send({ ...feedOptions, dryRun: true });
  await send({ ...feedOptions, dryRun: true });
  assert.equal(gets()[5]?.headers['if-none-match'], '"v2"');
});

test('a run that held or failed something keeps no validators: the next run reads the input whole and retries it', async (t) => {
  const { web, options } = await pushlRun(t);
  await buildSite(web.site, [], []); // the post is not deployed yet: the live check holds it
  web.feed.set('/feed.xml', served(() => ({ text: atomFeed([one], []), etag: '"v1"' }), 'application/atom+xml'));
  const { site: _site, ...rest } = options;
  const run1 = await send({ ...rest, feed: FEED });
  assert.equal(run1.summary.held, 1);
  await buildSite(web.site, [one], []);
  const run2 = await send({ ...rest, feed: FEED });
  const gets = web.of('blog.example', 'GET').filter((r) => r.path === '/feed.xml');
  assert.equal(gets[1]?.headers['if-none-match'], undefined);
  assert.equal(run2.summary.sent, 1, 'the held notification went out');
});

test('a remote sitemap: a 304 reads nothing, and no post of the state is taken as deleted', async (t) => {
  const { web, options } = await pushlRun(t);
  await buildSite(web.site, [one, two], []);
  const url = (slug: string, lastmod = '<lastmod>2026-01-03</lastmod>') => `<url><loc>http://blog.example/${slug}/</loc>${lastmod}</url>`;
  let text = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${url('one')}${url('two')}</urlset>`;
  web.feed.set('/sitemap.xml', served(() => ({ text, etag: '"s1"' }), 'application/xml'));
  const { site: _site, ...rest } = options;
  const run1 = await send({ ...rest, sitemap: SITEMAP, deletes: true });
  assert.equal(run1.summary.sent, 2);
  const before = web.requests.length;
  const run2 = await send({ ...rest, sitemap: SITEMAP, deletes: true });
  assert.equal(web.requests.length, before + 1, 'one conditional GET; no page fetched');
  assert.equal(web.requests.at(-1)?.headers['if-none-match'], '"s1"');
  assert.equal(run2.inputNotModified, true);
  assert.equal(run2.summary.deletedPosts, 0);

  // Without a <lastmod> on every page, an edited page would not change the sitemap: no validators are kept.
  text = `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${url('one')}${url('two', '')}</urlset>`;
  web.feed.set('/sitemap.xml', served(() => ({ text, etag: '"s2"' }), 'application/xml'));
  await send({ ...rest, sitemap: SITEMAP, deletes: true });
  await send({ ...rest, sitemap: SITEMAP, deletes: true });
  const last = web.of('blog.example', 'GET').filter((r) => r.path === '/sitemap.xml').at(-1);
  assert.equal(last?.headers['if-none-match'], undefined);
});
