// scanSite on hand-written markup: sites copying the structure of real minima, PaperMod and
// Eleventy-base-blog output (our own text), the title/excerpt/blogName/URL/link rules, and bad input.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scanSite, type ScannedPage, type ScanOptions, type SiteOptions, type SiteWarning } from '../src/site/index.ts';
import { isLinkbackError } from '../src/errors.ts';
import { wholeFileReader } from '../src/site/read.ts';
import type { Post } from '../src/types.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'site');
const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

interface Scan {
  pages: ScannedPage[];
  warnings: SiteWarning[];
  page(file: string): ScannedPage;
  post(file: string): Post;
}

async function scan(root: string, options: Partial<SiteOptions> = {}, extra: ScanOptions = {}): Promise<Scan> {
  const pages: ScannedPage[] = [];
  const warnings: SiteWarning[] = [];
  const opts: SiteOptions = { siteUrl: null, blogName: null, ...options };
  for await (const p of scanSite(root, opts, { onWarning: (w) => warnings.push(w), ...extra })) pages.push(p);
  const page = (file: string): ScannedPage => {
    const found = pages.find((p) => p.file === file);
    assert.ok(found, `no page ${file} in ${pages.map((p) => p.file).join(', ')}`);
    return found;
  };
  const post = (file: string): Post => {
    const p = page(file);
    assert.equal(p.kind, 'post', `${file}: ${JSON.stringify(p)}`);
    return (p as { post: Post }).post;
  };
  return { pages, warnings, page, post };
}

async function site(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'linkback-site-'));
  temps.push(root);
  for (const [name, body] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), body);
  }
  return root;
}

const kinds = (s: Scan) => Object.fromEntries(s.pages.map((p) => [p.file, p.kind]));
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** A small post page: `head` and `body` are spliced into a plain document with a date. */
const postPage = (body: string, head = '') =>
  `<!doctype html><html><head><meta charset="utf-8">${head}<meta property="article:published_time" content="2024-03-01"></head><body>${body}</body></html>`;

test('minima-like site: kinds, fields and content links', async () => {
  const root = join(FIXTURES, 'minima-like');
  const s = await scan(root);
  assert.deepEqual(kinds(s), {
    '2023/05/01/first.html': 'post',
    '404.html': 'other',
    'about/index.html': 'other',
    'index.html': 'listing',
  });
  const post = s.post('2023/05/01/first.html');
  assert.deepEqual(post, {
    url: 'https://quiet.example/2023/05/01/first.html',
    file: '2023/05/01/first.html',
    title: 'Ünïcode & “quotes”',
    excerpt: 'A post about reading papers & blogs.',
    blogName: 'Quiet Café & Notes',
    published: '2023-05-01T08:30:00+02:00',
    // Not: nav (elsewhere.example), footer social links, own pages, mailto/javascript/#top.
    links: [
      'https://papers.example/abs/1234',
      'https://friend.example/blog/post?x=1&y=2',
      'https://nofollow.example/',
      'https://xn--bcher-kva.example/stra%C3%9Fe',
    ],
    hash: sha256(await readFile(join(root, '2023/05/01/first.html'))),
    contentHash: post?.contentHash, // what it covers: test/site-content-text.test.ts
  });
  assert.match((s.page('index.html') as { reason: string }).reason, /ul\.post-list/);
  assert.deepEqual(s.warnings, []);
});

test('PaperMod-like site: breadcrumbs, tags, prev/next, share buttons and menu are not content', async () => {
  const s = await scan(join(FIXTURES, 'papermod-like'), { siteUrl: 'https://paper.example/' });
  assert.deepEqual(kinds(s), {
    'about/index.html': 'other', // og:type=article, but JSON-LD carries Hugo's zero date only
    'index.html': 'listing',
    'page/1/index.html': 'other', // Hugo alias page (meta refresh)
    'posts/one/index.html': 'post',
    'tags/solo/index.html': 'listing', // a tag page with one entry is still a listing
  });
  const post = s.post('posts/one/index.html');
  assert.deepEqual(post.links, ['https://ink.example/history', 'https://quotes.example/paper', 'https://footnote.example/ref']);
  assert.equal(post.title, 'One & only');
  assert.equal(post.published, '2024-01-01T09:00:00+00:00');
  assert.equal(post.blogName, 'Paper & Ink', 'no og:site_name: the home page <title>');
  assert.equal(post.excerpt, 'This post cites a history of ink and my own second post.');
  assert.match((s.page('index.html') as { reason: string }).reason, /^2 <article> elements/);
  assert.match((s.page('page/1/index.html') as { reason: string }).reason, /refresh/);
  assert.match((s.page('tags/solo/index.html') as { reason: string }).reason, /post-entry/);
  assert.match((s.page('about/index.html') as { reason: string }).reason, /no publication date/);
});

