// A sitemap as the input: every page it lists is fetched (politely, through the run's limiter) and read like a
// built file; posts are notified, listings are not; a post gone from the sitemap is a deletion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { isLinkbackError, readSitemap, send } from '../src/index.ts';
import { localRun } from './fixtures/lifecycle/web.ts';
import type { TestWeb } from './fixtures/lifecycle/web.ts';
import { postHtml, postUrl } from './fixtures/lifecycle/blog.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';

const setup = (t: { after: (fn: () => Promise<void>) => void }) => localRun(t, 'sitemap');

const post = (slug: string, target: string): PostSpec => ({ slug, title: `Post ${slug}`, date: '2024-05-01', body: `<p>On <a href="${target}">this</a>.</p>` });

function serve(web: TestWeb, posts: readonly PostSpec[]): void {
  web.pages.set('/', '<!doctype html><html><head><title>Sitemap Blog</title></head><body><ul class="post-list"><li>…</li></ul></body></html>');
  web.pages.set('/tags/', '<!doctype html><html><head><title>Tags</title></head><body><ul class="post-list"><li><a href="http://wm.example/from-a-listing">x</a></li></ul></body></html>');
  for (const p of posts) web.pages.set(`/${p.slug}/`, postHtml(p, 'T1'));
  const urls = ['http://blog.example/', 'http://blog.example/tags/', ...posts.map((p) => postUrl(p.slug))];
  web.pages.set('/sitemap.xml', `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls.map((u) => `<url><loc>${u}</loc><lastmod>2024-05-01</lastmod></url>`).join('')}</urlset>`);
}

test('a sitemap from a URL: each page fetched and read like a built file; posts notified, listings not; the blog name from the home page', async (t) => {
  const { web, options } = await setup(t);
  serve(web, [post('a', 'http://wm.example/one'), post('b', 'https://arxiv.org/abs/2001.08361')]);
  // Without og:site_name, the blog's name comes from the home page, as in a folder scan.
  web.pages.set('/b/', (web.pages.get('/b/') ?? '').replace(/<meta property="og:site_name"[^>]*>/, ''));
  const report = await send({ ...options, sitemap: 'http://blog.example/sitemap.xml' });
  assert.equal(report.summary.posts, 2);
  assert.deepEqual(web.posts().map((r) => `${r.host}${r.path}`).sort(), ['arxiv.org/trackback/2001.08361', 'wm.example/webmention']);
  const trackback = new URLSearchParams(web.posts().find((r) => r.host === 'arxiv.org')?.body);
  assert.equal(trackback.get('url'), postUrl('b'));
  assert.equal(trackback.get('blog_name'), 'Sitemap Blog');
  assert.ok(!web.requests.some((r) => r.path === '/from-a-listing'), 'a listing page is not a post');

  const before = web.posts().length;
  const again = await send({ ...options, sitemap: 'http://blog.example/sitemap.xml' });
  assert.equal(web.posts().length, before, 'nothing sent twice');
  assert.equal(again.summary.unchangedPosts, 2);
});

test('a sitemap index with a gzipped child sitemap, from local files', async (t) => {
  const { web, dir, options } = await setup(t);
  serve(web, [post('a', 'http://wm.example/one')]);
  web.pages.set('/child.xml', `<urlset><url><loc>${postUrl('a')}</loc></url></urlset>`);
  const index = join(dir, 'sitemap-index.xml');
  await writeFile(index, '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>http://blog.example/child.xml</loc></sitemap></sitemapindex>');
  await send({ ...options, sitemap: index });
  assert.deepEqual(web.posts().map((r) => new URLSearchParams(r.body).get('source')), [postUrl('a')]);

  const gz = join(dir, 'sitemap.xml.gz');
  await writeFile(gz, gzipSync(`<urlset><url><loc>${postUrl('c')}</loc></url></urlset>`));
  web.pages.set('/c/', postHtml(post('c', 'http://wm.example/two'), 'T1'));
  await send({ ...options, sitemap: gz });
  assert.deepEqual(web.posts().map((r) => new URLSearchParams(r.body).get('source')), [postUrl('a'), postUrl('c')]);
});

test('pages are fetched politely: never more in flight at the blog than perHost', async (t) => {
  const { web, options } = await setup(t);
  serve(web, Array.from({ length: 8 }, (_, i) => post(`p${i}`, `http://plain.example/${i}`)));
  web.delay = 30;
  // No interval between starts (src/ratelimit/): at 100 ms, longer than these 30 ms answers, the requests would
  // never overlap, and the in-flight bound would go unseen.
  await send({ ...options, sitemap: 'http://blog.example/sitemap.xml', perHost: 2, concurrency: 8, hosts: { 'blog.example': { interval: 0 } } });
  assert.equal(web.requests.filter((r) => r.host === 'blog.example').length, 12, 'sitemap, home, 2 listings, 8 posts');
  assert.equal(web.maxInFlight.get('blog.example'), 2);
});

test('with deletes, a post that left the sitemap and answers 410 is told to its Webmention targets', async (t) => {
  const { web, options } = await setup(t);
  serve(web, [post('a', 'http://wm.example/one'), post('b', 'http://wm.example/two')]);
  await send({ ...options, sitemap: 'http://blog.example/sitemap.xml' });
  web.pages.delete('/b/');
  serve(web, [post('a', 'http://wm.example/one')]);
  web.status.set('/b/', 410);
  const before = web.posts().length;
  const report = await send({ ...options, sitemap: 'http://blog.example/sitemap.xml', deletes: true });
  assert.deepEqual(web.posts().slice(before).map((r) => Object.fromEntries(new URLSearchParams(r.body))), [{ source: postUrl('b'), target: 'http://wm.example/two' }]);
  assert.equal(report.summary.deletedPosts, 1);
});

test('readSitemap: urlset, index, plain text; entities; bad input refused', () => {
  const set = readSitemap('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> http://b.example/x?a=1&amp;b=2 </loc></url><url><loc>/rel/</loc></url><url><loc>mailto:x@y</loc></url><url><loc>http://b.example/x?a=1&amp;b=2</loc></url></urlset>', 'http://b.example/sitemap.xml', 's');
  assert.deepEqual(set.pages, ['http://b.example/x?a=1&b=2', 'http://b.example/rel/']);
  assert.equal(set.skipped.length, 1);
  assert.deepEqual(readSitemap('<sitemapindex><sitemap><loc>http://b.example/1.xml</loc></sitemap></sitemapindex>', null, 's').sitemaps, ['http://b.example/1.xml']);
  assert.deepEqual(readSitemap('http://b.example/1\nhttp://b.example/2\n', null, 's').pages, ['http://b.example/1', 'http://b.example/2']);
  assert.deepEqual(readSitemap('<urlset/>', null, 's').pages, []);
  assert.throws(() => readSitemap('<html><body>no</body></html>', null, 's'), (e) => isLinkbackError(e, 'USAGE') && /not a sitemap/.test(e.message));
  assert.throws(() => readSitemap('<!DOCTYPE x [<!ENTITY a "aaaa">]><urlset><url><loc>&a;</loc></url></urlset>', null, 's'), (e) => isLinkbackError(e, 'USAGE') && /entity/.test(e.message));
});
