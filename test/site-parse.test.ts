// The page reader's shortcuts taken for speed (./src/site/page.ts): each must give what the long way gives.
// (Its element events, built from htmlparser2's Tokenizer, are held against htmlparser2's Parser in
// test/site-elements.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classify } from '../src/site/classify.ts';
import { collapseWhitespace, cutExcerpt } from '../src/site/excerpt.ts';
import { createPageReader } from '../src/site/page.ts';
import { buildPost } from '../src/site/post.ts';
import type { Hints } from '../src/site/regions.ts';
import { parseSelector } from '../src/site/selector.ts';

const noHints: Hints = { postSelector: null, contentSelector: null };
const read = (html: string, hints: Hints = noHints) => {
  const reader = createPageReader(hints);
  reader.write(html);
  return reader.end();
};
const hrefs = (html: string) => read(html).links.map((l) => l.href);

test('reader: the first of two same-named attributes counts, as in browsers', () => {
  assert.deepEqual(hrefs('<body><a href="https://first.example/" href="https://second.example/">x</a></body>'), ['https://first.example/']);
  assert.equal(read('<div class="e-content" class="nav"><p>Text</p></div>').regions.content.present, 1);
});

test('reader: an ignored second <form> lends its attributes to no other element', () => {
  // htmlparser2 (like browsers) drops a <form> inside a form; its class must not land on the <div> before it.
  const facts = read('<form><div><form class="e-content"><p>In</p></form></div></form>');
  assert.equal(facts.regions.content.present, 0);
});

test('reader: a start tag cut off by the end of the page is not an element; a complete one is', () => {
  assert.deepEqual(hrefs('<p>x <a href="https://cut.example/"'), []);
  assert.deepEqual(hrefs('<p>x <a href="https://cut.example/" '), []);
  assert.deepEqual(hrefs('<p>x <a href="https://whole.example/">'), ['https://whole.example/']);
  assert.deepEqual(hrefs('<p>x <area href="https://void.example/">'), ['https://void.example/']);
});

test('reader: elements htmlparser2 opens itself (</p> alone, </br>) are elements', () => {
  // A lone </p> is an empty paragraph; </br> is a <br>: neither starts a region or swallows a link.
  const facts = read('<main></p><a href="https://a.example/">a</a></br><a href="https://b.example/">b</a></main>');
  assert.deepEqual(facts.links.map((l) => l.href), ['https://a.example/', 'https://b.example/']);
  assert.equal(facts.regions.main.present, 1);
});

test('reader: selector hints see the attributes they name', () => {
  const hints = { postSelector: parseSelector('section[data-post]'), contentSelector: parseSelector('div[data-body=main]') };
  const facts = read('<section data-post><div data-body="main"><p>P</p></div><div data-body="side"></div></section>', hints);
  assert.equal(facts.counts.postSelector, 1);
  assert.equal(facts.regions.contentSelector.present, 1);
  assert.equal(read('<section data-other><div data-body="side"></div></section>', hints).counts.postSelector, 0);
});

test('reader: paragraphs are kept as read, and the excerpt collapses them', () => {
  const page = '<html><head><meta property="article:published_time" content="2024-01-01"></head><body><article>' +
    '<p> \n </p><p>\n  First   words\tof the post\n</p></article></body></html>';
  const facts = read(page);
  assert.equal(facts.regions.article.paragraph, '\n  First   words\tof the post\n');
  const verdict = classify(facts, 'a/index.html', { includeUndated: false, postSelector: false });
  assert.equal(verdict.kind, 'post');
  const site = { siteBase: new URL('https://s.example/'), homeBase: null, blogName: null, homeTitle: null, homeDescription: null };
  const built = buildPost(facts, 'a/index.html', 'h', '2024-01-01', site);
  assert.ok('post' in built);
  assert.equal(built.post.excerpt, 'First words of the post');
});

test('reader: JSON-LD decides when og:type and article:published_time do not', () => {
  const ld = '<script type="application/ld+json">{"@type":"BlogPosting","datePublished":"2021-05-06"}</script>';
  const opts = { includeUndated: false, postSelector: false };
  const fromLd = classify(read(`<html><head>${ld}</head><body><ul class="post-list"><li>x</li></ul></body></html>`), 'p.html', opts);
  // The JSON-LD type overrides the post-list marker, and its date is the post's.
  assert.deepEqual(fromLd, { kind: 'post', reason: 'JSON-LD BlogPosting + JSON-LD datePublished', published: '2021-05-06' });
  const meta = '<meta property="og:type" content="article"><meta property="article:published_time" content="2022-01-02">';
  const both = classify(read(`<html><head>${meta}${ld}</head><body><p>x</p></body></html>`), 'p.html', opts);
  assert.deepEqual(both, { kind: 'post', reason: 'og:type=article + article:published_time', published: '2022-01-02' });
});

test('collapseWhitespace: the no-op shortcut gives what replace + trim gives', () => {
  const text = fc.array(fc.constantFrom('a', 'b', ' ', '  ', '\n', '\t', '\u00a0', '\u2028', '\ufeff', 'é', '😀'), { maxLength: 30 }).map((a) => a.join(''));
  fc.assert(
    fc.property(fc.oneof(text, fc.string()), (t) => {
      assert.equal(collapseWhitespace(t), t.replace(/\s+/g, ' ').trim());
    }),
    { numRuns: 2000 },
  );
});

test('cutExcerpt: at most 300 code points, also for texts of 300 UTF-16 units or fewer', () => {
  const short = '😀'.repeat(150);
  assert.equal(cutExcerpt(short), short);
  assert.equal(Array.from(cutExcerpt('😀'.repeat(301))).length, 300);
});

test('an href starting with http(s):// resolves the same with or without a base (post.ts skips the base)', () => {
  const bases = ['https://site.example/a/b.html', 'http://other.example/'];
  fc.assert(
    fc.property(fc.webUrl({ withFragments: true, withQueryParameters: true }), fc.constantFrom(...bases), fc.string(), (url, base, tail) => {
      for (const href of [url, url + tail, url.toUpperCase()]) {
        if (!/^https?:\/\//i.test(href)) continue;
        const alone = URL.canParse(href) ? new URL(href).href : null;
        const based = URL.canParse(href, base) ? new URL(href, base).href : null;
        assert.equal(alone, based, href);
      }
    }),
    { numRuns: 1000 },
  );
});
