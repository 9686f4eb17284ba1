// The content text hash (src/site/text-hash.ts, gathered by the page reader in its one pass): what is in it (the
// words of the post's content, whitespace-normalised), what is not (chrome, the post's own header and footer,
// scripts, comments, markup), and that it does not depend on how the page was cut into text nodes or chunks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTextHashes } from '../src/site/text-hash.ts';
import { createPageReader } from '../src/site/page.ts';
import { contentRegion } from '../src/site/post.ts';

const NO_HINTS = { postSelector: null, contentSelector: null };

/** The hash of `text` given to one region in one piece. */
function hashOf(text: string): string {
  const h = createTextHashes(1);
  h.text(text, 0, text.length, 1);
  return h.digest(0);
}

/** The content hash of a page, written in chunks of `chunk` characters. */
function contentHash(html: string, chunk = html.length): string {
  const reader = createPageReader(NO_HINTS);
  for (let i = 0; i < html.length; i += chunk) reader.write(html.slice(i, i + chunk));
  const facts = reader.end();
  return facts.regions[contentRegion(facts)].text;
}

const page = (content: string, around = { header: 'Blog', footer: 'Built T1', related: 'Other post' }) =>
  `<!doctype html><html><head><title>Post | Blog</title><script>var x = 1;</script></head><body>
<header class="site-header"><a href="/">${around.header}</a><nav><a href="/about/">About</a></nav></header>
<main><article class="post"><header><h1>Post</h1><time datetime="2024-01-01">1 January</time></header>
<div class="post-content">${content}</div>
<footer><a rel="tag" href="/tags/x/">x</a> Updated ${around.footer}</footer></article>
<aside class="related">${around.related}</aside></main>
<footer class="site-footer">${around.footer}</footer></body></html>`;

test('text hash: words joined by single spaces, the same whatever the text nodes were', () => {
  assert.equal(hashOf('  one\n\ttwo   three '), hashOf('one two three'));
  assert.notEqual(hashOf('one two three'), hashOf('one two thre'));
  assert.notEqual(hashOf('one two three'), hashOf('onetwo three'));
  assert.notEqual(hashOf('ab'), hashOf('ba'));
  assert.equal(hashOf('x\u00a0\u2003y'), hashOf('x y'), 'Unicode spaces are whitespace, as \\s has them');
  assert.match(hashOf('one two'), /^[0-9a-f]{16}-7$/);

  // Any cut of a text into nodes, with any whitespace at the cuts, hashes as the text does.
  const words = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit; ünïcödé 😀 and “quotes”.'.split(' ');
  const whole = hashOf(words.join(' '));
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 200; round++) {
    const h = createTextHashes(1);
    let pending = '';
    for (const [i, word] of words.entries()) {
      // Cut inside the word sometimes (two nodes, no space between: "caf" + "é" of an entity).
      const cut = Math.floor(random() * (word.length + 1));
      const space = i === 0 ? (random() < 0.5 ? ' \n' : '') : ' '.repeat(1 + Math.floor(random() * 3));
      pending += space + word.slice(0, cut);
      h.text(pending, 0, pending.length, 1);
      pending = word.slice(cut);
      if (cut === word.length && random() < 0.3) h.text('  ', 0, 2, 1); // whitespace-only nodes between words
    }
    h.text(`${pending}\n`, 0, pending.length + 1, 1);
    assert.equal(h.digest(0), whole, `round ${round}`);
  }
});

test('text hash: an element edge that is not inline separates words; inline elements do not', () => {
  assert.equal(contentHash(page('<p>one</p><p>two</p>')), contentHash(page('<p>one</p>\n  <p>two</p>')), 'minified or not');
  assert.equal(contentHash(page('<p>one<br>two</p>')), contentHash(page('<p>one two</p>')));
  assert.equal(contentHash(page('<p>a <a href="http://x.example/">link</a>, here</p>')), contentHash(page('<p>a link, here</p>')), 'a link taken away');
  assert.equal(contentHash(page('<p>some <em>stress</em> and <code>code</code></p>')), contentHash(page('<p>some stress and code</p>')));
  assert.notEqual(contentHash(page('<p>one</p><p>two</p>')), contentHash(page('<p>onetwo</p>')));
});

test('content text: the post\'s words are in it, the page around it is not', () => {
  const original = contentHash(page('<p>First paragraph.</p><p>Second paragraph.</p>'));
  const around = { header: 'Blog, renamed', footer: 'Built T2', related: 'Another post' };
  assert.equal(contentHash(page('<p>First paragraph.</p><p>Second paragraph.</p>', around)), original, 'site header, footer, related posts, the post\'s own footer');
  assert.equal(contentHash(page('<p>First paragraph.</p><!-- build 2 --><script>var build = 2;</script><style>p{}</style><p>Second paragraph.</p>')), original, 'comments, scripts, styles');
  assert.equal(contentHash(page('<p>First paragraph.</p><p>Second paragraph.</p><ul class="post-tags"><li>tag</li></ul><nav class="post-nav">Next</nav>')), original, 'tag lists and prev/next');
  assert.notEqual(contentHash(page('<p>First paragraph.</p><p>Second paragraph, edited.</p>')), original, 'an edit below the first paragraph');
  assert.notEqual(contentHash(page('<p>First paragraph.</p><p>Second paragraph.</p><blockquote><p>A quote</p><footer>Someone</footer></blockquote>')), original, 'a quote and its attribution are content');
  assert.notEqual(contentHash(page('<p>First paragraph.</p><p>Second paragraph.</p><pre><code>x = 1</code></pre>')), original, 'code blocks are content');
});

test('content text: the same for a page read whole and in chunks of any size (entities and words cut across chunks)', () => {
  const html = page('<p>Caf&eacute; &amp; cr&egrave;me, <a href="https://x.example/">a   link</a>\n and more&nbsp;text.</p>' +
    '<ul><li>one</li><li>two <b>bold</b></li></ul><table><tr><td>a</td><td>b</td></tr></table>'.repeat(20));
  const whole = contentHash(html);
  for (const size of [1, 2, 3, 7, 64, 1000]) assert.equal(contentHash(html, size), whole, `chunks of ${size}`);
  assert.equal(contentHash(html), contentHash(html.replace('&eacute;', 'é').replace('&nbsp;', ' ')), 'entities are their characters');
});

test('content text: each region has its own; a page without a content container uses its article', () => {
  const html = (body: string) => `<html><body><header>Site</header><article><h1>T</h1><p>${body}</p></article><footer>Built X</footer></body></html>`;
  const reader = createPageReader(NO_HINTS);
  reader.write(html('Words of the post.'));
  const facts = reader.end();
  assert.equal(contentRegion(facts), 'article');
  assert.equal(facts.regions.article.text, hashOf('T Words of the post.'), 'an h1 outside the post\'s header is text of the post');
  assert.equal(facts.regions.body.text, hashOf('T Words of the post.'), 'the site header and footer are chrome everywhere');
});
