// Property tests: whatever a page holds, reading it never throws, feeding it in any chunks gives
// the same facts, and what comes out as links is always absolute http(s) without fragments.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPageReader } from '../src/site/page.ts';
import { classify } from '../src/site/classify.ts';
import { buildPost, type SiteContext } from '../src/site/post.ts';
import { scanSite, type ScannedPage } from '../src/site/index.ts';

const noHints = { postSelector: null, contentSelector: null };
const siteCtx: SiteContext = {
  siteBase: new URL('https://own.example/'),
  homeBase: null,
  blogName: null,
  homeTitle: null,
  homeDescription: null,
};

const TAGS = ['html', 'head', 'body', 'main', 'article', 'div', 'p', 'a', 'nav', 'header', 'footer', 'aside', 'ul', 'ol', 'li',
  'time', 'h1', 'title', 'meta', 'link', 'base', 'script', 'style', 'blockquote', 'svg', 'br', 'img', 'template', 'table', 'td'];
const ATTRS: fc.Arbitrary<string>[] = [
  fc.constantFrom('class="e-content"', 'class="post-content"', 'class="h-entry"', 'class="post-list"', 'class="share-buttons"',
    'class="dt-published"', 'role="main"', 'rel="nofollow"', 'rel="tag"', 'itemscope', 'itemtype="https://schema.org/BlogPosting"',
    'property="og:type" content="article"', 'property="article:published_time" content="2024-01-01"', 'datetime="2024-02-30"',
    'datetime="2024-01-05T10:00:00Z"', 'http-equiv="refresh" content="0"', 'rel="canonical" href="/c"', 'type="application/ld+json"',
    'href="http://[::1"', 'href="javascript:x"', 'href="#f"', 'href="//proto.example/x"', 'href="https://bücher.example/"',
    'href="https://a.example/#x"', 'href="../../up"', 'href=""'),
  fc.string().map((v) => `href="${v.replace(/"/g, '')}"`),
  fc.string().map((v) => `class='${v.replace(/'/g, '')}'`),
];
const token = fc.oneof(
  fc.tuple(fc.constantFrom(...TAGS), fc.array(fc.oneof(...ATTRS), { maxLength: 3 })).map(([t, a]) => `<${t} ${a.join(' ')}>`),
  fc.constantFrom(...TAGS).map((t) => `</${t}>`),
  fc.string(),
  fc.constantFrom('&amp;', '&#x1F600;', '&bogus;', '<!--', '-->', '<![CDATA[', '<', '>', '"', '{"@type":"BlogPosting","datePublished":"2020-01-01"}'),
);
const href = fc.oneof(
  fc.webUrl({ withFragments: true, withQueryParameters: true }),
  fc.constantFrom('http://[::1', 'mailto:a@b', 'tel:1', '#x', '/own/path', 'https://own.example/x', 'HTTPS://UPPER.example/Á', ' https://sp.example/ '),
  fc.string(),
);
const link = href.map((h) => `<a href="${h.replace(/"/g, '&quot;')}">l</a>`);
const tokens = fc.array(fc.oneof(token, link, link), { maxLength: 60 }).map((t) => t.join(''));
// Most generated pages get a date, so that posts (and their links) are exercised, not just rejects.
const dated = fc.tuple(fc.constantFrom('', '<meta property="article:published_time" content="2024-01-01">', '<time datetime="2023-03-03">'), tokens).map(([d, t]) => d + t);
const htmlish = fc.oneof(dated, dated, fc.string({ unit: 'grapheme', maxLength: 300 }));

function readAll(chunks: string[]) {
  const reader = createPageReader(noHints);
  for (const c of chunks) reader.write(c);
  return reader.end();
}

test('reading, classifying and building never throw; chunking does not change the facts', () => {
  fc.assert(
    fc.property(htmlish, fc.array(fc.nat(), { maxLength: 5 }), fc.boolean(), (html, cuts, undated) => {
      const whole = readAll([html]);
      const points = [...new Set(cuts.map((c) => c % (html.length + 1)))].sort((a, b) => a - b);
      const chunks = [0, ...points, html.length].slice(1).map((end, i, arr) => html.slice(i === 0 ? 0 : arr[i - 1], end));
      assert.deepEqual(readAll(chunks), whole);
      const verdict = classify(whole, 'p/index.html', { includeUndated: undated, postSelector: false });
      if (verdict.kind !== 'post') return;
      const built = buildPost(whole, 'p/index.html', 'h', verdict.published, siteCtx);
      assert.ok(!('error' in built));
      const { links, excerpt } = built.post;
      assert.equal(new Set(links).size, links.length);
      for (const l of links) {
        const u = new URL(l);
        assert.ok(u.protocol === 'https:' || u.protocol === 'http:', l);
        assert.equal(u.hash, '');
        assert.notEqual(u.hostname, 'own.example');
      }
      assert.ok(Array.from(excerpt).length <= 300);
    }),
    { numRuns: 400 },
  );
});

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('scanSite on arbitrary bytes named .html yields one page per file and never throws', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(htmlish.map((s) => Buffer.from(s)), fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a))), { minLength: 1, maxLength: 4 }), async (files) => {
      const root = await mkdtemp(join(tmpdir(), 'linkback-fuzz-'));
      dirs.push(root);
      await Promise.all(files.map((body, i) => writeFile(join(root, `f${i}.html`), body)));
      const pages: ScannedPage[] = [];
      for await (const p of scanSite(root, { siteUrl: 'https://own.example/', blogName: null }, { onWarning: () => {} })) pages.push(p);
      assert.deepEqual(pages.map((p) => p.file), files.map((_, i) => `f${i}.html`));
      for (const p of pages) assert.notEqual(p.kind, 'error', JSON.stringify(p));
    }),
    { numRuns: 40 },
  );
});
