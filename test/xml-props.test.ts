import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Outcome, OutcomeCode, Status } from '../src/types.ts';
import type { HttpResponse } from '../src/net/types.ts';
import { readTrackbackResponse } from '../src/send/trackback.ts';
import { readPingbackResponse } from '../src/send/pingback.ts';
import { readWebmentionResponse } from '../src/send/webmention.ts';
import { parseXml } from '../src/xml.ts';
import { arxivId } from '../src/targets/arxiv.ts';

const STATUSES: readonly Status[] = ['sent', 'failed', 'skipped', 'no-endpoint', 'dry-run'];
const CODES: readonly OutcomeCode[] = [
  'ok', 'already-registered', 'rejected', 'invalid-response', 'server-error', 'rate-limited', 'unreachable', 'uncertain',
  'private-address', 'bad-url', 'too-large', 'timeout', 'redirects', 'discovery-failed', 'no-endpoint', 'already-done', 'dry-run',
];

/** Pieces that make up protocol-looking documents, broken ones included. */
const FRAGMENTS = [
  '<?xml version="1.0" encoding="ISO-8859-1"?>', '<?xml version="1.0"?>', '<response>', '</response>', '<error>', '</error>',
  '<message>', '</message>', '<methodResponse>', '</methodResponse>', '<params>', '</params>', '<param>', '</param>',
  '<value>', '</value>', '<string>', '</string>', '<int>', '</int>', '<i4>', '</i4>', '<fault>', '</fault>', '<struct>',
  '</struct>', '<member>', '</member>', '<name>', '</name>', 'faultCode', 'faultString', '48', '0', '1', '&amp;', '&#233;',
  '&#xD800;', '&#0;', '&foo;', '&', '<![CDATA[', ']]>', '<!DOCTYPE r [<!ENTITY a "aa">]>', '<!-- c -->', '<__proto__>',
  '<constructor>', '<a/>', '<', '>', ' ', '\n', 'é', '\u001b', '\u202e',
];

const xmlSoup = fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 40 }).map((parts) => parts.join(''));
const wellFormed = fc.oneof(
  fc.tuple(fc.string(), fc.string()).map(([flag, message]) => `<response><error>${esc(flag)}</error><message>${esc(message)}</message></response>`),
  fc.tuple(fc.string(), fc.string()).map(([code, text]) =>
    `<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>${esc(code)}</int></value></member><member><name>faultString</name><value>${esc(text)}</value></member></struct></value></fault></methodResponse>`),
  fc.string().map((text) => `<methodResponse><params><param><value><string>${esc(text)}</string></value></param></params></methodResponse>`),
);
const bodyText = fc.oneof(xmlSoup, wellFormed, fc.string({ unit: 'binary' }));
const body = fc.oneof(
  bodyText.map((text) => Buffer.from(text, 'utf8')),
  bodyText.map((text) => Buffer.from(text, 'latin1')),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
);
const contentType = fc.oneof(
  fc.constantFrom('text/xml', 'text/xml; charset=utf-8', 'application/xml; charset=ISO-8859-1', 'text/plain', 'application/json',
    'text/html', 'text/xml; charset=no-such-charset', 'text/xml; charset=utf-16', 'text/xml; charset="shift_jis"'),
  fc.string(),
);
const status = fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom(200, 201, 202, 301, 400, 429, 503), fc.integer());
const response: fc.Arbitrary<HttpResponse> = fc.record({
  status,
  body,
  contentType: fc.option(contentType),
  location: fc.option(fc.oneof(fc.webUrl(), fc.string())),
  truncated: fc.boolean(),
}).map(({ status: code, body: bytes, contentType: type, location, truncated }) => {
  const headers: Record<string, string[]> = {};
  if (type !== null) headers['content-type'] = [type];
  if (location !== null) headers['location'] = [location];
  return { url: 'https://target.example/endpoint', status: code, headers, body: bytes, truncated, redirects: [] };
});

/** Characters XML 1.0 allows in text (the tab, newline and carriage return are the only controls). */
function isXmlChar(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code !== 0xfffe && code !== 0xffff);
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