test('Eleventy-base-like site: no canonical needs --site-url; links from <main> minus nav, tags, next/prev', async () => {
  const root = join(FIXTURES, 'eleventy-like');
  const without = await scan(root);
  assert.deepEqual(without.page('blog/post-a/index.html'), {
    kind: 'error',
    file: 'blog/post-a/index.html',
    reason: 'no URL: pass --site-url',
    code: 'no-url',
  });

  const s = await scan(root, { siteUrl: 'https://garden.example' });
  assert.deepEqual(kinds(s), {
    'about/index.html': 'other',
    'blog/post-a/index.html': 'post',
    'index.html': 'listing',
    'tags/solo/index.html': 'listing',
  });
  const post = s.post('blog/post-a/index.html');
  assert.equal(post.url, 'https://garden.example/blog/post-a/');
  assert.equal(post.published, '2022-03-15');
  assert.equal(post.title, 'Seeds & soil', 'the h1 (no og:title)');
  assert.equal(post.blogName, 'Garden Log');
  assert.deepEqual(post.links, ['https://seeds.example/catalog', 'https://soil.example/Guide?q=1']);
  // Every page repeats the home page's description: it says nothing about this post.
  assert.equal(post.excerpt, 'I planted what the catalog said, following a broken link and a phone, after reading my other post.');

  const undated = await scan(root, { siteUrl: 'https://garden.example/', includeUndated: true });
  const about = undated.post('about/index.html');
  assert.equal(about.published, null);
  assert.deepEqual(about.links, ['https://seeds.example/']);
  assert.equal(undated.page('index.html').kind, 'listing', 'includeUndated does not turn listings into posts');
});

test('title: og:title, else the first h1 outside the site header, else <title>; entities decoded', async () => {
  const root = await site({
    'a.html': postPage('<header><h1>Site Name</h1></header><main><h1>Caf&eacute; &amp; “Ünïcode” &#x1F600;</h1></main>', '<title>T</title>'),
    'b.html': postPage('<main><p>no heading</p></main>', '<title>  Only\n the   title </title>'),
    'c.html': postPage('<main><h1>H</h1></main>', '<meta property="og:title" content="OG &lt;title&gt;">'),
  });
  const s = await scan(root, { siteUrl: 'https://t.example/' });
  assert.equal(s.post('a.html').title, 'Café & “Ünïcode” 😀');
  assert.equal(s.post('b.html').title, 'Only the title');
  assert.equal(s.post('c.html').title, 'OG <title>');
});

test('excerpt: meta description, else og:description, else the first paragraph of content, cut at 300', async () => {
  const long = Array.from({ length: 80 }, (_, i) => `w${i}`).join('   \n ');
  const root = await site({
    'd.html': postPage('<main><p>para</p></main>', '<meta name="description" content="  desc  here ">'),
    'o.html': postPage('<main><p>para</p></main>', '<meta property="og:description" content="og desc">'),
    'p.html': postPage(`<header><p>site tagline</p></header><article><header><p class="post-meta">May 1</p></header><div class="post-content"><p>  </p><p>${long} <a href="https://x.example/">end</a></p></div></article>`),
  });
  const s = await scan(root, { siteUrl: 'https://t.example/' });
  assert.equal(s.post('d.html').excerpt, 'desc here');
  assert.equal(s.post('o.html').excerpt, 'og desc');
  const excerpt = s.post('p.html').excerpt;
  const flat = `${long.replace(/\s+/g, ' ')} end`;
  assert.ok(excerpt.length <= 300 && excerpt.endsWith('…'), excerpt);
  assert.ok(flat.startsWith(excerpt.slice(0, -1)) && flat[excerpt.length - 1] === ' ', 'cut on a word boundary');
});

