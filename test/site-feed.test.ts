// The site's own feed as evidence of which pages are posts (src/site/site-feed.ts): hand-written sites where an
// About page shares the post layout (one <article>, an <h1>, a <time datetime>), as in Astro's blog starter.
// Every test holds a case the feed decides (About left out), so each fails on a scan that ignores the feed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scanSite, type ScannedPage, type ScanOptions, type SiteOptions } from '../src/site/index.ts';
import { scanPages } from '../src/site/pages.ts';
import { feedLinks, pageKey, sharedFolder, withoutEntryText } from '../src/site/site-feed.ts';

const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

const ORIGIN = 'https://s.example';
const RSS_LINK = '<link rel="alternate" type="application/rss+xml" title="S" href="https://s.example/rss.xml">';

/** A page in the post layout: canonical, feed link, one article with a date, an h1 and one content link. */
function postLike(path: string, date: string | null, head = RSS_LINK, base = ''): string {
  const time = date === null ? '' : `<time datetime="${date}">${date}</time>`;
  return `<!doctype html><html><head><title>${path}</title><link rel="canonical" href="${ORIGIN}${base}${path}">${head}</head>` +
    `<body><header><nav><a href="${base}/">Home</a><a href="https://social.example/@s">me</a></nav></header>` +
    `<main><article>${time}<h1>${path}</h1><p>Text with <a href="https://cited.example${path}">a link</a>.</p></article></main></body></html>`;
}

function home(head = RSS_LINK, base = ''): string {
  return `<!doctype html><html><head><title>S</title><link rel="canonical" href="${ORIGIN}${base}/">${head}</head><body><main><h1>Hello</h1><p>Welcome.</p></main></body></html>`;
}

function rss(paths: string[], base = ''): string {
  // Full content, as many feeds carry: only the entries' links may count.
  const content = `<description>&lt;p&gt;See &lt;a href="${ORIGIN}${base}/about/"&gt;me&lt;/a&gt;&lt;/p&gt;</description>` +
    `<content:encoded><![CDATA[<p>See <a href="${ORIGIN}${base}/about/">me</a> & </description> </p>]]></content:encoded>`;
  const items = paths.map((p) => `<item><title>${p}</title><link>${ORIGIN}${base}${p}</link><guid>${ORIGIN}${base}${p}</guid>${content}</item>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>S</title>` +
    `<link>${ORIGIN}${base}/</link><description>d</description>${items}</channel></rss>`;
}

async function site(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'linkback-feed-'));
  temps.push(root);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), content);
  }
  return root;
}

interface Result {
  kinds: Record<string, string>;
  reasons: Record<string, string>;
  warnings: string[];
  pages: ScannedPage[];
}

function summarise(pages: ScannedPage[], warnings: string[]): Result {
  return {
    kinds: Object.fromEntries(pages.map((p) => [p.file, p.kind])),
    reasons: Object.fromEntries(pages.flatMap((p) => ('reason' in p ? [[p.file, p.reason]] : []))),
    warnings,
    pages,
  };
}

async function scan(root: string, options: Partial<SiteOptions> = {}, extra: ScanOptions = {}): Promise<Result> {
  const pages: ScannedPage[] = [];
  const warnings: string[] = [];
  const onWarning = (w: { file: string; message: string }) => void warnings.push(`${w.file}: ${w.message}`);
  for await (const p of scanSite(root, { siteUrl: null, blogName: null, ...options }, { onWarning, ...extra })) pages.push(p);
  return summarise(pages, warnings);
}

const NOT_IN_FEED = "not in the site's feed (rss.xml) and outside /blog/";

test('About in the post layout is not a post: not in the feed, outside /blog/; an older post missing from a truncated feed still is', async () => {
  const files = {
    'index.html': home(),
    'about/index.html': postLike('/about/', '2021-08-08'),
    'blog/old/index.html': postLike('/blog/old/', '2020-01-01'),
    'blog/new/index.html': postLike('/blog/new/', '2024-01-01'),
    'blog/newer/index.html': postLike('/blog/newer/', '2024-06-01'),
    // Truncated to the newest two, as many feeds are.
    'rss.xml': rss(['/blog/newer/', '/blog/new/']),
  };
  const root = await site(files);
  const expected = {
    'about/index.html': 'other',
    'blog/new/index.html': 'post',
    'blog/newer/index.html': 'post',
    'blog/old/index.html': 'post',
    'index.html': 'other',
  };
  const one = await scan(root, {}, { workers: 1 });
  assert.deepEqual(one.kinds, expected);
  assert.equal(one.reasons['about/index.html'], NOT_IN_FEED);
  assert.deepEqual(one.warnings, []);

  // On worker threads: the evidence goes with the setup; the pages come out the same.
  const two = await scan(root, {}, { workers: 2 });
  assert.deepEqual(two.pages, one.pages);

  // Pages handed over in memory (a generator's results), the feed among them: the same verdicts.
  const empty = await site({});
  const given: ScannedPage[] = [];
  const pages = Object.entries(files).map(([file, content]) => ({ file, content }));
  for await (const p of scanPages(pages, empty, { siteUrl: null, blogName: null })) given.push(p);
  assert.deepEqual(given, one.pages);
});

