// Generates a built static site that looks like Jekyll's minima theme output (the layout of
// example/site): dated posts under YYYY/MM/DD/slug/index.html, a paginated home page, tag pages, an
// about page, a 404 page and an RSS feed with the full post HTML (what @remy/webmention reads).
// Deterministic for a given spec (seeded PRNG), so a generated site can be kept and reused: a
// manifest records the spec it was made from, and a site whose manifest matches is not rewritten.

import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const SITE_URL = 'https://blog.example/';
const GENERATOR_VERSION = 4;

export interface SiteSpec {
  posts: number;
  seed: number;
  /** Approximate size of one post's HTML, in bytes. */
  postBytes: number;
  /** The content links of post `index` (absolute URLs or site-relative paths), in order. */
  links: (index: number, rng: Rng) => string[];
  /** Part of the manifest: change it when `links` changes meaning (e.g. other hosts or ports). */
  linksKey: string;
  /** Write feed.xml with every post in full (RSS 2.0 + content:encoded). */
  feed: boolean;
}

export interface GeneratedSite {
  root: string;
  posts: number;
  pages: number;
  bytes: number;
  /** Post files, relative to root, in the order of their index. */
  postFiles: string[];
  reused: boolean;
}

export type Rng = () => number;

/** mulberry32: small, fast, and the same numbers on every machine. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: Rng, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;
export const between = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const WORDS = (
  'the of and a to in is that for it as was with be by on not he this are or his from at which but have an they ' +
  'you were her she there one all we their been has would when if so what no out up into do time can only new some ' +
  'model models training data attention layer layers network networks gradient loss learning neural transformer ' +
  'language scaling parameters compute optimal results paper authors experiment experiments benchmark dataset ' +
  'evaluation baseline method methods approach theory proof lemma theorem bound bounds sample samples inference ' +
  'sequence tokens embedding embeddings vector space kernel matrix rank sparse dense memory cache latency throughput ' +
  'convergence stochastic descent batch normalization dropout regularization generalization overfitting variance ' +
  'posterior prior likelihood bayesian estimate estimator reading group notes summary argument section figure table'
).split(' ');
const TAGS = [
  'machine-learning', 'physics', 'mathematics', 'statistics', 'optimization', 'language-models', 'vision',
  'reinforcement-learning', 'theory', 'reading-group', 'reviews', 'notes', 'quantum', 'cosmology', 'biology',
  'economics', 'robotics', 'graphs', 'probability', 'information-theory', 'compilers', 'databases', 'security',
  'networks', 'systems', 'history', 'teaching', 'tools', 'datasets', 'benchmarks', 'ethics', 'interpretability',
  'audio', 'speech', 'retrieval', 'generative-models', 'causality', 'topology', 'algebra', 'number-theory',
];

interface PostInfo {
  index: number;
  file: string;
  url: string;
  title: string;
  date: Date;
  tags: string[];
  excerpt: string;
}

export async function generateSite(root: string, spec: SiteSpec): Promise<GeneratedSite> {
  const manifestPath = join(root, '.bench-site.json');
  const wanted = { version: GENERATOR_VERSION, posts: spec.posts, seed: spec.seed, postBytes: spec.postBytes, links: spec.linksKey, feed: spec.feed };
  const infos = postInfos(spec);
  try {
    const found = JSON.parse(await readFile(manifestPath, 'utf8')) as typeof wanted & { pages: number; bytes: number };
    if (JSON.stringify({ ...found, pages: undefined, bytes: undefined }) === JSON.stringify({ ...wanted, pages: undefined, bytes: undefined })) {
      return { root, posts: spec.posts, pages: found.pages, bytes: found.bytes, postFiles: infos.map((p) => p.file), reused: true };
    }
  } catch {
    // no manifest: generate
  }
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });

  let pages = 0;
  let bytes = 0;
  const pending = new Set<Promise<void>>();
  const write = async (file: string, text: string): Promise<void> => {
    pages += file.endsWith('.html') ? 1 : 0;
    bytes += Buffer.byteLength(text);
    const task = (async () => {
      const path = join(root, file);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, text);
    })().finally(() => pending.delete(task));
    pending.add(task);
    if (pending.size >= 64) await Promise.race(pending);
  };

  const feedItems: string[] = [];
  for (const info of infos) {
    const r = rng(spec.seed * 1_000_003 + info.index);
    const links = spec.links(info.index, r);
    const content = postContent(r, links, spec.postBytes - 6_500, infos);
    await write(info.file, postPage(info, content, r, infos));
    if (spec.feed) feedItems.push(feedItem(info, content));
  }
  // Newest first, like every blog's home page.
  const newest = [...infos].reverse();
  const perPage = 10;
  const homePages = Math.max(1, Math.ceil(newest.length / perPage));
  for (let p = 0; p < homePages; p++) {
    const file = p === 0 ? 'index.html' : `page${p + 1}/index.html`;
    await write(file, listingPage('Paper Notes', p === 0 ? SITE_URL : `${SITE_URL}page${p + 1}/`, newest.slice(p * perPage, (p + 1) * perPage), p, homePages, (n) => (n === 0 ? '/' : `/page${n + 1}/`)));
  }
  const byTag = new Map<string, PostInfo[]>();
  for (const info of newest) for (const tag of info.tags) byTag.set(tag, [...(byTag.get(tag) ?? []), info]);
  for (const [tag, list] of byTag) {
    const tagPages = Math.ceil(list.length / 100);
    for (let p = 0; p < tagPages; p++) {
      const path = p === 0 ? `tags/${tag}/` : `tags/${tag}/page/${p + 1}/`;
      await write(`${path}index.html`, listingPage(`Posts tagged “${tag}”`, SITE_URL + path, list.slice(p * 100, (p + 1) * 100), p, tagPages, (n) => (n === 0 ? `/tags/${tag}/` : `/tags/${tag}/page/${n + 1}/`)));
    }
  }
  await write('about/index.html', simplePage('About', '<p>Short summaries of papers I read, with links to the sources.</p>'));
  await write('404.html', simplePage('Page not found', '<h1>404</h1><p>Page not found :(</p>'));
  if (spec.feed) {
    await write('feed.xml', `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Paper Notes</title><link>${SITE_URL}</link><description>Short summaries of papers I read</description>\n${[...feedItems].reverse().join('\n')}\n</channel></rss>\n`);
  }
  await Promise.all(pending);
  await writeFile(manifestPath, JSON.stringify({ ...wanted, pages, bytes }));
  return { root, posts: spec.posts, pages, bytes, postFiles: infos.map((p) => p.file), reused: false };
}

function postInfos(spec: SiteSpec): PostInfo[] {
  const r = rng(spec.seed);
  const start = Date.UTC(2010, 0, 1);
  // Posts spread over the years at a steady pace, several a day for the largest sites.
  const step = Math.max(60_000, Math.floor((Date.UTC(2026, 0, 1) - start) / Math.max(1, spec.posts)));
  const infos: PostInfo[] = [];
  for (let index = 0; index < spec.posts; index++) {
    const date = new Date(start + index * step + Math.floor(r() * step * 0.5));
    const title = sentence(r, between(r, 4, 9)).replace(/\.$/, '');
    const slug = `${title.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40).replace(/-+$/, '')}-${index}`;
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()].map((n) => String(n).padStart(2, '0'));
    const path = `${y}/${m}/${d}/${slug}/`;
    const tags = [...new Set(Array.from({ length: between(r, 1, 3) }, () => pick(r, TAGS)))];
    infos.push({ index, file: `${path}index.html`, url: SITE_URL + path, title, date, tags, excerpt: sentence(r, between(r, 18, 30)) });
  }
  return infos;
}

function sentence(r: Rng, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(pick(r, WORDS));
  const text = out.join(' ');
  return `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}.`;
}

const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Paragraphs, a list, a quote and a code block, with `links` spread through the text in order. */
function postContent(r: Rng, links: string[], bytes: number, infos: PostInfo[]): string {
  const parts: string[] = [];
  let next = 0;
  // About 1 KB per paragraph with what comes around it.
  const paragraphs = Math.max(4, Math.round(bytes / 1_050));
  const linksPerParagraph = links.length / paragraphs;
  for (let p = 0; p < paragraphs; p++) {
    const words: string[] = [];
    const count = between(r, 70, 110);
    const due = p === paragraphs - 1 ? links.length : Math.min(links.length, Math.round((p + 1) * linksPerParagraph));
    const slots = new Set<number>();
    while (next + slots.size < due && slots.size < count) slots.add(Math.floor(r() * count));
    for (let w = 0; w < count; w++) {
      if (slots.has(w) && next < links.length) {
        const href = links[next++] as string;
        words.push(`<a href="${esc(href)}">${sentence(r, between(r, 2, 5)).replace(/\.$/, '')}</a>`);
      } else {
        words.push(w % 17 === 5 ? `<em>${pick(r, WORDS)}</em>` : w % 23 === 9 ? `<code class="language-plaintext highlighter-rouge">${pick(r, WORDS)}</code>` : pick(r, WORDS));
      }
    }
    let block = `<p>${words.join(' ')}.</p>\n`;
    if (p % 5 === 3) block += `<blockquote>\n  <p>${sentence(r, between(r, 15, 30))}</p>\n</blockquote>\n`;
    if (p % 7 === 4) {
      const code = Array.from({ length: between(r, 4, 10) }, () => `<span class="n">${pick(r, WORDS)}</span> <span class="o">=</span> <span class="nf">${pick(r, WORDS)}</span><span class="p">(</span><span class="mi">${between(r, 0, 999)}</span><span class="p">)</span>`).join('\n');
      block += `<div class="language-python highlighter-rouge"><div class="highlight"><pre class="highlight"><code>${code}\n</code></pre></div></div>\n`;
    }
    if (p % 6 === 2) block += `<ul>\n${Array.from({ length: between(r, 2, 5) }, () => `  <li>${sentence(r, between(r, 5, 12))}</li>`).join('\n')}\n</ul>\n`;
    if (p % 8 === 6 && infos.length > 1) {
      // A figure with an internal link: same-site links never become targets.
      const other = pick(r, infos);
      block += `<figure><img src="/assets/fig-${p}.png" alt="${esc(sentence(r, 4))}"><figcaption>See <a href="${other.url.replace(SITE_URL, '/')}">${esc(other.title)}</a></figcaption></figure>\n`;
    }
    parts.push(block);
  }
  return parts.join('');
}

