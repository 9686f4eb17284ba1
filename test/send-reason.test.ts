// The receiver's words, read from answer bodies (src/send/reason.ts): pure units on real receivers' bodies, and
// the cut on a word boundary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { answerReason, cutOnWord, htmlReason, jsonReason, MAX_REASON, statusReason, xmlReason } from '../src/send/reason.ts';
import { parseXml, textOf } from '../src/xml.ts';
import { answer } from './fixtures/send/http.ts';

const HTML = { 'content-type': 'text/html; charset=utf-8' };
const XML = { 'content-type': 'text/xml; charset=UTF-8' };

/** WordPress's wp_die() page (_default_wp_die_handler), as a comment flood or a closed post answers a browser. */
const WP_DIE_PAGE = `<!DOCTYPE html>
<html lang="en-US">
<head>
	<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
	<meta name="viewport" content="width=device-width">
	<meta name='robots' content='max-image-preview:large, noindex, follow' />
	<title>WordPress &rsaquo; Error</title>
	<style type="text/css">
		html { background: #f1f1f1; }
		body { background: #fff; font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; }
	</style>
</head>
<body id="error-page">
	<div class="wp-die-message"><p>Duplicate comment detected; it looks as though you&#8217;ve already said that!</p></div>
</body>
</html>`;

/** WordPress's _xml_wp_die_handler(): what wp-trackback.php sends when wp_die() fires (the comment flood check). */
const WP_XML_DIE_429 = `<error>
    <code>wp_die</code>
    <title><![CDATA[WordPress &amp;rsaquo; Error]]></title>
    <message><![CDATA[You are posting comments too quickly. Slow down.]]></message>
    <data>
        <status>429</status>
    </data>
</error>

`;

test('HTML: the first heading and paragraph, never scripts, styles or the title when the body has words', () => {
  const page = `<!doctype html><html><head><title>Site name | Error</title>
<style>p { color: red } /* <p>not this</p> */</style>
<script>document.write("<h1>nor this</h1>");</script></head>
<body><nav><a href="/">Home</a></nav><noscript><p>Enable JavaScript</p></noscript>
<h1>Access Denied</h1><p>Sadly, you do not currently appear to have permission to access <b>this</b> page.</p>
<p>A second paragraph that is not needed.</p><script>var x = 1;</script></body></html>`;
  assert.equal(htmlReason(page), 'Access Denied: Sadly, you do not currently appear to have permission to access this page.');
});

test("HTML: WordPress's wp_die page reads as its message, entities decoded", () => {
  assert.equal(htmlReason(WP_DIE_PAGE), 'Duplicate comment detected; it looks as though you’ve already said that!');
});

test("HTML: a bare message sent as text/html (Django's HttpResponseBadRequest) reads as it is", () => {
  assert.equal(answerReason(answer(400, 'Could not fetch source URL', HTML)), 'Could not fetch source URL');
});

test('HTML: nginx and Apache error pages; the status repeated by the page is dropped once', () => {
  const nginx = '<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
  assert.equal(answerReason(answer(429, nginx, { 'content-type': 'text/html' })), '429 Too Many Requests');
  assert.equal(statusReason(answer(429, nginx, { 'content-type': 'text/html' })), 'Too Many Requests');
  const apache = '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>403 Forbidden</title>\n</head><body>\n<h1>Forbidden</h1>\n<p>You don\'t have permission to access this resource.</p>\n<hr>\n<address>Apache/2.4.62 (Debian) Server at blog.example Port 80</address>\n</body></html>\n';
  assert.equal(statusReason(answer(403, apache, { 'content-type': 'text/html; charset=iso-8859-1' })), "Forbidden: You don't have permission to access this resource.");
});

test('HTML: a page of loose text with a title reads as both; an empty page says nothing', () => {
  assert.equal(htmlReason('<title>Blocked</title><body>Too many requests from your network.</body>'), 'Blocked: Too many requests from your network.');
  assert.equal(htmlReason('<html><head><script>x()</script></head><body><div></div></body></html>'), '');
  assert.equal(htmlReason('<h1>Bad Request (400)</h1><p></p>'), 'Bad Request (400)');
});

test('HTML: markup nested deeper than any real page is not read on, and nothing throws', () => {
  const deep = `<h1>Shallow</h1>${'<div>'.repeat(5000)}<p>deep</p>`;
  assert.equal(htmlReason(deep), 'Shallow');
});

