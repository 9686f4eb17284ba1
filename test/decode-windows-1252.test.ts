// Legacy pages in windows-1252: the bytes 0x80-0x9F are letters and punctuation there (0x93 is a curly quote), not
// the C1 controls ISO-8859-1 has. Node 20's one-shot TextDecoder.decode() got them wrong (src/net/text.ts); every
// reader of fetched pages and answers goes through the streamed call now. Pure: no server, no database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fetchedHtml } from '../src/input/html-post.ts';
import { decodeWith } from '../src/net/text.ts';
import { decodeBody as decodeAnswer } from '../src/send/body.ts';
import { decodeBody as decodePage } from '../src/targets/decode.ts';

// “quoted” — in windows-1252: 0x93 quoted 0x94 0x97
const BYTES = Buffer.from([0x93, ...Buffer.from('quoted'), 0x94, 0x20, 0x97]);
const TEXT = '\u201cquoted\u201d \u2014';

test('decodeWith: windows-1252 and its aliases give the curly quotes and the dash', () => {
  for (const label of ['windows-1252', 'cp1252', 'latin1', 'iso-8859-1', 'us-ascii']) {
    assert.equal(decodeWith(new TextDecoder(label), BYTES), TEXT, label);
  }
  // The decoder is flushed: it can be used again, and a sequence cut at the end is not carried over.
  const utf8 = new TextDecoder('utf-8');
  assert.equal(decodeWith(utf8, Buffer.from([0xe2, 0x80])), '\ufffd');
  assert.equal(decodeWith(utf8, Buffer.from('ok')), 'ok');
});

test('a target page (discovery, verification of a source) served as windows-1252', () => {
  assert.equal(decodePage(BYTES, 'text/html; charset=windows-1252'), TEXT);
  const meta = Buffer.concat([Buffer.from('<meta charset="windows-1252">'), BYTES]);
  assert.ok(decodePage(meta, 'text/html').endsWith(TEXT));
});

test('an answer (XML-RPC, trackback, a refusal text) in windows-1252', () => {
  assert.equal(decodeAnswer({ headers: { 'content-type': ['text/xml; charset=windows-1252'] }, body: BYTES }), TEXT);
  const declared = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="windows-1252"?>'), BYTES]);
  assert.ok(decodeAnswer({ headers: {}, body: declared }).endsWith(TEXT));
});

test('a page fetched for the live check or from a sitemap: named, declared, or neither (not UTF-8: windows-1252)', () => {
  const html = (head: string) => Buffer.concat([Buffer.from(`<!doctype html><html><head>${head}</head><body><p>`), BYTES, Buffer.from('</p></body></html>')]);
  assert.ok(fetchedHtml(html(''), 'windows-1252')?.includes(TEXT));
  assert.ok(fetchedHtml(html('<meta charset="windows-1252">'), null)?.includes(TEXT));
  assert.ok(fetchedHtml(html(''), null)?.includes(TEXT));
});
