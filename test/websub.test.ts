// WebSub publish: when the site's feed names a hub, a run that added or changed a post tells the hub once
// (hub.mode=publish, hub.url=<the feed>); a run with nothing new, a dry run and markExisting tell nobody. Checked on
// the wire of a local hub.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { send } from '../src/index.ts';
import { openState } from '../src/state/store.ts';
import { hubsOfFeed, hubsOfLinkHeader } from '../src/websub/hubs.ts';
import { publishRequest, readPublishAnswer } from '../src/websub/publish.ts';
import { atomFeed, buildSite, pushlRun } from './fixtures/pushl/web.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';

const HUB = 'http://hub.example/';
const FEED = 'http://blog.example/feed.xml';
const first: PostSpec = { slug: 'first', title: 'First', date: '2026-01-02', body: '<p>See <a href="http://wm.example/a">a</a>.</p>' };
const second: PostSpec = { slug: 'second', title: 'Second', date: '2026-01-03', body: '<p>See <a href="http://wm.example/b">b</a>.</p>' };

const pings = (web: Awaited<ReturnType<typeof pushlRun>>['web']) => web.of('hub.example', 'POST').map((r) => Object.fromEntries(new URLSearchParams(r.body)));

test('hubs of a feed: Atom rel=hub and rel=self, RSS atom:link, JSON Feed hubs; an entry\'s links are not the feed\'s', () => {
  assert.deepEqual(hubsOfFeed(atomFeed([first], [HUB, '/second-hub']), FEED), { hubs: [HUB, 'http://blog.example/second-hub'], self: FEED });
  const rss = `<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>T</title><link>http://blog.example/</link>
<atom:link rel="self" href="http://blog.example/rss.xml" type="application/rss+xml"/><atom:link rel="hub" href="https://pubsubhubbub.appspot.com/"/>
<item><title>x</title><description>&lt;link rel="hub" href="http://evil.example/"&gt;</description></item></channel></rss>`;
  assert.deepEqual(hubsOfFeed(rss, null), { hubs: ['https://pubsubhubbub.appspot.com/'], self: 'http://blog.example/rss.xml' });
  const json = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'T', feed_url: 'http://blog.example/feed.json', hubs: [{ type: 'rssCloud', url: 'http://cloud.example/' }, { type: 'WebSub', url: HUB }], items: [] });
  assert.deepEqual(hubsOfFeed(json, null), { hubs: [HUB], self: 'http://blog.example/feed.json' });
  assert.deepEqual(hubsOfFeed('<feed xmlns="http://www.w3.org/2005/Atom"><title>no hub</title></feed>', null), { hubs: [], self: null });
  assert.deepEqual(hubsOfLinkHeader(['<https://hub.example/x>; rel="hub", </feed.xml>; rel=self'], FEED), { hubs: ['https://hub.example/x'], self: FEED });
});