function head(title: string, url: string, description: string, extra: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head>
  <meta charset="utf-8">
  <meta http-equiv="X-UA-Compatible" content="IE=edge">
  <meta name="viewport" content="width=device-width, initial-scale=1"><!-- Begin Jekyll SEO tag v2.8.0 -->
<title>${esc(title)} | Paper Notes</title>
<meta name="generator" content="Jekyll v4.3.1" />
<meta property="og:title" content="${esc(title)}" />
<meta name="author" content="A. Researcher" />
<meta property="og:locale" content="en_US" />
<meta name="description" content="${esc(description)}" />
<meta property="og:description" content="${esc(description)}" />
<link rel="canonical" href="${url}" />
<meta property="og:url" content="${url}" />
<meta property="og:site_name" content="Paper Notes" />
${extra}<meta name="twitter:card" content="summary" />
<meta property="twitter:title" content="${esc(title)}" />
<!-- End Jekyll SEO tag -->
<link rel="stylesheet" href="/assets/main.css"><link type="application/atom+xml" rel="alternate" href="${SITE_URL}feed.xml" title="Paper Notes" /></head>
<body><header class="site-header" role="banner">

  <div class="wrapper"><a class="site-title" rel="author" href="/">Paper Notes</a><nav class="site-nav">
        <input type="checkbox" id="nav-trigger" class="nav-trigger" />
        <label for="nav-trigger">
          <span class="menu-icon">
            <svg viewBox="0 0 18 15" width="18px" height="15px">
              <path d="M18,1.484c0,0.82-0.665,1.484-1.484,1.484H1.484C0.665,2.969,0,2.304,0,1.484l0,0C0,0.665,0.665,0,1.484,0 h15.032C17.335,0,18,0.665,18,1.484L18,1.484z M18,7.516C18,8.335,17.335,9,16.516,9H1.484C0.665,9,0,8.335,0,7.516l0,0 c0-0.82,0.665-1.484,1.484-1.484h15.032C17.335,6.031,18,6.696,18,7.516L18,7.516z"/>
            </svg>
          </span>
        </label>

        <div class="trigger"><a class="page-link" href="/about/">About</a><a class="page-link" href="/tags/">Tags</a></div>
      </nav></div>
</header>
`;
}

const FOOTER = `<footer class="site-footer h-card">
  <data class="u-url" href="/"></data>

  <div class="wrapper">

    <h2 class="footer-heading">Paper Notes</h2>

    <div class="footer-col-wrapper">
      <div class="footer-col footer-col-1">
        <ul class="contact-list">
          <li class="p-name">A. Researcher</li></ul>
      </div>

      <div class="footer-col footer-col-2"><ul class="social-media-list"><li><a href="https://github.com/a-researcher"><svg class="svg-icon"><use xlink:href="/assets/minima-social-icons.svg#github"></use></svg> <span class="username">a-researcher</span></a></li><li><a href="https://mastodon.example/@a"><svg class="svg-icon"><use xlink:href="/assets/minima-social-icons.svg#mastodon"></use></svg> <span class="username">a</span></a></li></ul>
</div>

      <div class="footer-col footer-col-3">
        <p>Short summaries of papers I read, with links to the sources.</p>
      </div>
    </div>

  </div>

</footer>
</body>

</html>
`;

function postPage(info: PostInfo, content: string, r: Rng, infos: PostInfo[]): string {
  const iso = info.date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
  const jsonLd = `<script type="application/ld+json">
{"@context":"https://schema.org","@type":"BlogPosting","author":{"@type":"Person","name":"A. Researcher"},"dateModified":"${iso}","datePublished":"${iso}","description":${JSON.stringify(info.excerpt)},"headline":${JSON.stringify(info.title)},"mainEntityOfPage":{"@type":"WebPage","@id":"${info.url}"},"url":"${info.url}"}</script>
`;
  const extra = `<meta property="og:type" content="article" />\n<meta property="article:published_time" content="${iso}" />\n${jsonLd}`;
  const related = Array.from({ length: 3 }, () => pick(r, infos))
    .map((p) => `<li><a href="${p.url.replace(SITE_URL, '/')}">${esc(p.title)}</a></li>`)
    .join('');
  const tagLinks = info.tags.map((t) => `<a class="tag" rel="tag" href="/tags/${t}/">${t}</a>`).join(', ');
  return `${head(info.title, info.url, info.excerpt, extra)}<main class="page-content" aria-label="Content">
      <div class="wrapper">
        <article class="post h-entry" itemscope itemtype="http://schema.org/BlogPosting">

  <header class="post-header">
    <h1 class="post-title p-name" itemprop="name headline">${esc(info.title)}</h1>
    <p class="post-meta">
      <time class="dt-published" datetime="${iso}" itemprop="datePublished">${info.date.toDateString()}
      </time> • <span class="tags">${tagLinks}</span></p>
  </header>

  <div class="post-content e-content" itemprop="articleBody">
    ${content}
  </div><a class="u-url" href="${info.url.replace(SITE_URL, '/')}" hidden></a>
  <aside class="related"><h2>Related posts</h2><ul>${related}</ul></aside>
</article>

      </div>
    </main>${FOOTER}`;
}

function listingPage(title: string, url: string, posts: PostInfo[], page: number, pages: number, href: (n: number) => string): string {
  const items = posts
    .map((p) => `<li><span class="post-meta">${p.date.toDateString()}</span>
          <h3>
            <a class="post-link" href="${p.url.replace(SITE_URL, '/')}">
              ${esc(p.title)}
            </a>
          </h3><p>${esc(p.excerpt)}</p></li>`)
    .join('\n');
  const nav = `<div class="pagination">${page > 0 ? `<a class="previous" href="${href(page - 1)}">Newer</a>` : ''} <span class="page_number">Page ${page + 1} of ${pages}</span> ${page + 1 < pages ? `<a class="next" href="${href(page + 1)}">Older</a>` : ''}</div>`;
  return `${head(title, url, 'Short summaries of papers I read, with links to the sources.', '<meta property="og:type" content="website" />\n')}<main class="page-content" aria-label="Content">
      <div class="wrapper">
        <div class="home"><h2 class="post-list-heading">${esc(title)}</h2>
        <ul class="post-list">${items}</ul>
        ${nav}
        </div>
      </div>
    </main>${FOOTER}`;
}

function simplePage(title: string, body: string): string {
  const url = `${SITE_URL}${title === 'About' ? 'about/' : '404.html'}`;
  return `${head(title, url, 'Short summaries of papers I read, with links to the sources.', '')}<main class="page-content" aria-label="Content">
      <div class="wrapper"><article class="post"><header class="post-header"><h1 class="post-title">${esc(title)}</h1></header><div class="post-content">${body}</div></article></div>
    </main>${FOOTER}`;
}

function feedItem(info: PostInfo, content: string): string {
  return `<item><title>${esc(info.title)}</title><link>${info.url}</link><guid isPermaLink="true">${info.url}</guid><pubDate>${info.date.toUTCString()}</pubDate><description>${esc(info.excerpt)}</description><content:encoded><![CDATA[${content}]]></content:encoded></item>`;
}
