// RFC 8288 Link header parsing: the cases that naive comma/semicolon splitting gets wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLinkHeader } from '../src/targets/link-header.ts';

test('one link, unquoted rel', () => {
  assert.deepEqual(parseLinkHeader(['</webmention>; rel=webmention']), [{ uri: '/webmention', rel: ['webmention'], params: { rel: 'webmention' } }]);
});

test('quoted rel with several relation types, split on whitespace and lower-cased', () => {
  const [link] = parseLinkHeader(['<https://a.example/e>; rel="WebMention  Other\tthird"']);
  assert.deepEqual(link?.rel, ['webmention', 'other', 'third']);
});

test('commas and semicolons inside <...> and inside quotes do not separate', () => {
  const links = parseLinkHeader(['<https://a.example/p?x=1,2;y=3>; rel="next"; title="a, b; c", </two>; rel=prev']);
  assert.deepEqual(
    links.map((l) => [l.uri, l.rel, l.params['title']]),
    [
      ['https://a.example/p?x=1,2;y=3', ['next'], 'a, b; c'],
      ['/two', ['prev'], undefined],
    ],
  );
});

test('several header values are one list, in order', () => {
  const links = parseLinkHeader(['</a>; rel=other', '</b>; rel=webmention, </c>; rel=webmention']);
  assert.deepEqual(
    links.map((l) => l.uri),
    ['/a', '/b', '/c'],
  );
});

test('parameter names are case-insensitive; spaces around = allowed; a value-less parameter is empty', () => {
  const [link] = parseLinkHeader(['</x> ;  REL = "webmention" ; Title="T" ; crossorigin ; HrefLang=de']);
  assert.deepEqual(link?.params, { rel: 'webmention', title: 'T', crossorigin: '', hreflang: 'de' });
  assert.deepEqual(link?.rel, ['webmention']);
});

test('an unquoted value runs to the next ; or , (RFC 8288 B.3), spaces included', () => {
  const [link] = parseLinkHeader(['</a>; rel=webmention other ; title=t']);
  assert.deepEqual(link?.rel, ['webmention', 'other']);
  assert.equal(link?.params['title'], 't');
});

test('only the first rel counts (RFC 8288 3.3)', () => {
  const [link] = parseLinkHeader(['</x>; rel=first; rel=webmention']);
  assert.deepEqual(link?.rel, ['first']);
});

test('quoted-string escapes are undone', () => {
  const [link] = parseLinkHeader(['</x>; rel=a; title="say \\"hi\\" \\\\ there"']);
  assert.equal(link?.params['title'], 'say "hi" \\ there');
});

test('empty list elements and whitespace are skipped', () => {
  const links = parseLinkHeader([' , </a>; rel=x ,, \t </b>; rel=y ,']);
  assert.deepEqual(
    links.map((l) => l.uri),
    ['/a', '/b'],
  );
});

test('a link without rel has no relation types', () => {
  assert.deepEqual(parseLinkHeader(['</x>; title=t']), [{ uri: '/x', rel: [], params: { title: 't' } }]);
  assert.deepEqual(parseLinkHeader(['<>']), [{ uri: '', rel: [], params: {} }]);
});

test('garbage ends a value (RFC 8288 B.2) but keeps the links before it and other values', () => {
  assert.deepEqual(parseLinkHeader(['rel=webmention; </x>']), []);
  assert.deepEqual(
    parseLinkHeader(['</a>; rel=x, nonsense, </b>; rel=y', '</c>; rel=z']).map((l) => l.uri),
    ['/a', '/c'],
  );
  assert.deepEqual(parseLinkHeader(['</a> junk; rel=x, </b>; rel=y']), [{ uri: '/a', rel: [], params: {} }]);
  assert.deepEqual(parseLinkHeader(['<unterminated; rel=webmention']), []);
});

test('an unterminated quoted string runs to the end of the value', () => {
  const links = parseLinkHeader(['</a>; title="open, </b>; rel=webmention']);
  assert.equal(links.length, 1);
  assert.equal(links[0]?.params['title'], 'open, </b>; rel=webmention');
  assert.deepEqual(links[0]?.rel, []);
});

test('a parameter named __proto__ is data, not a prototype', () => {
  const [link] = parseLinkHeader(['</x>; __proto__=evil; rel=webmention']);
  assert.equal(Object.getPrototypeOf(link?.params), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(link?.params, '__proto__')?.value, 'evil');
});

test('pathological inputs are parsed in one pass', () => {
  // Shapes that make backtracking regexes explode; here each is a single linear scan.
  const huge = [
    '<' + 'a'.repeat(200_000),
    '</x>' + '; a'.repeat(100_000),
    '</x>; t="' + '\\"'.repeat(100_000),
    ', '.repeat(100_000),
    '</x>; rel=' + ' webmention'.repeat(50_000),
  ];
  const links = parseLinkHeader(huge);
  assert.equal(links.length, 3);
  assert.equal(links[2]?.rel.length, 50_000);
});
