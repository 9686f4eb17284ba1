// Step 1 of a run (src/run/read.ts): open the input (a built site folder, or a feed on a real loopback web) and
// sort its pages: the posts this run handles, and for every other page an event and a count saying why not.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { localRun } from './fixtures/lifecycle/web.ts';
import { build } from './fixtures/lifecycle/blog.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';
import { stepRun } from './fixtures/run-context.ts';
import { assertSiteFolder, createPostFilter, openPosts } from '../src/run/read.ts';
import { createTally } from '../src/run/summary.ts';
import { createScope } from '../src/scope.ts';
import type { LinkbackEvent } from '../src/run/types.ts';
import type { OptionsInput } from '../src/options.ts';
import { isLinkbackError } from '../src/errors.ts';
import type { Post } from '../src/types.ts';
import type { SiteWarning } from '../src/site/index.ts';

const POSTS: PostSpec[] = [
  { slug: 'old', title: 'Old', date: '2023-05-01', body: '<p><a href="http://wm.example/old">old</a></p>' },
  { slug: 'new', title: 'New', date: '2025-05-01', body: '<p><a href="http://wm.example/new">new</a></p>' },
  { slug: 'drafts-x', title: 'Draft', date: '2025-06-01', body: '<p><a href="http://wm.example/draft">draft</a></p>' },
];

/** Reads `input` to its end through step 1, as src/linkback.ts does; what came out, and what was said. */
async function readAll(t: TestContext, input: OptionsInput, skip?: (file: string, hash: string) => boolean) {
  const { ctx } = await stepRun(t, input);
  const events: LinkbackEvent[] = [];
  const warnings: SiteWarning[] = [];
  const tally = createTally([], () => true, (e) => void events.push(e));
  const opened = await openPosts(ctx.options, { net: ctx.net, pages: undefined, skip, onWarning: (w) => void warnings.push(w) });
  const seen = { files: [] as string[], urls: [] as string[] };
  const filter = createPostFilter({
    options: ctx.options, summary: tally.summary, emit: (e) => void events.push(e), scope: createScope(ctx.options),
    departures: { sawFile: (f) => void seen.files.push(f), sawUrl: (u) => void seen.urls.push(u) },
  });
  const posts: Post[] = [];
  for await (const page of opened.pages) {
    const post = filter.postOf(page);
    if (post) posts.push(post);
  }
  return { complete: opened.complete, posts, events, summary: tally.summary, seen, noSiteUrl: filter.noSiteUrl(), warnings };
}

test('a site folder: its posts, in the scope and after `since`; every other page says why it is not one', async (t) => {
  const { dir, options } = await localRun(t, 'run-read');
  const site = join(dir, 'site');
  await build(site, POSTS, 'T1');
  const read = await readAll(t, { ...options, site, since: '2024-01-01', excludePaths: ['drafts-*/**'] });
  assert.equal(read.complete, true);
  assert.deepEqual(read.posts.map((p) => [p.url, p.links]), [['http://blog.example/new/', ['http://wm.example/new']]]);
  const pages = read.events.filter((e) => e.type === 'page');
  assert.deepEqual(pages.map((e) => e.type === 'page' && [e.file, e.kind]), [['drafts-x/index.html', 'other'], ['index.html', 'listing'], ['old/index.html', 'post']]);
  assert.equal(pages[0]?.type === 'page' && pages[0].reason, 'left out by includePaths / excludePaths');
  assert.equal(pages[2]?.type === 'page' && pages[2].reason, 'published 2023-05-01 (before since 2024-01-01): left out');
  assert.ok(read.events.some((e) => e.type === 'filtered' && e.post.url === 'http://blog.example/old/' && e.reason === 'before-since'));
  assert.deepEqual([read.summary.pages, read.summary.posts, read.summary.beforeSince], [4, 2, 1]);
  // Every file and every post URL seen, in or out of scope, for the posts that left the site (step 5).
  assert.deepEqual(read.seen.files.sort(), ['drafts-x/index.html', 'index.html', 'new/index.html', 'old/index.html']);
  assert.deepEqual(read.seen.urls.sort(), ['http://blog.example/drafts-x/', 'http://blog.example/new/', 'http://blog.example/old/']);
  assert.equal(read.noSiteUrl, null);
});