test("XML: WordPress's wp_die XML (the trackback flood answer) reads as its <message>, not its code or title", () => {
  assert.equal(answerReason(answer(429, WP_XML_DIE_429, XML)), 'You are posting comments too quickly. Slow down.');
});

test('XML: a TrackBack refusal reads as its message; a bare error flag says nothing', () => {
  const refusal = '<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>1</error>\n<message>I really need an ID for this to work.</message>\n</response>';
  assert.equal(xmlReason(refusal), 'I really need an ID for this to work.');
  assert.equal(xmlReason('<response><error>1</error></response>'), '');
});

test("XML: an XML-RPC fault reads as its faultString, WordPress's double escaping undone; an empty one says nothing", () => {
  const fault = (code: number, text: string) =>
    `<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse>\n  <fault>\n    <value>\n      <struct>\n        <member>\n          <name>faultCode</name>\n          <value><int>${code}</int></value>\n        </member>\n        <member>\n          <name>faultString</name>\n          <value><string>${text}</string></value>\n        </member>\n      </struct>\n    </value>\n  </fault>\n</methodResponse>\n`;
  assert.equal(xmlReason(fault(409, 'Duplicate comment detected; it looks as though you&amp;#8217;ve already said that!')), 'Duplicate comment detected; it looks as though you’ve already said that!');
  assert.equal(xmlReason(fault(403, '&lt;strong&gt;Error:&lt;/strong&gt; Comments are closed.')), 'Error: Comments are closed.');
  assert.equal(xmlReason(fault(0, '')), '');
});

test('XML: text in an error element itself (BlogEngine.NET) is read', () => {
  assert.equal(xmlReason('<?xml version="1.0" encoding="iso-8859-1"?><response><error>Trackback already registered</error></response>'), 'Trackback already registered');
});

test('XML: a malformed answer still has its tags stripped; one declaring entities is not read at all', () => {
  assert.equal(xmlReason('<response><error>1</error><message>Tom & Jerry <b>said no</message></response>'), '1 Tom & Jerry said no');
  assert.equal(xmlReason('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><message>&x;</message></r>'), '');
});

test('the XML layer itself keeps CDATA as written: reading it as markup is the message\'s business', () => {
  const parsed = parseXml('<message><![CDATA[a &amp; <b>]]></message>');
  assert.ok(parsed.ok);
  assert.equal(textOf(parsed.root), 'a &amp; <b>');
});

test('JSON: the description (with its error code), a nested message, else the JSON itself for an error only', () => {
  assert.equal(jsonReason(JSON.stringify({ error: 'source_not_found', error_description: 'The source URL was not found' })), 'source_not_found: The source URL was not found');
  assert.equal(jsonReason(JSON.stringify({ error: { code: 17, message: 'No link to the target' } })), 'No link to the target');
  assert.equal(jsonReason(JSON.stringify({ status: 'queued', summary: 'Webmention was queued for processing', source: 'https://a.example/' })), 'Webmention was queued for processing');
  assert.equal(jsonReason('{"ok":false}'), '{"ok":false}');
  assert.equal(jsonReason('{"source":"https://a.example/"}', MAX_REASON, false), '');
  assert.equal(jsonReason('not json {', MAX_REASON, false), '');
});

test('plain text: one line, control and bidi characters gone, whitespace collapsed', () => {
  const said = answerReason(answer(403, 'Spam\r\n\tprotection:\u001b[31m  try\u202e later\n', { 'content-type': 'text/plain' }));
  assert.equal(said, 'Spam protection: [31m try later');
});

test('bodies that say nothing: empty, whitespace, an image, unknown bytes', () => {
  assert.equal(answerReason(answer(400, '', HTML)), '');
  assert.equal(answerReason(answer(400, ' \n\t ', { 'content-type': 'text/plain' })), '');
  assert.equal(answerReason(answer(400, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]), { 'content-type': 'image/png' })), '');
  assert.equal(answerReason(answer(400, Buffer.from([1, 2, 3]), { 'content-type': 'application/octet-stream' })), '');
});