test('blogName: option, else og:site_name, else home <title>, else the host', async () => {
  const page = postPage('<main><p>x</p></main>', '<meta property="og:site_name" content="OG Name">');
  const bare = postPage('<main><p>x</p></main>');
  const withHome = await site({ 'index.html': '<title>Home &amp; Title</title><ul class="post-list"></ul>', 'p.html': bare, 'q.html': page });
  const s = await scan(withHome, { siteUrl: 'https://name.example/' });
  assert.equal(s.post('p.html').blogName, 'Home & Title');
  assert.equal(s.post('q.html').blogName, 'OG Name');
  const forced = await scan(withHome, { siteUrl: 'https://name.example/', blogName: 'Forced' });
  assert.equal(forced.post('q.html').blogName, 'Forced');
  const noHome = await scan(await site({ 'p.html': bare }), { siteUrl: 'https://name.example/x/' });
  assert.equal(noHome.post('p.html').blogName, 'name.example');
});

test('post URL: canonical on the site origin, else site URL + served path', async () => {
  const body = '<main><p>x</p></main>';
  const root = await site({
    'a/index.html': postPage(body),
    'foo.html': postPage(body),
    'cross.html': postPage(body, '<link rel="canonical" href="https://medium.example/@me/cross">'),
    'canon.html': postPage(body, '<link rel="canonical" href="https://ex.example/blog/pretty/">'),
    'rel.html': postPage(body, '<link rel="canonical" href="/blog/relative/">'),
    'og.html': postPage(body, '<meta property="og:url" content="https://ex.example/blog/og/">'),
  });
  const s = await scan(root, { siteUrl: 'https://ex.example/blog' });
  assert.equal(s.post('a/index.html').url, 'https://ex.example/blog/a/');
  assert.equal(s.post('foo.html').url, 'https://ex.example/blog/foo.html');
  assert.equal(s.post('cross.html').url, 'https://ex.example/blog/cross.html', 'canonical elsewhere: not ours');
  assert.equal(s.post('canon.html').url, 'https://ex.example/blog/pretty/');
  assert.equal(s.post('rel.html').url, 'https://ex.example/blog/relative/');
  assert.equal(s.post('og.html').url, 'https://ex.example/blog/og/');
  // No --site-url: the cross-posted canonical is taken as stated.
  const noSite = await scan(root);
  assert.equal(noSite.post('cross.html').url, 'https://medium.example/@me/cross');
  assert.equal(noSite.page('foo.html').kind, 'error');
});

test('post URL without --site-url: inferred from the home page canonical', async () => {
  const root = await site({
    'index.html': '<link rel="canonical" href="https://home.example/sub/index.html"><title>Home</title><ol class="postlist"></ol>',
    'posts/x/index.html': postPage('<main><p><a href="https://home.example/other/">own</a> <a href="https://out.example/">out</a></p></main>'),
  });
  const s = await scan(root);
  const post = s.post('posts/x/index.html');
  assert.equal(post.url, 'https://home.example/sub/posts/x/');
  assert.deepEqual(post.links, ['https://out.example/']);
});