test('the publish ping is a form POST of hub.mode and hub.url; any 2xx is taken, else the hub\'s words', () => {
  const req = publishRequest(HUB, 'http://blog.example/feed.xml?a=1&b=2');
  assert.equal(req.method, 'POST');
  assert.equal(req.headers?.['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(req.body)), { 'hub.mode': 'publish', 'hub.url': 'http://blog.example/feed.xml?a=1&b=2' });
  assert.equal(readPublishAnswer(HUB, FEED, { status: 202, headers: {}, body: Buffer.alloc(0) }).status, 'sent');
  const refused = readPublishAnswer(HUB, FEED, { status: 400, headers: { 'content-type': ['text/plain'] }, body: Buffer.from('hub.url is not a feed I know') });
  assert.equal(refused.status, 'failed');
  assert.equal(refused.message, 'HTTP 400: hub.url is not a feed I know');
});

test('a site folder: the hub of the feed its home page links is told once per run that added or changed a post', async (t) => {
  const { web, options } = await pushlRun(t);
  await buildSite(web.site, [first], [HUB]);

  const dry = await send({ ...options, dryRun: true });
  assert.deepEqual(pings(web), [], 'a dry run tells no hub');
  assert.deepEqual(dry.websub?.map((p) => [p.hub, p.status]), [[HUB, 'dry-run']]);

  const run1 = await send(options);
  assert.equal(run1.summary.sent, 1);
  assert.deepEqual(pings(web), [{ 'hub.mode': 'publish', 'hub.url': FEED }], 'one ping, naming the feed by its rel=self');
  assert.equal(web.of('hub.example')[0]?.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(run1.websub?.map((p) => [p.hub, p.topic, p.status]), [[HUB, FEED, 'sent']]);
  assert.ok(!web.requests.some((r) => r.host === 'not-a-hub.example'), 'an entry\'s link is not the feed\'s hub');

  const run2 = await send(options);
  assert.equal(pings(web).length, 1, 'nothing new: the hub is not told again');
  assert.deepEqual(run2.websub, []);

  await buildSite(web.site, [first, second], [HUB]);
  await send(options);
  assert.equal(pings(web).length, 2, 'a new post: told once more');

  // Edited: a changed post changes the feed too.
  await buildSite(web.site, [{ ...first, body: `${first.body}<p>And more.</p>` }, second], [HUB]);
  await send(options);
  assert.equal(pings(web).length, 3);

  // markExisting records, sends nothing: no ping either.
  await buildSite(web.site, [first, second, { ...second, slug: 'third', title: 'Third' }], [HUB]);
  await send({ ...options, markExisting: true });
  assert.equal(pings(web).length, 3);
});

test('a hub that failed stays due: the next run tells it even with nothing new; a site without a hub pings nobody', async (t) => {
  const { web, options } = await pushlRun(t);
  await buildSite(web.site, [first], [HUB]);
  web.hubStatus = 503;
  const run1 = await send({ ...options, retries: 0 });
  assert.equal(run1.websub?.[0]?.status, 'failed');
  assert.match(run1.websub?.[0]?.message ?? '', /503/);
  web.hubStatus = 204;
  const before = pings(web).length;
  const run2 = await send(options);
  assert.equal(run2.summary.sent, 0, 'nothing new to notify');
  assert.equal(pings(web).length, before + 1, 'but the hub is told');
  assert.equal(run2.websub?.[0]?.status, 'sent');
  await send(options);
  assert.equal(pings(web).length, before + 1, 'and then no more');

  const other = await pushlRun(t);
  await buildSite(other.web.site, [first], []);
  const report = await send(other.options);
  assert.deepEqual(report.websub, []);
  assert.equal(other.web.of('hub.example').length, 0);
});

test('a remote feed as input: the hub named in its Link header is told, the topic is its rel=self', async (t) => {
  const { web, options } = await pushlRun(t);
  await buildSite(web.site, [first], []);
  const body = atomFeed([first], [], 'http://blog.example/canonical-feed.xml');
  web.feed.set('/feed.xml', () => ({ status: 200, headers: { 'content-type': 'application/atom+xml', link: `<${HUB}>; rel="hub"` }, body }));
  const { site: _site, ...rest } = options;
  const report = await send({ ...rest, feed: FEED });
  assert.equal(report.summary.sent, 1);
  assert.deepEqual(pings(web), [{ 'hub.mode': 'publish', 'hub.url': 'http://blog.example/canonical-feed.xml' }]);
});

test('"the feed changed" is on disk before the post is recorded: a run killed after its posts still tells the hub next time', async (t) => {
  const { web, options } = await pushlRun(t);
  // What the journal holds when the Webmention goes out, in a run whose feed names a hub.
  await buildSite(web.site, [first], [HUB]);
  const statePath = String(options.state);
  let atSend: string[] = [];
  web.onRequest = async (r) => {
    if (r.host !== 'wm.example' || r.method !== 'POST') return;
    const journal = await readFile(`${statePath}.journal`, 'utf8');
    atSend = journal.trim().split('\n').map((line) => Object.keys(JSON.parse(line) as object)[0] ?? '');
  };
  await send(options);
  assert.equal(atSend[0], 'extra', 'the pending WebSub record is the first line written, before any notification or post');

  // A state as a kill after the posts were recorded leaves it: the post is known, the ping still pending.
  const killed = await pushlRun(t);
  await buildSite(killed.web.site, [first], [HUB]);
  await send(killed.options); // records the post, tells the hub
  const state = await openState(String(killed.options.state));
  await state.putExtra({ kind: 'websub', key: FEED, status: 'pending', at: '2026-01-05T00:00:00.000Z', message: 'the feed changed; its hubs are not told yet', hubs: [HUB] });
  await state.close();
  const before = pings(killed.web).length;
  const next = await send(killed.options);
  assert.equal(next.summary.sent, 0);
  assert.equal(pings(killed.web).length, before + 1);
});