test('no Content-Type: the body is sniffed (XML declaration, markup, JSON, text)', () => {
  assert.equal(answerReason(answer(400, '<?xml version="1.0"?><response><error>1</error><message>No</message></response>')), 'No');
  assert.equal(answerReason(answer(400, '<html><body><h1>Nope</h1></body></html>')), 'Nope');
  assert.equal(answerReason(answer(400, '{"message":"Nah"}')), 'Nah');
  assert.equal(answerReason(answer(400, 'just words')), 'just words');
});

test('non-ASCII: decoded by the declared charset, kept whole', () => {
  const latin1 = Buffer.from('<html><body><h1>Accès refusé</h1><p>Réessayez plus tard.</p></body></html>', 'latin1');
  assert.equal(answerReason(answer(403, latin1, { 'content-type': 'text/html; charset=iso-8859-1' })), 'Accès refusé: Réessayez plus tard.');
  assert.equal(answerReason(answer(400, 'Ссылка на источник не найдена 🙁', { 'content-type': 'text/plain; charset=utf-8' })), 'Ссылка на источник не найдена 🙁');
});

test('a long reason is cut at the end of a word, with an ellipsis, within MAX_REASON', () => {
  const long = `${'The receiver explains at length why it refused. '.repeat(10)}TAIL`;
  const said = answerReason(answer(400, `<p>${long}</p>`, HTML));
  assert.ok(Array.from(said).length <= MAX_REASON, said);
  assert.match(said, /…$/);
  const kept = said.slice(0, -1);
  assert.ok(long.startsWith(kept), said);
  assert.match(long.slice(kept.length), /^[\s.]/, `cut inside a word: "${said}"`);
  assert.doesNotMatch(said, /TAIL/);
});

test('cutOnWord: words, not letters; a single long word (a URL) is cut inside rather than dropped', () => {
  assert.equal(cutOnWord('Pingback from https://a.example/post/ registered. Keep the web talking! :-)', 50), 'Pingback from https://a.example/post/ registered…');
  assert.equal(cutOnWord(`https://example.com/${'a'.repeat(300)}`, 30), 'https://example.com/…');
  assert.equal(cutOnWord(`see ${'a'.repeat(300)}`, 30), `see ${'a'.repeat(25)}…`);
  assert.equal(cutOnWord('short', 10), 'short');
});

test('cutOnWord: an accent or an emoji is never split, and text without spaces is cut between words', () => {
  assert.equal(cutOnWord('e\u0301'.repeat(30), 10), `${'e\u0301'.repeat(9)}…`);
  assert.equal(cutOnWord('👩‍👩‍👧 '.repeat(10), 5), '👩‍👩‍👧 👩‍👩‍👧…');
  const japanese = 'リンク元のページにリンク先へのリンクが含まれていないため、このピンバックは登録できません。';
  const cut = cutOnWord(japanese, 20);
  assert.ok(japanese.startsWith(cut.slice(0, -1)) && cut.endsWith('…') && Array.from(cut).length <= 20, cut);
});

test('cutOnWord: never longer than max graphemes, always a prefix of the text plus "…"', () => {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  const length = (text: string) => Array.from(segmenter.segment(text)).length;
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.integer({ min: 2, max: 60 }), (text, max) => {
      const cut = cutOnWord(text, max);
      assert.ok(length(cut) <= max, `${JSON.stringify(cut)} over ${max}`);
      if (cut === text) return;
      assert.ok(cut.endsWith('…'));
      assert.ok(text.startsWith(cut.slice(0, -1)), JSON.stringify({ text, cut }));
      assert.ok(length(cut) >= Math.floor((max - 1) / 2), `cut too short: ${JSON.stringify({ text, cut })}`);
    }),
    { numRuns: 1000 },
  );
});

test('a huge answer (at the 64 KiB cap, or a 5 MiB discovery page) is read from its start and stays one short line', () => {
  const page = `<html><head><title>t</title></head><body><h1>Too Many Requests</h1>${'<p>filler words here</p>'.repeat(4000)}</body></html>`;
  const capped = answer(429, page.slice(0, 64 * 1024), HTML, { truncated: true });
  assert.equal(answerReason(capped), 'Too Many Requests: filler words here');
  const text = answer(400, `${'word '.repeat(1_100_000)}`, { 'content-type': 'text/plain' });
  const said = answerReason(text);
  assert.ok(Array.from(said).length <= MAX_REASON && said.endsWith('word…'), said.slice(-20));
});