test('links: base href, fragments, duplicates, order, rel, own host, bad and odd hrefs', async () => {
  const longUrl = `https://long.example/${'a'.repeat(9000)}`;
  const body = `<article><div class="entry-content"><p>
    <a href="b/one#x">relative to base</a>
    <a href="https://z.example/">z</a>
    <a href="https://a.example/">a</a>
    <a href="https://z.example/#again">z again</a>
    <a href="http://own.example/old-http-link">own site over http</a>
    <a href="https://OWN.example/x">own site</a>
    <a rel="tag" href="https://tagged.example/">tag</a>
    <a rel="next" href="https://next.example/">next</a>
    <a rel="prev" href="https://prev.example/">prev</a>
    <a rel="nofollow" href="https://nofollow.example/">nofollow is kept</a>
    <a href="http://[::1">broken</a> <a href="javascript:void(0)">js</a> <a href="mailto:a@b.c">m</a>
    <a href="tel:+1">t</a> <a href="#frag">f</a> <a href="">empty</a> <a>no href</a>
    <a href="${longUrl}">too long</a>
    <a href="  https://spaces.example/path  ">spaces</a>
    <a href="https://münchen.example/ü?q=ä">idn</a>
    <area href="https://area.example/" alt="map">
  </p></div></article>`;
  const root = await site({ 'p.html': postPage(body, '<base href="https://base.example/dir/">') });
  const s = await scan(root, { siteUrl: 'https://own.example/' });
  assert.deepEqual(s.post('p.html').links, [
    'https://base.example/dir/b/one',
    'https://z.example/',
    'https://a.example/',
    'https://nofollow.example/',
    'https://spaces.example/path',
    'https://xn--mnchen-3ya.example/%C3%BC?q=%C3%A4',
    'https://area.example/',
  ]);
  // The broken http://[::1 link and the over-long one are named; javascript:, mailto:, tel: and #frag are not links to notify.
  assert.equal(s.warnings.length, 2);
  assert.ok(s.warnings.every((w) => w.file === 'p.html'));
  assert.match(s.warnings.map((w) => w.message).join('\n'), /not a valid URL, skipped: http:\/\/\[::1/);
  assert.match(s.warnings.map((w) => w.message).join('\n'), /longer than 8192/);
});

test('content region: explicit container wins, else the single article, else <main>; chrome never counts', async () => {
  const chrome = `<nav><a href="https://nav.example/">n</a></nav><aside><a href="https://aside.example/">a</a></aside>
    <footer><a href="https://footer.example/">f</a></footer><div class="breadcrumbs"><a href="https://crumb.example/">c</a></div>`;
  const root = await site({
    'container.html': postPage(`<main><p><a href="https://in-main.example/">m</a></p><article><p><a href="https://in-article.example/">a</a></p>
      <div class="e-content"><p><a href="https://in-content.example/">c</a></p>
      <ul class="share-buttons"><li><a href="https://share.example/?u=x">share</a></li></ul>
      <div class="paginav"><a href="https://paginav.example/">next</a></div><ul class="post-tags"><li><a href="https://tags.example/">t</a></li></ul>
      </div></article>${chrome}</main>`),
    'article.html': postPage(`<main><p><a href="https://in-main.example/">m</a></p><article><header><a href="https://article-header.example/">h</a></header>
      <p><a href="https://in-article.example/">a</a></p>${chrome}<div id="comments"><article class="comment"><p><a href="https://commenter.example/">c</a></p></article></div></article></main>`),
    'main.html': postPage(`<header><a href="https://site-header.example/">s</a></header><main><p><a href="https://in-main.example/">m</a></p>${chrome}
      <ul class="tags"><li><a href="https://tag-list.example/">t</a></li></ul>
      <blockquote><p>quote</p><footer><cite><a href="https://cited.example/">source</a></cite></footer></blockquote></main>`),
    'body.html': postPage(`<div><p><a href="https://in-body.example/">b</a></p></div>${chrome}`),
    'related.html': postPage(`<article class="post"><div class="post-body"><p><a href="https://in-content.example/">c</a></p></div></article>
      <aside class="related"><article><a href="https://rel1.example/">r1</a></article><article><a href="https://rel2.example/">r2</a></article></aside>`),
  });
  const s = await scan(root, { siteUrl: 'https://t.example/' });
  assert.deepEqual(s.post('container.html').links, ['https://in-content.example/']);
  assert.deepEqual(s.post('article.html').links, ['https://in-article.example/']);
  assert.deepEqual(s.post('main.html').links, ['https://in-main.example/', 'https://cited.example/']);
  assert.deepEqual(s.post('body.html').links, ['https://in-body.example/']);
  assert.deepEqual(s.post('related.html').links, ['https://in-content.example/'], 'articles in an aside are not entries');
});

test('listing vs post', async () => {
  const entry = (n: number) => `<div class="h-entry"><a href="/p${n}">p</a><time class="dt-published" datetime="2024-01-0${n}">x</time></div>`;
  const root = await site({
    'hentries.html': `<main>${entry(1)}${entry(2)}</main>`,
    'schema.html': `<div itemscope itemtype="https://schema.org/BlogPosting"></div><div itemscope itemtype="http://schema.org/BlogPosting"></div>`,
    'meta-wins.html': postPage('<main><ul class="post-list"><li>my own list in a post</li></ul></main>', '<meta property="og:type" content="article">'),
    'dated-items-in-article.html': `<article><h1>Changelog</h1><ul><li><time datetime="2024-01-01">a</time></li><li><time datetime="2024-01-02">b</time></li></ul></article>`,
  });
  const s = await scan(root, { siteUrl: 'https://t.example/' });
  assert.deepEqual(kinds(s), {
    'dated-items-in-article.html': 'post',
    'hentries.html': 'listing',
    'meta-wins.html': 'post',
    'schema.html': 'listing',
  });
  assert.equal((s.page('hentries.html') as { reason: string }).reason, '2 h-entry elements: listing');
});

test('404, noindex error pages and redirects are other; dates come from many places', async () => {
  const root = await site({
    '404.html': postPage('<main><h1>Not here</h1></main>'),
    'missing/404/index.html': postPage('<main><h1>Not here</h1></main>'),
    'oops.html': postPage('<main><h1>Page not found</h1></main>', '<meta name="robots" content="noindex, nofollow">'),
    'noindex-post.html': postPage('<main><h1>Private but real</h1></main>', '<meta name="robots" content="noindex">'),
    'redirect.html': postPage('', '<meta http-equiv="Refresh" content="0; url=/elsewhere/">'),
    'jsonld.html': '<script type="application/ld+json">{"@graph":[{"@type":"NewsArticle","datePublished":"2020-02-02T10:00:00Z"}]}</script><main><p>x</p></main>',
    'itemprop.html': '<main><meta itemprop="datePublished" content="2020-03-03"><p>x</p></main>',
    'mf2.html': '<div class="h-entry"><data class="dt-published" value="2020-04-04"></data><div class="e-content"><p>x</p></div></div>',
  });
  const s = await scan(root, { siteUrl: 'https://t.example/' });
  assert.deepEqual(kinds(s), {
    '404.html': 'other',
    'itemprop.html': 'post',
    'jsonld.html': 'post',
    'mf2.html': 'post',
    'missing/404/index.html': 'other',
    'noindex-post.html': 'post',
    'oops.html': 'other',
    'redirect.html': 'other',
  });
  assert.equal(s.post('jsonld.html').published, '2020-02-02T10:00:00Z');
  assert.equal(s.post('itemprop.html').published, '2020-03-03');
  assert.equal(s.post('mf2.html').published, '2020-04-04');
});

test('selector hints: contentSelector and postSelector for themes the heuristics miss', async () => {
  const root = await site({
    'post.html': postPage(`<div class="wrap"><div class="intro"><a href="https://intro.example/">i</a></div>
      <section class="prose" data-body><p><a href="https://prose.example/">p</a></p></section></div>`),
    'list.html': postPage('<div class="entry"><a href="https://a.example/">a</a></div><div class="entry"><a href="https://b.example/">b</a></div>'),
  });
  const hinted = await scan(root, { siteUrl: 'https://t.example/', contentSelector: 'section.prose[data-body]', postSelector: 'div.entry' });
  assert.deepEqual(hinted.post('post.html').links, ['https://prose.example/']);
  assert.equal(hinted.page('list.html').kind, 'listing');
  const plain = await scan(root, { siteUrl: 'https://t.example/' });
  assert.deepEqual(plain.post('post.html').links, ['https://intro.example/', 'https://prose.example/']);
  assert.equal(plain.page('list.html').kind, 'post');
  const unmatched = await scan(root, { siteUrl: 'https://t.example/', contentSelector: '#nothing' });
  assert.ok(unmatched.warnings.some((w) => w.file === 'post.html' && /contentSelector matched nothing/.test(w.message)));
});

test('fatal problems throw typed errors', async () => {
  const root = await site({ 'a.html': postPage('') });
  const drain = async (options: Partial<SiteOptions>, dir = root) => {
    for await (const _ of scanSite(dir, { siteUrl: null, blogName: null, ...options }));
  };
  await assert.rejects(drain({ contentSelector: 'div > p' }), (e) => isLinkbackError(e, 'USAGE'));
  await assert.rejects(drain({ siteUrl: 'not a url' }), (e) => isLinkbackError(e, 'USAGE'));
  await assert.rejects(drain({}, join(root, 'missing')), (e) => isLinkbackError(e, 'SITE_NOT_FOUND'));
  await assert.rejects(drain({}, join(root, 'a.html')), (e) => isLinkbackError(e, 'SITE_NOT_FOUND'));
});

test('walk: sorted POSIX paths, .htm included, node_modules and .git skipped, loops and broken links warned', async () => {
  const page = postPage('<main><p>x</p></main>');
  const root = await site({
    'b.html': page,
    'a/z.HTM': page,
    'a.html': page,
    'a-b/c.html': page,
    'node_modules/pkg/x.html': page,
    '.git/x.html': page,
    'notes.txt': 'not html',
  });
  await symlink('..', join(root, 'a', 'loop'));
  await symlink('does-not-exist.html', join(root, 'broken.html'));
  await symlink('self.html', join(root, 'self.html'));
  const s = await scan(root, { siteUrl: 'https://t.example/' });
  assert.deepEqual(s.pages.map((p) => p.file), ['a-b/c.html', 'a.html', 'a/z.HTM', 'b.html']);
  const byFile = Object.fromEntries(s.warnings.map((w) => [w.file, w.message]));
  assert.match(byFile['a/loop'] ?? '', /symlink loop/);
  assert.match(byFile['broken.html'] ?? '', /not readable \(ENOENT\)/);
  assert.match(byFile['self.html'] ?? '', /not readable \(ELOOP\)/);
});

test('walk: a folder reached again through a symlink is read once, where the walk first meets it; the warning says where it really is', async () => {
  const page = postPage('<main><p>x</p></main>');
  const outside = await site({ 'shared/s.html': page });
  const root = await site({ 'real/r.html': page, 'z/keep.html': page });
  // "a-link" sorts before "real": the folder is read as a-link/, and real/ is then the repeat.
  await symlink(join(root, 'real'), join(root, 'a-link'));
  // Two links to one folder outside the site: read under the first, the second is a repeat.
  await symlink(join(outside, 'shared'), join(root, 'm1'));
  await symlink(join(outside, 'shared'), join(root, 'm2'));
  // A loop deeper down: z/up -> the site's root, an open ancestor.
  await symlink('..', join(root, 'z', 'up'));
  const s = await scan(root, { siteUrl: 'https://t.example/' });
  assert.deepEqual(s.pages.map((p) => p.file), ['a-link/r.html', 'm1/s.html', 'z/keep.html']);
  const byFile = Object.fromEntries(s.warnings.map((w) => [w.file, w.message]));
  assert.equal(byFile.real, 'already read through a symlink to it: skipped');
  assert.match(byFile.m2 ?? '', /^same folder as \/.*\/shared: skipped$/);
  assert.equal(byFile['z/up'], 'symlink loop: skipped');
  assert.equal(s.warnings.length, 3, JSON.stringify(s.warnings));
});

test('skip(): unchanged pages are not parsed (not even sniffed) and get the hash of their bytes', async () => {
  const binary = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]);
  const page = postPage('<main><p>x</p></main>');
  const root = await site({ 'img.html': binary, 'p.html': page });
  const seen: [string, string][] = [];
  const s = await scan(root, { siteUrl: 'https://t.example/' }, {
    skip: (file, hash) => {
      seen.push([file, hash]);
      return true;
    },
  });
  assert.deepEqual(seen, [['img.html', sha256(binary)], ['p.html', sha256(page)]]);
  assert.deepEqual(s.pages, [
    { kind: 'unchanged', file: 'img.html', hash: sha256(binary) },
    { kind: 'unchanged', file: 'p.html', hash: sha256(page) },
  ]);
  assert.deepEqual(s.warnings, [], 'a parsed binary page would have warned');
  const parsed = await scan(root, { siteUrl: 'https://t.example/' });
  assert.equal(parsed.page('img.html').kind, 'other');
  assert.match(parsed.warnings[0]?.message ?? '', /not HTML \(PNG image\)/);
});

