// A feed as the input (RSS 2.0, Atom, JSON Feed): entries become posts, their content the post content, their link
// the source URL. Entity-escaped HTML must come out right: what the targets receive on the wire is the proof.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isLinkbackError, readFeed, send } from '../src/index.ts';
import type { LinkbackEvent } from '../src/index.ts';
import { localRun } from './fixtures/lifecycle/web.ts';
import type { Seen } from './fixtures/lifecycle/web.ts';

// These tests are about reading feeds; their posts exist only as feed entries, not as pages on the test web, so
// the live check (test/live.test.ts) would hold them all.
const setup = async (t: { after: (fn: () => Promise<void>) => void }) => {
  const run = await localRun(t, 'feed');
  return { ...run, options: { ...run.options, checkLive: false } };
};

function fields(r: Seen | undefined): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(r?.body ?? ''));
}

// The description is HTML escaped for XML, with an &amp; that is itself HTML (`&amp;amp;` in the file).
const RSS = `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>Feed Blog &amp;amp; Co</title><link>http://blog.example/</link><description>A blog</description>
<item>
  <title>Caf&#233; &amp;amp; &lt;code&gt;tea&lt;/code&gt;</title>
  <link>http://blog.example/cafe/</link>
  <guid>http://blog.example/cafe/</guid>
  <pubDate>Mon, 05 Feb 2024 10:00:00 GMT</pubDate>
  <description>&lt;p&gt;Read &lt;a href=&quot;http://wm.example/q?a=1&amp;amp;b=2&quot;&gt;this&lt;/a&gt; &amp;amp; &lt;a href=&quot;/about/&quot;&gt;mine&lt;/a&gt;, and &lt;a href=&quot;https://arxiv.org/pdf/2001.08361v2&quot;&gt;the paper&lt;/a&gt;.&lt;/p&gt;</description>
</item>
<item>
  <title>Second</title>
  <link>http://blog.example/second/</link>
  <pubDate>Tue, 06 Feb 2024 09:00:00 +0100</pubDate>
  <description>A summary &amp;amp; more</description>
  <content:encoded><![CDATA[<p>In CDATA: <a href="http://pb.example/p?x=1&amp;y=2">a pingback page</a></p>]]></content:encoded>
</item>
</channel></rss>
`;

test('RSS 2.0: entity-escaped HTML content is read correctly, and each entry is sent as a post', async (t) => {
  const { web, dir, options } = await setup(t);
  const feed = join(dir, 'feed.xml');
  await writeFile(feed, RSS);
  const report = await send({ ...options, feed });

  const notified = web.posts().map((r) => `${r.host}${r.path}`).sort();
  assert.deepEqual(notified, ['arxiv.org/trackback/2001.08361', 'pb.example/xmlrpc', 'wm.example/webmention']);
  // The link's &amp;amp; is one & on the wire: discovery fetched that URL and the Webmention names it.
  assert.ok(web.requests.some((r) => r.method === 'GET' && r.host === 'wm.example' && r.path === '/q?a=1&b=2'));
  const mention = web.posts().find((r) => r.host === 'wm.example');
  assert.deepEqual(fields(mention), { source: 'http://blog.example/cafe/', target: 'http://wm.example/q?a=1&b=2' });
  // The title is HTML: entities decoded, tags dropped; the feed's title is the blog name; the excerpt is the text.
  const trackback = fields(web.posts().find((r) => r.host === 'arxiv.org'));
  assert.equal(trackback.url, 'http://blog.example/cafe/');
  assert.equal(trackback.title, 'Café & tea');
  assert.equal(trackback.blog_name, 'Feed Blog & Co');
  assert.equal(trackback.excerpt, 'Read this & mine, and the paper.');
  const pingback = web.posts().find((r) => r.host === 'pb.example');
  assert.match(pingback?.body ?? '', /<string>http:\/\/blog\.example\/second\/<\/string>/);
  assert.match(pingback?.body ?? '', /<string>http:\/\/pb\.example\/p\?x=1&amp;y=2<\/string>/);
  // The link to the blog's own /about/ is not a target.
  assert.ok(!web.requests.some((r) => r.host === 'blog.example'));
  assert.equal(report.summary.posts, 2);

  const before = web.requests.length;
  const again = await send({ ...options, feed });
  assert.equal(web.requests.length, before, 'the same feed again: nothing sent, nothing fetched');
  assert.equal(again.summary.unchangedPosts, 2);
});

