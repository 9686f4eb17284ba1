// scanPages (src/site/pages.ts): the pages a generator hands over in memory are read exactly as scanSite reads
// the same files from the folder — same classification, same posts, same hashes — so the Eleventy plugin and the
// CLI agree on a site and share one state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanSite } from '../src/site/index.ts';
import type { ScannedPage } from '../src/site/index.ts';
import { scanPages } from '../src/site/pages.ts';
import type { PageSource } from '../src/site/pages.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const site = join(root, 'example/site');
const OPTIONS = { siteUrl: null, blogName: null };

async function collect(pages: AsyncIterable<ScannedPage>): Promise<ScannedPage[]> {
  const out: ScannedPage[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

async function inMemory(): Promise<PageSource[]> {
  const files = (await collect(scanSite(site, OPTIONS))).map((p) => p.file);
  return Promise.all(files.map(async (file) => ({ file, content: await readFile(join(site, file), 'utf8') })));
}

test('the example site read from memory gives the same pages, posts and hashes as the folder scan', async () => {
  const fromFolder = await collect(scanSite(site, OPTIONS));
  const pages = await inMemory();
  assert.ok(fromFolder.filter((p) => p.kind === 'post').length >= 3, 'the example site has posts');
  // Given in any order, with a non-HTML output among them.
  const fromMemory = await collect(scanPages([...pages.reverse(), { file: 'feed.xml', content: '<rss/>' }], site, OPTIONS));
  assert.deepEqual(fromMemory, fromFolder);
});

test('a home page missing from the list (incremental build) is read from the folder', async (t) => {
  const home = { file: 'index.html', content: '<!doctype html><html><head><title>Blog</title><link rel="canonical" href="https://home.example/blog/"></head><body><ul class="postlist"><li><a href="/blog/a/">A</a></li></ul></body></html>' };
  // No canonical: the post's URL comes from the home page's.
  const post = { file: 'a/index.html', content: '<!doctype html><html><head><title>A</title></head><body><article><h1>A</h1><time datetime="2026-01-02">2 Jan</time><p><a href="http://target.example/x">x</a></p></article></body></html>' };
  const folder = await mkdtemp(join(tmpdir(), 'linkback-pages-'));
  const empty = await mkdtemp(join(tmpdir(), 'linkback-pages-'));
  t.after(() => Promise.all([rm(folder, { recursive: true }), rm(empty, { recursive: true })]));
  await writeFile(join(folder, 'index.html'), home.content);

  const url = (pages: ScannedPage[]) => pages.map((p) => (p.kind === 'post' ? p.post.url : p.kind));
  assert.deepEqual(url(await collect(scanPages([post], folder, OPTIONS))), ['https://home.example/blog/a/']);
  assert.deepEqual(url(await collect(scanPages([home, post], empty, OPTIONS))), ['https://home.example/blog/a/', 'listing']);
  // The control: no home page in the list nor in the folder.
  assert.deepEqual(url(await collect(scanPages([post], empty, OPTIONS))), ['error']);
});

test('unchanged pages are skipped by hash before parsing, and paths are normalised to the folder', async () => {
  const pages = await inMemory();
  const post = (await collect(scanSite(site, OPTIONS))).find((p) => p.kind === 'post');
  assert.ok(post?.kind === 'post');
  const content = pages.find((p) => p.file === post.file)?.content ?? '';
  const seen: string[] = [];
  const out = await collect(scanPages([{ file: `./${post.file}`, content }, { file: '../outside.html', content }], site, OPTIONS, {
    skip: (file, hash) => {
      seen.push(file);
      return hash === post.hash;
    },
  }));
  assert.deepEqual(seen, [post.file]);
  assert.deepEqual(out, [{ kind: 'unchanged', file: post.file, hash: post.hash }]);
});