test('read: one reader, one buffer: each read gives exactly that file\'s bytes and hash, a larger file null', async () => {
  const big = Buffer.from(`<p>${'b'.repeat(100_000)}</p>`);
  const small = Buffer.from('<p>small</p>');
  const root = await site({ 'big.html': big, 'small.html': small, 'empty.html': '', 'huge.html': Buffer.alloc(2000, 0x61) });
  const read = wholeFileReader();
  const first = read(join(root, 'big.html'));
  assert.ok(first);
  assert.deepEqual([Buffer.from(first.bytes), first.hash], [big, sha256(big)]);
  // Read into the same memory: the bytes of the page before are gone, nothing of them shows in the next one.
  const second = read(join(root, 'small.html'));
  assert.ok(second);
  assert.equal(second.bytes.buffer, first.bytes.buffer);
  assert.deepEqual([Buffer.from(second.bytes), second.hash], [small, sha256(small)]);
  assert.deepEqual(read(join(root, 'empty.html')), { bytes: Buffer.alloc(0), hash: sha256(Buffer.alloc(0)) });
  assert.equal(read(join(root, 'huge.html'), 1999), null, 'over the limit: streamed instead');
  assert.equal(read(join(root, 'huge.html'), 2000)?.hash, sha256(Buffer.alloc(2000, 0x61)));
});

