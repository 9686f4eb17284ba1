// Properties of the Link header parser and of discovery: total on arbitrary input (no throw,
// well-formed answers), and a valid Link header declaring a webmention endpoint is always found.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseLinkHeader, type LinkValue } from '../src/targets/link-header.ts';
import { discoverEndpoint, type Discovery } from '../src/targets/discover.ts';

const RUNS = { numRuns: 300 };

/** Strings made of the characters and words the parsers care about, so runs hit real structure. */
const structured = (pieces: string[]): fc.Arbitrary<string> => fc.string({ unit: fc.oneof(fc.constantFrom(...pieces), fc.string({ unit: 'binary', maxLength: 1 })), maxLength: 60 });
const linkish = structured(['<', '>', ';', ',', '"', '\\', '=', ' ', '\t', 'rel', 'REL', 'webmention', '/x', 'https://e.example/', 'title*', "UTF-8''%E2"]);
const htmlish = structured(['<', '>', '/', '<!--', '-->', '"', "'", '=', ' ', 'a', 'link', 'rel', 'href', 'webmention', 'pingback', '<code>', '&lt;', '&amp;', '<rdf:RDF', '</rdf:RDF>', 'dc:identifier=', 'https://e.example/p', 'trackback:ping=', '<script>', '<![CDATA[', '<meta charset=', 'shift_jis']);

function assertWellFormedLinks(links: LinkValue[]): void {
  for (const link of links) {
    assert.equal(typeof link.uri, 'string');
    // rel is split on the whitespace HTTP allows in a header (SP, HTAB; CR LF of old folded lines).
    for (const rel of link.rel) assert.match(rel, /^[^ \t\r\nA-Z]+$/);
    for (const [name, value] of Object.entries(link.params)) {
      assert.equal(name, name.toLowerCase());
      assert.equal(typeof value, 'string');
    }
    assert.deepEqual(link.rel, (link.params['rel'] ?? '').toLowerCase().split(/[ \t\r\n]/).filter(Boolean));
  }
}

function assertWellFormedDiscovery(found: Discovery): void {
  assert.ok(found.notes.length > 0 && found.notes.every((n) => typeof n === 'string' && n !== ''));
  if (found.endpoint === null) return;
  assert.ok(['webmention', 'pingback', 'trackback'].includes(found.endpoint.protocol));
  assert.match(new URL(found.endpoint.url).protocol, /^https?:$/);
  assert.equal(typeof found.endpoint.via, 'string');
}

test('parseLinkHeader never throws and returns well-formed links', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(linkish, fc.string({ unit: 'binary' })), { maxLength: 4 }), (values) => {
      assertWellFormedLinks(parseLinkHeader(values));
    }),
    RUNS,
  );
});

test('discoverEndpoint never throws on arbitrary bytes, headers and URLs', () => {
  const headers = fc.dictionary(fc.constantFrom('link', 'Link', 'x-pingback', 'content-type', 'x-other'), fc.array(fc.oneof(linkish, fc.string()), { maxLength: 3 }));
  const body = fc.oneof(fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)), htmlish.map((s) => Buffer.from(s)));
  const url = fc.oneof(fc.webUrl(), fc.string(), fc.constant('https://e.example/p'));
  fc.assert(
    fc.property(url, url, fc.integer({ min: -1, max: 600 }), headers, body, (targetUrl, finalUrl, status, hdrs, bytes) => {
      assertWellFormedDiscovery(discoverEndpoint({ targetUrl, finalUrl, status, headers: hdrs, body: bytes }));
    }),
    RUNS,
  );
});

test('discoverEndpoint never throws on markup-like pages', () => {
  fc.assert(
    fc.property(fc.array(htmlish, { maxLength: 20 }), fc.constantFrom(undefined, 'text/html', 'application/xhtml+xml', 'text/html; charset=shift_jis'), (parts, type) => {
      const headers: Record<string, string[]> = type === undefined ? {} : { 'content-type': [type] };
      assertWellFormedDiscovery(discoverEndpoint({ targetUrl: 'https://e.example/p', finalUrl: 'https://e.example/p', status: 200, headers, body: Buffer.from(parts.join('')) }));
    }),
    RUNS,
  );
});

// --- A valid Link header with a webmention link is always found ---

interface GenLink {
  path: string;
  rels: string[];
  quoteRel: boolean;
  extra: [string, string][];
}

const token = fc.stringMatching(/^[a-z][a-z0-9.-]{0,8}$/);
const otherRel = fc.oneof(fc.constantFrom('other', 'preload', 'next', 'not-webmention', 'webmentions', 'alternate'), token).filter((r) => r !== 'webmention');
const mixCase = (s: string, mask: number): string => [...s].map((c, i) => ((mask >> i % 31) & 1 ? c.toUpperCase() : c)).join('');
const genLink = (withWebmention: boolean): fc.Arbitrary<GenLink> =>
  fc
    .record({
      path: fc.stringMatching(/^[a-z0-9]{1,10}$/),
      others: fc.array(otherRel, { maxLength: 3 }),
      at: fc.nat(),
      mask: fc.nat(),
      quoteRel: fc.boolean(),
      extra: fc.array(fc.tuple(fc.constantFrom('title', 'type', 'hreflang', 'media'), fc.string({ maxLength: 12 })), { maxLength: 2 }),
    })
    .map(({ path, others, at, mask, quoteRel, extra }) => {
      const rels = [...others];
      if (withWebmention) rels.splice(at % (rels.length + 1), 0, mixCase('webmention', mask));
      if (rels.length === 0) rels.push('other');
      return { path, rels, quoteRel: quoteRel || rels.length > 1, extra };
    });

const quote = (s: string): string => `"${s.replace(/["\\]/g, '\\$&')}"`;
const serialize = (l: GenLink, ows: string): string =>
  [`<https://e.example/${l.path}>`, ...l.extra.map(([n, v]) => `${n}${ows}=${ows}${quote(v)}`), `rel=${l.quoteRel ? quote(l.rels.join(' ')) : l.rels.join(' ')}`].join(`${ows};${ows}`);

test('a valid Link header with a webmention link is always found, and it is the first such link', () => {
  fc.assert(
    fc.property(
      fc.array(genLink(false), { maxLength: 4 }),
      genLink(true),
      fc.array(fc.oneof(genLink(false), genLink(true)), { maxLength: 4 }),
      fc.constantFrom('', ' ', '  ', '\t'),
      fc.nat(),
      (before, wanted, after, ows, split) => {
        const all = [...before, wanted, ...after].map((l) => serialize(l, ows));
        // Spread the links over one to three header lines.
        const cut1 = split % (all.length + 1);
        const cut2 = Math.max(cut1, (split >> 3) % (all.length + 1));
        const values = [all.slice(0, cut1), all.slice(cut1, cut2), all.slice(cut2)].filter((v) => v.length > 0).map((v) => v.join(`${ows},${ows}`));
        assert.equal(parseLinkHeader(values).length, all.length);
        const found = discoverEndpoint({
          targetUrl: 'https://t.example/post',
          finalUrl: 'https://t.example/post',
          status: 200,
          headers: { link: values, 'content-type': ['text/html'] },
          body: Buffer.from('<link rel="webmention" href="https://wrong.example/html">'),
        });
        assert.deepEqual(found.endpoint, { protocol: 'webmention', url: `https://e.example/${wanted.path}`, via: 'HTTP Link header' });
      },
    ),
    RUNS,
  );
});
