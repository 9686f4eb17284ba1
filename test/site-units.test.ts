// The pure pieces of the site reader: dates, excerpts, URL mapping, selectors, charset sniffing,
// JSON-LD and classification.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeDate } from '../src/site/dates.ts';
import { cutExcerpt, collapseWhitespace } from '../src/site/excerpt.ts';
import { servedPath, urlForFile, siteBase, baseFromHomeUrl, parseHttp } from '../src/site/urls.ts';
import { parseSelector, matches, SelectorError } from '../src/site/selector.ts';
import { sniff, metaCharset } from '../src/site/charset.ts';
import { NOT_UTF8_WARNING, decodePage } from '../src/site/decode.ts';
import { readJsonLd } from '../src/site/jsonld.ts';
import { createPageReader } from '../src/site/page.ts';
import { classify } from '../src/site/classify.ts';

const noHints = { postSelector: null, contentSelector: null };
const read = (html: string) => {
  const r = createPageReader(noHints);
  r.write(html);
  return r.end();
};

test('dates: ISO shapes accepted and normalised, zero dates and nonsense refused', () => {
  assert.equal(normalizeDate('2024-01-05'), '2024-01-05');
  assert.equal(normalizeDate(' 2024-01-05 10:00:00 +0000 '), '2024-01-05T10:00:00+00:00');
  assert.equal(normalizeDate('2024-01-05T10:00+0530'), '2024-01-05T10:00+05:30');
  assert.equal(normalizeDate('2024-01-05T10:00:00.123-08'), '2024-01-05T10:00:00.123-08:00');
  assert.equal(normalizeDate('2024-01-05T10:00:00z'), '2024-01-05T10:00:00Z');
  assert.equal(normalizeDate('2024-02-29'), '2024-02-29');
  assert.equal(normalizeDate('2023-02-29'), null);
  assert.equal(normalizeDate('0001-01-01T00:00:00Z'), null, "Hugo's zero date is no date");
  assert.equal(normalizeDate('2024-13-01'), null);
  assert.equal(normalizeDate('10:00'), null);
  assert.equal(normalizeDate('January 5, 2024'), null);
  assert.equal(normalizeDate(undefined), null);
});

test('excerpt: whitespace collapsed, cut on a word at 300 characters with an ellipsis', () => {
  assert.equal(collapseWhitespace('  a\n\t b  '), 'a b');
  const words = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' ');
  const cut = cutExcerpt(words);
  assert.ok(Array.from(cut).length <= 300);
  assert.ok(cut.endsWith('…'));
  const body = cut.slice(0, -1);
  assert.ok(words.startsWith(body) && words[body.length] === ' ', 'cut falls on a word boundary');
  assert.equal(cutExcerpt('short text'), 'short text');
  const exactly300 = 'x'.repeat(300);
  assert.equal(cutExcerpt(exactly300), exactly300);
  // One long word: cut mid-word, still at most 300.
  assert.equal(cutExcerpt('y'.repeat(400)), 'y'.repeat(299) + '…');
  // Astral characters count as one and are never split.
  const emoji = '😀'.repeat(400);
  const e = cutExcerpt(emoji);
  assert.equal(Array.from(e).length, 300);
  assert.ok(!e.includes('\ufffd'));
  assert.ok(/^(😀)+…$/u.test(e));
});

test('urls: served paths, base handling, http(s) only', () => {
  assert.equal(servedPath('index.html'), '');
  assert.equal(servedPath('a/b/index.html'), 'a/b/');
  assert.equal(servedPath('a/index.htm'), 'a/');
  assert.equal(servedPath('foo.html'), 'foo.html');
  assert.equal(servedPath('über uns/a#b.html'), '%C3%BCber%20uns/a%23b.html');
  const base = siteBase('https://example.org/blog');
  assert.ok(base);
  assert.equal(base.href, 'https://example.org/blog/');
  assert.equal(urlForFile(base, 'posts/x/index.html'), 'https://example.org/blog/posts/x/');
  assert.equal(urlForFile(base, 'foo.html'), 'https://example.org/blog/foo.html');
  assert.equal(siteBase('ftp://example.org/'), null);
  assert.equal(siteBase('not a url'), null);
  assert.equal(baseFromHomeUrl('https://example.org/sub/index.html')?.href, 'https://example.org/sub/');
  assert.equal(parseHttp('http://[::1'), null);
  assert.equal(parseHttp('javascript:alert(1)'), null);
  assert.equal(parseHttp('https://bücher.example/a#x')?.href, 'https://xn--bcher-kva.example/a');
});

test('selector subset: tag, class, id, attributes, lists; combinators refused', () => {
  const s = parseSelector('div.post.body, #main, [data-post], section[role="article"]');
  assert.ok(matches(s, 'div', { class: 'x post body' }));
  assert.ok(!matches(s, 'div', { class: 'post' }));
  assert.ok(!matches(s, 'span', { class: 'post body' }));
  assert.ok(matches(s, 'span', { id: 'main' }));
  assert.ok(matches(s, 'p', { 'data-post': '' }));
  assert.ok(matches(s, 'section', { role: 'article' }));
  assert.ok(!matches(s, 'section', { role: 'main' }));
  for (const bad of ['div p', 'div > p', 'a:hover', '', 'a,,b', '.']) {
    assert.throws(() => parseSelector(bad), SelectorError, bad);
  }
});