function assertValidOutcome(outcome: Outcome, res: HttpResponse): void {
  assert.ok(STATUSES.includes(outcome.status), `status ${outcome.status}`);
  assert.ok(CODES.includes(outcome.code), `code ${outcome.code}`);
  assert.ok(outcome.status === 'sent' || outcome.status === 'failed');
  assert.equal(outcome.status === 'sent', outcome.code === 'ok' || outcome.code === 'already-registered');
  if (outcome.status === 'sent') assert.ok(res.status >= 200 && res.status < 300, `sent on HTTP ${res.status}`);
  assert.equal(outcome.httpStatus, res.status);
  assert.equal(typeof outcome.message, 'string');
  assert.ok(outcome.message.length > 0 && outcome.message.length <= 300, `message length ${outcome.message.length}`);
  assert.doesNotMatch(outcome.message, /[\p{Cc}\u2028\u2029\u202e]/u);
  if (outcome.location !== undefined) assert.match(outcome.location, /^https?:\/\//);
}

for (const [name, read] of [
  ['trackback', readTrackbackResponse],
  ['pingback', readPingbackResponse],
  ['webmention', readWebmentionResponse],
] as const) {
  test(`${name} reader never throws and always returns a valid Outcome`, () => {
    fc.assert(
      fc.property(response, (res) => {
        assertValidOutcome(read(res), res);
      }),
      { numRuns: 1500 },
    );
  });
}

test('parseXml never throws, and an accepted document always has a named root', () => {
  fc.assert(
    fc.property(fc.oneof(xmlSoup, wellFormed, fc.string({ unit: 'binary' })), (text) => {
      const parsed = parseXml(text);
      if (parsed.ok) assert.ok(parsed.root.name.length > 0);
      else assert.ok(parsed.message.length > 0);
    }),
    { numRuns: 3000 },
  );
});

test('parseXml decodes any escaped text back to itself', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', minLength: 1 }).filter((text) => text.trim() !== '' && Array.from(text).every(isXmlChar)), (text) => {
      const escaped = Array.from(text, (char) => (char === '&' || char === '<' || char === '>' ? `&#${char.codePointAt(0)};` : char)).join('');
      const parsed = parseXml(`<m>${escaped}</m>`);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
      assert.deepEqual(parsed.root.children, [text]);
    }),
    { numRuns: 1000 },
  );
});

test('arxivId never throws on arbitrary strings and URLs', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.webUrl({ withQueryParameters: true, withFragments: true })), (url) => {
      const id = arxivId(url);
      assert.ok(id === null || typeof id === 'string');
    }),
    { numRuns: 3000 },
  );
});

const digits = (length: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: length, maxLength: length }).map((d) => d.join(''));
const yymm = fc.tuple(digits(2), fc.integer({ min: 1, max: 12 })).map(([yy, mm]) => `${yy}${String(mm).padStart(2, '0')}`);
const newId = fc.tuple(yymm, fc.oneof(digits(4), digits(5))).map(([prefix, number]) => `${prefix}.${number}`);
const oldId = fc
  .tuple(
    fc.constantFrom('hep-th', 'hep-ph', 'math', 'cs', 'cond-mat', 'astro-ph', 'quant-ph', 'gr-qc', 'q-bio', 'nlin', 'physics'),
    fc.option(fc.constantFrom('GT', 'AG', 'AI', 'LG', 'CO')),
    yymm,
    digits(3),
  )
  .map(([archive, subject, prefix, number]) => `${archive}${subject === null ? '' : `.${subject}`}/${prefix}${number}`);
const version = fc.option(fc.integer({ min: 1, max: 30 }).map((n) => `v${n}`));
const tail = fc.tuple(fc.boolean(), fc.option(fc.constantFrom('?context=cs', '?a=1&b=2', '')), fc.option(fc.constantFrom('#S1', '#', '#x')));
const arxivHost = fc.tuple(fc.constantFrom('http', 'https', 'HTTPS'), fc.constantFrom('arxiv.org', 'www.arxiv.org', 'export.arxiv.org', 'ArXiv.Org'));

/** Every URL form of a paper, built from the forms arXiv documents. */
function paperUrl(id: string): fc.Arbitrary<string> {
  const onArxiv = fc.tuple(arxivHost, version, tail, fc.constantFrom('abs', 'pdf', 'pdf.pdf', 'html', 'html/x1.png', 'format', 'ps')).map(
    ([[scheme, host], v, [slash, query, fragment], form]) => {
      const [prefix = '', suffix = ''] = form.split(/(?=[./])/);
      const path = `/${prefix}/${id}${v ?? ''}${suffix}${slash && suffix === '' ? '/' : ''}`;
      return `${scheme}://${host}${path}${query ?? ''}${fragment ?? ''}`;
    },
  );
  const doi = fc.tuple(fc.constantFrom('http', 'https'), fc.constantFrom('doi.org', 'dx.doi.org'), fc.constantFrom('arXiv', 'arxiv', 'ARXIV')).map(
    ([scheme, host, prefix]) => `${scheme}://${host}/10.48550/${prefix}.${id}`,
  );
  return fc.oneof(onArxiv, doi);
}

test('arxivId returns the id for generated ids in every URL form', () => {
  fc.assert(
    fc.property(
      fc.oneof(newId, oldId).chain((id) => fc.tuple(fc.constant(id), paperUrl(id))),
      ([id, url]) => {
        assert.equal(arxivId(url), id, url);
      },
    ),
    { numRuns: 3000 },
  );
});

test('parseXml refuses what it must before parsing: over-long text, any DTD, several roots', () => {
  assert.deepEqual(parseXml(`<r>${'x'.repeat(70 * 1024)}</r>`).ok, false);
  assert.deepEqual(parseXml('<!doctype r><r/>').ok, false);
  assert.deepEqual(parseXml('<r/><r/>').ok, false);
  assert.deepEqual(parseXml('<r>1</r>').ok, true);
});