test('readFeed: RSS entity levels, content:encoded over description, RFC 822 dates', () => {
  const feed = readFeed(RSS, null, 'feed.xml');
  assert.equal(feed.format, 'rss');
  const [cafe, second] = feed.entries;
  assert.equal(cafe?.url, 'http://blog.example/cafe/');
  assert.match(cafe?.contentHtml ?? '', /href="http:\/\/wm\.example\/q\?a=1&amp;b=2"/, 'one level undone: HTML remains');
  assert.equal(cafe?.published, '2024-02-05T10:00:00.000Z');
  assert.equal(second?.published, '2024-02-06T08:00:00.000Z');
  assert.equal(second?.contentHtml, '<p>In CDATA: <a href="http://pb.example/p?x=1&amp;y=2">a pingback page</a></p>');
  assert.equal(second?.summaryHtml, 'A summary &amp; more');
});

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Atom &amp;amp; Blog</title><id>urn:x</id><updated>2024-03-02T00:00:00Z</updated>
  <link rel="alternate" href="http://blog.example/"/>
  <entry>
    <title type="html">&lt;em&gt;Dated&lt;/em&gt;</title><id>urn:1</id>
    <published>2024-03-01T12:00:00+02:00</published><updated>2024-03-02T00:00:00Z</updated>
    <link rel="replies" href="http://blog.example/dated/#comments"/>
    <link rel="alternate" type="text/html" href="/dated/"/>
    <content type="html">&lt;p&gt;See &lt;a href=&quot;http://wm.example/atom?x=1&amp;amp;y=2&quot;&gt;this&lt;/a&gt;&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Only updated</title><id>urn:2</id><updated>2024-03-02T00:00:00Z</updated>
    <link href="http://blog.example/undated/"/>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p><a href="http://wm.example/xhtml">x</a></p></div></content>
  </entry>
</feed>
`;

test('Atom from a URL: fetched with the client, type="html" content decoded, relative links resolved; an entry without <published> is undated for since', async (t) => {
  const { web, options } = await setup(t);
  web.pages.set('/feed.atom', ATOM);
  const events: LinkbackEvent[] = [];
  const report = await send({ ...options, feed: 'http://blog.example/feed.atom', since: '2024-01-01' }, { onEvent: (e) => events.push(e) });
  assert.equal(web.requests[0]?.path, '/feed.atom');
  assert.deepEqual(web.posts().map(fields), [{ source: 'http://blog.example/dated/', target: 'http://wm.example/atom?x=1&y=2' }]);
  assert.equal(report.summary.undated, 1, '<updated> is not a publication date');
  assert.ok(events.some((e) => e.type === 'filtered' && e.post.url === 'http://blog.example/undated/' && e.reason === 'undated'));

  const all = readFeed(ATOM, 'http://blog.example/feed.atom', 'feed');
  assert.equal(all.entries[1]?.contentHtml.includes('http://wm.example/xhtml'), true);
  assert.equal(all.entries[0]?.published, '2024-03-01T12:00:00+02:00');
});

test('JSON Feed: content_html is HTML, content_text and titles are plain text', async (t) => {
  const { web, dir, options } = await setup(t);
  const feed = join(dir, 'feed.json');
  await writeFile(feed, JSON.stringify({
    version: 'https://jsonfeed.org/version/1.1',
    title: 'J & Co',
    home_page_url: 'http://blog.example/',
    items: [
      { id: '1', url: 'http://blog.example/j1/', title: 'Fish &amp; <chips>', content_html: '<p><a href="https://arxiv.org/abs/1706.03762?a=1&amp;b=2">paper</a></p>', date_published: '2024-04-01T00:00:00Z' },
      { id: '2', url: 'http://blog.example/j2/', content_text: 'plain <a href="http://wm.example/not-a-link">text</a>', date_published: '2024-04-02T00:00:00Z' },
    ],
  }));
  await send({ ...options, feed });
  assert.deepEqual(web.posts().map((r) => r.path), ['/trackback/1706.03762']);
  const trackback = fields(web.posts()[0]);
  assert.equal(trackback.title, 'Fish &amp; <chips>', 'a JSON Feed title is text, shown as written');
  assert.equal(trackback.blog_name, 'J & Co');
  assert.ok(!web.requests.some((r) => r.host === 'wm.example'), 'content_text holds no links');
});

test('feed input errors are fatal and typed', async (t) => {
  const { dir, options } = await setup(t);
  const feed = join(dir, 'feed.xml');
  await writeFile(feed, RSS);
  const notAFeed = join(dir, 'page.html');
  await writeFile(notAFeed, '<!doctype html><p>hello</p>');
  await assert.rejects(send({ ...options, feed, deletes: true }), (e) => isLinkbackError(e, 'USAGE') && /a feed lists only the latest posts/.test(e.message));
  await assert.rejects(send({ ...options, feed, site: dir }), (e) => isLinkbackError(e, 'USAGE') && /give one input/.test(e.message));
  await assert.rejects(send({ ...options }), (e) => isLinkbackError(e, 'USAGE') && /nothing to read/.test(e.message));
  await assert.rejects(send({ ...options, feed: notAFeed }), (e) => isLinkbackError(e, 'USAGE') && /not an RSS, Atom or JSON feed/.test(e.message));
  await assert.rejects(send({ ...options, feed: join(dir, 'missing.xml') }), (e) => isLinkbackError(e, 'SITE_NOT_FOUND') && /feed not found/.test(e.message));
});