test('a file the state says is settled and unchanged is not parsed', async (t) => {
  const { dir, options } = await localRun(t, 'run-read');
  const site = join(dir, 'site');
  await build(site, POSTS.slice(0, 2), 'T1');
  const asked: string[] = [];
  const read = await readAll(t, { ...options, site }, (file) => {
    asked.push(file);
    return file === 'old/index.html';
  });
  assert.deepEqual(read.posts.map((p) => p.url), ['http://blog.example/new/']);
  assert.ok(read.events.some((e) => e.type === 'page' && e.file === 'old/index.html' && e.kind === 'unchanged'));
  assert.equal(read.summary.unchangedPosts, 1);
  assert.ok(asked.includes('new/index.html'));
});

test('a page without a public URL fails the run once read, and the posts after it are not handled', async (t) => {
  const { dir, options } = await localRun(t, 'run-read');
  const site = join(dir, 'site');
  const article = (head: string, title: string) => `<!doctype html><html><head><title>${title}</title>${head}</head><body><article><h1>${title}</h1><time datetime="2025-01-01">1 Jan</time><p><a href="http://wm.example/x">x</a></p></article></body></html>`;
  await mkdir(join(site, 'aaa'), { recursive: true });
  await mkdir(join(site, 'bbb'), { recursive: true });
  // No home page, no --site-url: a page without its own canonical has no public URL.
  await writeFile(join(site, 'aaa/index.html'), article('', 'No URL'));
  await writeFile(join(site, 'bbb/index.html'), article('<link rel="canonical" href="http://blog.example/bbb/">', 'With URL'));
  const read = await readAll(t, { ...options, site });
  assert.ok(read.events.some((e) => e.type === 'page' && e.file === 'aaa/index.html' && e.kind === 'error'));
  assert.deepEqual(read.posts, []);
  assert.equal(read.summary.pages, 2);
  assert.ok(read.noSiteUrl && isLinkbackError(read.noSiteUrl, 'NO_SITE_URL'));
  assert.match(read.noSiteUrl.message, /aaa\/index\.html/);
});

test('a feed is read from its URL with the run\'s client; it does not list the whole site', async (t) => {
  const { web, options } = await localRun(t, 'run-read');
  web.pages.set('/feed.xml', `<?xml version="1.0"?><rss version="2.0"><channel><title>Blog</title><link>http://blog.example/</link><description>d</description>
<item><title>One</title><link>http://blog.example/one/</link><pubDate>Mon, 05 Feb 2024 10:00:00 GMT</pubDate><description>&lt;a href="http://wm.example/one"&gt;x&lt;/a&gt;</description></item>
</channel></rss>`);
  const read = await readAll(t, { ...options, feed: 'http://blog.example/feed.xml' });
  assert.equal(read.complete, false);
  assert.deepEqual(read.posts.map((p) => [p.url, p.links]), [['http://blog.example/one/', ['http://wm.example/one']]]);
  assert.deepEqual(web.requests.map((r) => `${r.method} ${r.host}${r.path}`), ['GET blog.example/feed.xml']);
});

test('a missing site folder is a SITE_NOT_FOUND, before anything else', async (t) => {
  const { dir } = await localRun(t, 'run-read');
  await assert.rejects(assertSiteFolder(join(dir, 'nope')), (e) => isLinkbackError(e, 'SITE_NOT_FOUND') && /site folder not found/.test(e.message));
  await writeFile(join(dir, 'file'), '');
  await assert.rejects(assertSiteFolder(join(dir, 'file')), (e) => isLinkbackError(e, 'SITE_NOT_FOUND') && /not a folder/.test(e.message));
});