test('encodings: windows-1252 fallback without charset, declared charsets, BOMs', async () => {
  const latin = Buffer.concat([
    Buffer.from('<title>Caf'), Buffer.from([0xe9, 0x20, 0x93]), Buffer.from('quoted'), Buffer.from([0x94]),
    Buffer.from('</title><meta property="article:published_time" content="2024-01-01"><main><p>x</p></main>'),
  ]);
  const declared = Buffer.concat([
    Buffer.from('<meta charset="iso-8859-15"><title>'), Buffer.from([0xa4]), Buffer.from(' price</title><time datetime="2024-01-01"></time>'),
  ]);
  const sjis = Buffer.concat([
    Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><title>'), Buffer.from([0x93, 0xfa, 0x96, 0x7b]),
    Buffer.from('</title><time datetime="2024-01-01"></time>'),
  ]);
  const bom16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('<title>UTF-16 ü</title><time datetime="2024-01-01"></time>', 'utf16le')]);
  const bad8 = Buffer.concat([Buffer.from('<meta charset="utf-8"><title>bad '), Buffer.from([0xff]), Buffer.from('</title><time datetime="2024-01-01"></time>')]);
  const root = await site({ 'latin.html': latin, 'declared.html': declared, 'sjis.html': sjis, 'bom16.html': bom16, 'bad8.html': bad8 });
  const s = await scan(root, { siteUrl: 'https://t.example/' });
  assert.equal(s.post('latin.html').title, 'Café “quoted”');
  assert.equal(s.post('declared.html').title, '€ price');
  assert.equal(s.post('sjis.html').title, '日本');
  assert.equal(s.post('bom16.html').title, 'UTF-16 ü');
  assert.equal(s.post('bad8.html').title, 'bad \ufffd', 'declared UTF-8 wins: bad bytes become U+FFFD');
  assert.deepEqual(s.warnings, [{ file: 'latin.html', message: 'not valid UTF-8 and no charset declared: read as windows-1252' }]);
});