test('charset sniffing: BOM, meta charset, binary', () => {
  const enc = (s: string) => Buffer.from(s, 'latin1');
  assert.deepEqual(sniff(enc('<html>')), { kind: 'text', encoding: 'utf-8', declared: false });
  assert.deepEqual(sniff(Buffer.from([0xef, 0xbb, 0xbf, 0x3c])), { kind: 'text', encoding: 'utf-8', declared: true });
  assert.deepEqual(sniff(Buffer.from([0xff, 0xfe, 0x3c, 0x00])), { kind: 'text', encoding: 'utf-16le', declared: true });
  assert.equal(metaCharset(enc('<meta charset="ISO-8859-1">')), 'iso-8859-1');
  assert.equal(metaCharset(enc('<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">')), 'shift_jis');
  assert.equal(metaCharset(enc('<meta charset="utf-16">')), 'utf-8');
  assert.equal(metaCharset(enc('<meta charset="no-such-charset">')), null);
  assert.equal(sniff(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d])).kind, 'binary');
  assert.equal(sniff(Buffer.from('<html>\0\0')).kind, 'binary');
  // Asked again (a label found usable is remembered): the same answers.
  assert.equal(metaCharset(enc('<meta charset="ISO-8859-1">')), 'iso-8859-1');
  assert.equal(metaCharset(enc('<meta charset="no-such-charset">')), null);
  assert.equal(metaCharset(enc('<meta charset="no-such-charset"><meta charset="utf-8">')), 'utf-8');
});

test('decoding pages one after another: each page is read afresh, whatever the page before left behind', () => {
  const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
  // A byte-order mark is dropped on every page, not only the first.
  for (let i = 0; i < 2; i++) assert.deepEqual(decodePage(bytes([0xef, 0xbb, 0xbf], 'Ok'), 'utf-8', true), { text: 'Ok', warning: null });
  // A page cut off inside a character ends with U+FFFD; the next page does not start with the rest of it.
  assert.equal(decodePage(bytes('A', [0xe2, 0x82]), 'utf-8', true).text, 'A\ufffd');
  assert.equal(decodePage(bytes([0xac], 'B'), 'utf-8', true).text, '\ufffdB');
  // Undeclared and not UTF-8 (the strict read fails mid-page): windows-1252, then the next page strictly again.
  assert.deepEqual(decodePage(bytes('Caf', [0xe9, 0x20, 0x93, 0x71, 0x94, 0xe2, 0x82]), 'utf-8', false), { text: 'Caf\u00e9 \u201cq\u201d\u00e2\u201a', warning: NOT_UTF8_WARNING });
  assert.deepEqual(decodePage(bytes([0x82, 0xac], 'x'), 'utf-8', false).warning, NOT_UTF8_WARNING);
  assert.deepEqual(decodePage(bytes('Caf\u00e9 \u20ac'), 'utf-8', false), { text: 'Caf\u00e9 \u20ac', warning: null });
  assert.deepEqual(decodePage(bytes([0x93, 0x71, 0x94]), 'windows-1252', true), { text: '\u201cq\u201d', warning: null });
});

test('JSON-LD: article types and datePublished, @graph, bad JSON ignored', () => {
  const graph = readJsonLd(JSON.stringify({ '@graph': [{ '@type': 'WebPage', datePublished: '2020-01-01' }, { '@type': ['BlogPosting'], datePublished: '2021-02-03' }] }));
  assert.deepEqual(graph, { articleTypes: ['BlogPosting'], datePublished: '2021-02-03' });
  assert.deepEqual(readJsonLd('{not json'), { articleTypes: [], datePublished: null });
  assert.equal(readJsonLd(JSON.stringify({ '@type': 'NewsArticle', datePublished: '0001-01-01T00:00:00Z' })).datePublished, null);
});

test('classify: reasons people can read', () => {
  const opts = { includeUndated: false, postSelector: false };
  assert.deepEqual(classify(read('<article><time datetime="2024-01-01"></time></article><article></article>'), 'x.html', opts), {
    kind: 'listing',
    reason: '2 <article> elements: listing',
  });
  assert.deepEqual(classify(read('<meta property="og:type" content="article"><main><time datetime="2024-01-01">x</time></main>'), 'x.html', opts), {
    kind: 'post',
    reason: 'og:type=article + <time datetime>',
    published: '2024-01-01',
  });
  assert.deepEqual(classify(read('<ul><li><time datetime="2024-01-01"></time></li><li><time datetime="2024-01-02"></time></li></ul>'), 'x.html', opts), {
    kind: 'listing',
    reason: '2 list items with <time>: listing',
  });
  assert.deepEqual(classify(read('<main><h1>About</h1></main>'), 'x.html', opts), { kind: 'other', reason: 'no publication date' });
  assert.equal(classify(read('<main><h1>About</h1></main>'), 'x.html', { ...opts, includeUndated: true }).kind, 'post');
  assert.equal(classify(read('<title>Not found</title><meta name="robots" content="noindex"><time datetime="2024-01-01">'), 'x.html', opts).kind, 'other');
  // Dates in the site's chrome (a footer, a sidebar) are not the post's.
  assert.equal(classify(read('<main><h1>A</h1></main><footer><time datetime="2024-01-01">2024</time></footer>'), 'x.html', opts).kind, 'other');
  assert.equal(classify(read('<main><h1>A</h1></main><aside><time datetime="2024-01-01">x</time></aside>'), 'x.html', opts).kind, 'other');
});

test('page reader: the parser is fed in pieces and gives the same facts', () => {
  const html = '<html><head><title>T&amp;t</title><meta property="og:type" content="article"></head><body><article><div class="e-content"><p>Hello <a href="https://a.example/">a</a> world</p></div></article></body></html>';
  const whole = read(html);
  const r = createPageReader(noHints);
  for (const ch of html) r.write(ch);
  assert.deepEqual(r.end(), whole);
  assert.equal(whole.title, 'T&t');
  assert.equal(whole.regions.content.paragraph, 'Hello a world');
});