test('no evidence, as before: no feed link, a feed not in the folder, not a feed, a feed of other sites\' pages', async () => {
  const pages = {
    'about/index.html': postLike('/about/', '2021-08-08'),
    'blog/a/index.html': postLike('/blog/a/', '2024-01-01'),
    'blog/b/index.html': postLike('/blog/b/', '2024-02-01'),
  };
  // The control: with the feed in place, About is left out.
  const control = await scan(await site({ ...pages, 'index.html': home(), 'rss.xml': rss(['/blog/a/', '/blog/b/']) }));
  assert.equal(control.kinds['about/index.html'], 'other');

  const cases: Array<[string, Record<string, string>, string[]]> = [
    ['no feed link', { 'index.html': home(''), 'rss.xml': rss(['/blog/a/', '/blog/b/']) }, []],
    ['the feed is served elsewhere', { 'index.html': home('<link rel="alternate" type="application/rss+xml" href="https://feeds.example/s">') }, []],
    ['the linked file is no feed', { 'index.html': home(), 'rss.xml': '<html><body>not a feed</body></html>' }, [
      "rss.xml: linked as the site's feed but not an RSS, Atom or JSON feed: not used to tell posts from other pages",
    ]],
    ['a link blog: the feed lists other sites', { 'index.html': home(), 'rss.xml': rss([]).replace('</channel>', '<item><link>https://elsewhere.example/blog/x/</link></item></channel>') }, []],
    ['the feed lists pages that were not built', { 'index.html': home(), 'rss.xml': rss(['/blog/gone/']) }, []],
  ];
  for (const [label, extra, warnings] of cases) {
    const s = await scan(await site({ ...pages, ...extra }));
    assert.equal(s.kinds['about/index.html'], 'post', label);
    assert.equal(s.kinds['blog/a/index.html'], 'post', label);
    assert.deepEqual(s.warnings, warnings, label);
  }
});

test('no folder in common, or only years and months in common: the feed takes nothing out; a year folder keeps a post', async () => {
  // Posts at the root (/first/): nothing tells About from an older post missing from the feed.
  const flat = await scan(await site({
    'index.html': home(),
    'about/index.html': postLike('/about/', '2021-08-08'),
    'first/index.html': postLike('/first/', '2024-01-01'),
    'older/index.html': postLike('/older/', '2019-01-01'),
    'rss.xml': rss(['/first/']),
  }));
  assert.equal(flat.kinds['about/index.html'], 'post');
  assert.equal(flat.kinds['older/index.html'], 'post');

  // Jekyll-style /2024/05/06/title.html: the feed's posts share /2024/ only because it holds the newest ones.
  const dated = await scan(await site({
    'index.html': home(),
    'about/index.html': postLike('/about/', '2021-08-08'),
    '2024/05/06/a.html': postLike('/2024/05/06/a.html', '2024-05-06'),
    '2024/05/09/b.html': postLike('/2024/05/09/b.html', '2024-05-09'),
    '2023/01/02/old.html': postLike('/2023/01/02/old.html', '2023-01-02'),
    'rss.xml': rss(['/2024/05/09/b.html', '/2024/05/06/a.html']),
  }));
  assert.equal(dated.kinds['2023/01/02/old.html'], 'post');
  assert.equal(dated.kinds['about/index.html'], 'post');

  // The same under a section folder: /blog/2024/... shares /blog/, and About is left out.
  const section = await scan(await site({
    'index.html': home(),
    'about/index.html': postLike('/about/', '2021-08-08'),
    'blog/2024/05/a/index.html': postLike('/blog/2024/05/a/', '2024-05-06'),
    'blog/2023/01/old/index.html': postLike('/blog/2023/01/old/', '2023-01-02'),
    'rss.xml': rss(['/blog/2024/05/a/']),
  }));
  assert.equal(section.kinds['blog/2023/01/old/index.html'], 'post');
  assert.equal(section.reasons['about/index.html'], NOT_IN_FEED);

  // Jekyll's /:categories/:year/...: the feed's newest posts are all in notes/, an older one in misc/ is not in
  // the feed and outside notes/, but its path is a permalink's. About is left out.
  const categories = await scan(await site({
    'index.html': home(),
    'about/index.html': postLike('/about/', '2021-08-08'),
    'notes/2024/05/06/a.html': postLike('/notes/2024/05/06/a.html', '2024-05-06'),
    'misc/2023/01/02/old.html': postLike('/misc/2023/01/02/old.html', '2023-01-02'),
    'rss.xml': rss(['/notes/2024/05/06/a.html']),
  }));
  assert.equal(categories.kinds['notes/2024/05/06/a.html'], 'post');
  assert.equal(categories.kinds['misc/2023/01/02/old.html'], 'post');
  assert.equal(categories.reasons['about/index.html'], "not in the site's feed (rss.xml) and outside /notes/");
});