test('a 50 MB page is streamed and read to its end', async () => {
  const head = '<html><head><meta property="article:published_time" content="2024-01-01"></head><body><article><div class="e-content">';
  const filler = '<p>Lorem ipsum dolor sit amet, <b>consectetur</b> adipiscing elit.</p>\n'.repeat(760_000);
  const page = `${head}<p><a href="https://first.example/">first</a></p>${filler}<p><a href="https://last.example/">last</a></p></div></article></body></html>`;
  assert.ok(page.length > 50_000_000);
  const s = await scan(await site({ 'big.html': page }), { siteUrl: 'https://t.example/' });
  assert.deepEqual(s.post('big.html').links, ['https://first.example/', 'https://last.example/']);
});

test('100,000 nested levels: read up to a browser-like depth, with a warning, no crash', async () => {
  const open = '<div>'.repeat(100_000);
  const page = `<meta property="article:published_time" content="2024-01-01"><title>Deep</title><article><p><a href="https://before.example/">b</a></p>${open}<a href="https://deep.example/">d</a>${'</div>'.repeat(100_000)}</article>`;
  const s = await scan(await site({ 'deep.html': page, 'after.html': postPage('<main><p>x</p></main>') }), { siteUrl: 'https://t.example/' });
  const post = s.post('deep.html');
  assert.equal(post.title, 'Deep');
  assert.deepEqual(post.links, ['https://before.example/']);
  assert.deepEqual(s.warnings, [{ file: 'deep.html', message: 'nested deeper than 512 elements: read only up to there' }]);
  assert.equal(s.page('after.html').kind, 'post', 'the scan goes on');
});
