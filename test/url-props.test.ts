// Property tests for the shortcuts around the URL parser (parsing is much of the time spent per link): where a
// URL is cut or read as text instead of parsed, the answer must be the parser's. parseHttp is compared with
// what it is defined as; the other shortcuts with the same input in a form they leave to the parser (a leading
// space, an upper-case scheme: the parser ignores both).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseHttp } from '../src/site/urls.ts';

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