test('Atom and JSON Feed, relative hrefs, a site under a base path, .html names; undated pages with includeUndated stay', async () => {
  const atomLink = '<link rel="alternate" type="application/atom+xml" href="feed.xml">';
  const atom = `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>S</title><id>${ORIGIN}/log/</id><updated>2024-01-01T00:00:00Z</updated>` +
    `<link href="${ORIGIN}/log/"/><entry><title>a</title><id>a</id><updated>2024-01-01T00:00:00Z</updated><link href="${ORIGIN}/log/posts/a.html"/></entry></feed>`;
  const atomSite = await site({
    'index.html': home(atomLink, '/log'),
    'about.html': postLike('/about.html', '2021-08-08', atomLink, '/log'),
    'contact/index.html': postLike('/contact/', null, atomLink, '/log'),
    'posts/a.html': postLike('/posts/a.html', '2024-01-01', atomLink, '/log'),
    'posts/b.html': postLike('/posts/b.html', '2023-01-01', atomLink, '/log'),
    'feed.xml': atom,
  });
  for (const options of [{}, { siteUrl: `${ORIGIN}/log/` }]) {
    const s = await scan(atomSite, { ...options, includeUndated: true });
    // (The home page is undated too: includeUndated makes it a post, with or without a feed.)
    assert.deepEqual({ ...s.kinds, 'index.html': undefined }, {
      'about.html': 'other',
      'contact/index.html': 'post',
      'index.html': undefined,
      'posts/a.html': 'post',
      'posts/b.html': 'post',
    }, JSON.stringify(options));
    assert.equal(s.reasons['about.html'], "not in the site's feed (feed.xml) and outside /posts/");
  }

  const jsonLink = '<link rel="alternate" type="application/feed+json" href="/feed.json">';
  const json = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'S', home_page_url: `${ORIGIN}/`, items: [{ id: '1', url: '/notes/a', content_text: 'a' }] });
  const jsonSite = await scan(await site({
    'index.html': home(jsonLink),
    'about/index.html': postLike('/about/', '2021-08-08', jsonLink),
    'notes/a/index.html': postLike('/notes/a/', '2024-01-01', jsonLink),
    'feed.json': json,
  }));
  assert.equal(jsonSite.kinds['notes/a/index.html'], 'post');
  assert.equal(jsonSite.reasons['about/index.html'], "not in the site's feed (feed.json) and outside /notes/");
});

test('pure parts: feed links in the head, page keys, the shared folder', () => {
  assert.deepEqual(feedLinks([
    '<html><head><link rel="stylesheet" href="a.css"><link rel="alternate" hreflang="de" href="/de/">',
    '<link rel="alternate" type="application/rss+xml" href="/rss.xml"><LINK REL="Alternate" TYPE="application/atom+xml; charset=utf-8" HREF=" /atom.xml ">',
    '<link rel="alternate" type="application/rss+xml" href="/rss.xml"></head>',
    '<body><link rel="alternate" type="application/rss+xml" href="/body.xml"></body></html>',
  ].join('')), ['/rss.xml', '/atom.xml']);
  assert.deepEqual(['blog/a/index.html', 'blog/a/', 'blog/a', 'blog/a.html', 'index.html', ''].map(pageKey), ['blog/a', 'blog/a', 'blog/a', 'blog/a', '', '']);
  assert.equal(sharedFolder(['blog/a', 'blog/b']), 'blog/');
  assert.equal(sharedFolder(['blog/x/a', 'blog/x/b']), 'blog/x/');
  assert.equal(sharedFolder(['blog/a', 'posts/b']), null);
  assert.equal(sharedFolder(['a', 'b']), null);
  assert.equal(sharedFolder(['2024/05/a', '2024/06/b']), null);
  assert.equal(sharedFolder(['notes/2024/05/a']), 'notes/');

  // Entries' text cut before parsing: closed and empty elements; from an element with no end on, nothing.
  assert.equal(
    withoutEntryText('<item><link>a</link><description>x &lt;p&gt;</description><content:encoded><![CDATA[<p>y</p>]]></content:encoded><summary/></item>'),
    '<item><link>a</link></item>',
  );
  assert.equal(withoutEntryText('<entry><content type="html">z</content><link href="b"/></entry>'), '<entry><link href="b"/></entry>');
  const unclosed = `<item><description>a</description><link>x</link>${'<description>'.repeat(1000)}<link>y</link></item>`;
  assert.equal(withoutEntryText(unclosed), `<item><link>x</link>${'<description>'.repeat(1000)}<link>y</link></item>`);
});
