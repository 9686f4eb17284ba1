// Property tests for the shortcuts around the URL parser (parsing is much of the time spent per link): where a
// URL is cut or read as text instead of parsed, the answer must be the parser's. parseHttp is compared with
// what it is defined as; the other shortcuts with the same input in a form they leave to the parser (a leading
// space, an upper-case scheme: the parser ignores both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseHttp } from '../src/site/urls.ts';
import { createPageReader } from '../src/site/page.ts';
import { buildPost, type SiteContext } from '../src/site/post.ts';
import { arxivId } from '../src/targets/arxiv.ts';

/** Pieces of URLs, the awkward ones included: what the parser drops, trims, decodes or resolves. */
const PIECES = [
  'http://', 'https://', 'HTTP://', 'https:', '//', '/', '\\', '#', '#x', '?', '?q=1', '.', '..', '%2e', '%2E', '@', ':', ':8080', ':443',
  ' ', '\t', '\n', '\u0001', 'a', 'own.example', 'other.example', 'arxiv.org', 'doi.org', 'ü', 'mailto:', 'x/', 'abs', '2101.00001',
];
const urlish = fc.array(fc.constantFrom(...PIECES), { maxLength: 10 }).map((parts) => parts.join(''));
const base = fc.constantFrom(undefined, 'https://own.example/a/b?q#f', new URL('http://own.example/dir/'));

test('parseHttp gives what the URL parser gives, fragment removed, for any text and base', () => {
  fc.assert(
    fc.property(fc.oneof(urlish, fc.string(), fc.webUrl({ withFragments: true, withQueryParameters: true })), base, (raw, from) => {
      let expected: string | null = null;
      try {
        const url = new URL(raw, from);
        url.hash = '';
        if (url.protocol === 'http:' || url.protocol === 'https:') expected = url.href;
      } catch {
        expected = null;
      }
      assert.equal(parseHttp(raw, from)?.href ?? null, expected, JSON.stringify([raw, String(from)]));
    }),
    { numRuns: 5000 },
  );
});

const site: SiteContext = { siteBase: new URL('https://own.example/'), homeBase: null, blogName: null, homeTitle: null, homeDescription: null };
const href = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('', '/', '//', '/\\', '\\', '/\t/', '/\n', '#', '?', ' /', 'https:', 'https:/', 'https://', 'http://'),
      fc.constantFrom('', 'own.example', 'other.example', 'x'),
      fc.constantFrom('', '/', '/x', '#fn:1', '?q', '/../y', ':1/z'),
    )
    .map((parts) => parts.join('')),
  fc.webUrl({ withFragments: true }),
);
const attribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;');

test('a post\'s links and URL are the same whether or not its hrefs are left to the URL parser', () => {
  fc.assert(
    fc.property(
      fc.array(href, { maxLength: 8 }),
      fc.constantFrom('', 'https://other.example/dir/', '/sub/', 'https://own.example/sub/'),
      fc.constantFrom('', '/p/', 'https://own.example/c/', 'https://other.example/c/', 'https://own.example/c/#x', 'https:/c/', 'HTTPS://own.example/C/'),
      (hrefs, baseHref, canonical) => {
        const head = `${baseHref === '' ? '' : `<base href="${baseHref}">`}${canonical === '' ? '' : `<link rel="canonical" href="${canonical}">`}`;
        const links = hrefs.map((h) => `<a href="${attribute(h)}">l</a>`).join(' ');
        const reader = createPageReader({ postSelector: null, contentSelector: null });
        reader.write(`<html><head>${head}</head><body><article><p>${links}</p></article></body></html>`);
        const facts = reader.end();
        // A leading space: the parser trims it; the shortcuts (an own link from the root, an absolute URL) do not apply.
        const spaced = {
          ...facts,
          links: facts.links.map((l) => ({ ...l, href: ` ${l.href}` })),
          meta: { ...facts.meta, canonical: facts.meta.canonical === null ? null : ` ${facts.meta.canonical}` },
        };
        const plain = buildPost(facts, 'p/index.html', 'h', null, site);
        const parsed = buildPost(spaced, 'p/index.html', 'h', null, site);
        assert.ok('post' in plain && 'post' in parsed);
        assert.deepEqual(plain.post.links, parsed.post.links);
        assert.equal(plain.post.url, parsed.post.url);
      },
    ),
    { numRuns: 3000 },
  );
});

const arxivish = fc
  .tuple(
    fc.constantFrom('http://', 'https://'),
    fc.constantFrom('arxiv.org', 'www.arxiv.org', 'export.arxiv.org', 'doi.org', 'dx.doi.org', 'arxiv.org.', 'xarxiv.org', 'a@arxiv.org',
      'arxiv.org@a', 'arxiv.org:443', 'arxiv.org:8080', 'arxiv.org\\a', 'other.example'),
    fc.array(fc.constantFrom('abs', 'pdf', 'html', 'format', 'ps', '10.48550', 'arXiv.2101.00001', '2101.00001', '2101.00001v2',
      '2101.00001.pdf', 'hep-th', '9901001', 'math.GT', '.', '..', '%2e', '%2E.', '', 'A', ' ', '\t'), { maxLength: 5 }),
    fc.constantFrom('', '/', '?x', '#y', ' ', '.pdf', '/..'),
  )
  .map(([scheme, host, segments, end]) => `${scheme}${host}${segments.map((s) => `/${s}`).join('')}${end}`);
/** A paper's URL as the parser reads it, but not as written: dot segments (also encoded), a user name, a port. */
const ODD_PAPERS = [
  'https://arxiv.org/abs/./2101.00001', 'https://arxiv.org/abs/%2e/2101.00001', 'https://arxiv.org/abs/x/%2E%2E/2101.00001',
  'https://arxiv.org/html/2101.00001/../../abs/2202.00002', 'https://arxiv.org/abs/2101.00001/..', 'https://a@arxiv.org/abs/2101.00001',
  'https://arxiv.org:443/abs/2101.00001', 'https://arxiv.org\\abs\\2101.00001', 'https://doi.org/10.48550/arXiv.2101.00001/.',
];

test('arxivId reads a plainly written URL as the URL parser does (an upper-case scheme is always parsed)', () => {
  fc.assert(
    fc.property(fc.oneof(arxivish, urlish, fc.webUrl({ withFragments: true, withQueryParameters: true }), fc.constantFrom(...ODD_PAPERS)), (url) => {
      assert.equal(arxivId(url), arxivId(url.replace(/^http/, 'HTTP')), url);
    }),
    { numRuns: 10000 },
  );
});
