// Endpoint discovery on pages in memory (no network): Pingback, TrackBack, the order of
// preference between protocols, content types and encodings. Webmention's own rules are
// covered over HTTP by webmention-rocks.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { discoverEndpoint, type DiscoveryInput } from '../src/targets/discover.ts';
import { decodeBody, isHtmlLike } from '../src/targets/decode.ts';
import { sameResource } from '../src/targets/trackback-rdf.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/discovery/${name}`, import.meta.url));

function input(over: Partial<DiscoveryInput> & { html?: string | Buffer }): DiscoveryInput {
  const { html = '', ...rest } = over;
  return {
    targetUrl: 'https://target.example/post',
    finalUrl: 'https://target.example/post',
    status: 200,
    headers: { 'content-type': ['text/html; charset=utf-8'] },
    body: Buffer.isBuffer(html) ? html : Buffer.from(html),
    ...rest,
  };
}

const htmlWith = (head: string, body = ''): string => `<!doctype html><html><head><title>t</title>${head}</head><body>${body}</body></html>`;

// --- Pingback ---

test('pingback: X-Pingback header', () => {
  const found = discoverEndpoint(input({ headers: { 'content-type': ['text/html'], 'x-pingback': ['https://target.example/xmlrpc.php'] }, html: htmlWith('') }));
  assert.deepEqual(found.endpoint, { protocol: 'pingback', url: 'https://target.example/xmlrpc.php', via: 'X-Pingback header' });
});

test('pingback: <link rel="pingback">', () => {
  const found = discoverEndpoint(input({ html: htmlWith('<link rel="pingback" href="https://target.example/xmlrpc.php">') }));
  assert.deepEqual(found.endpoint, { protocol: 'pingback', url: 'https://target.example/xmlrpc.php', via: '<link rel="pingback">' });
});

test('pingback: the X-Pingback header wins over <link rel="pingback">', () => {
  const found = discoverEndpoint(
    input({
      headers: { 'content-type': ['text/html'], 'x-pingback': ['https://header.example/xmlrpc'] },
      html: htmlWith('<link rel="pingback" href="https://link.example/xmlrpc">'),
    }),
  );
  assert.equal(found.endpoint?.url, 'https://header.example/xmlrpc');
  assert.equal(found.endpoint?.via, 'X-Pingback header');
});

test('pingback: a relative href resolves against the final URL, not the one linked to', () => {
  const found = discoverEndpoint(
    input({
      targetUrl: 'http://old.example/p/1',
      finalUrl: 'https://new.example/blog/2024/post/',
      html: htmlWith('<link rel="pingback" href="../xmlrpc.php?x=1">'),
    }),
  );
  assert.equal(found.endpoint?.url, 'https://new.example/blog/2024/xmlrpc.php?x=1');
});

test('javascript: and mailto: hrefs are passed over; the next declaration is used', () => {
  const page = htmlWith(
    '<link rel="webmention" href="javascript:alert(1)"><link rel="pingback" href="mailto:me@target.example">',
    '<a rel="webmention" href="mailto:me@target.example">mail</a><a rel="webmention" href="/wm">endpoint</a>',
  );
  const found = discoverEndpoint(input({ html: page }));
  assert.deepEqual(found.endpoint, { protocol: 'webmention', url: 'https://target.example/wm', via: '<a rel="webmention">' });
  assert.ok(found.notes.some((n) => n.includes('javascript:alert(1)')), found.notes.join('\n'));
});

test('javascript: and mailto: hrefs alone give no endpoint', () => {
  const page = htmlWith('<link rel="webmention" href="javascript:void(0)"><link rel="pingback" href="mailto:x@y.example">');
  const found = discoverEndpoint(input({ headers: { 'content-type': ['text/html'], 'x-pingback': ['ftp://target.example/rpc'], link: ['<data:,x>; rel=webmention'] }, html: page }));
  assert.equal(found.endpoint, null);
  for (const href of ['data:,x', 'javascript:void(0)', 'mailto:x@y.example', 'ftp://target.example/rpc']) {
    assert.ok(found.notes.some((n) => n.includes(href)), `${href} not in notes:\n${found.notes.join('\n')}`);
  }
});

// --- TrackBack ---

test('trackback: a single RDF block (entities in the ping URL decoded; escaped sample code ignored)', () => {
  const found = discoverEndpoint(input({ targetUrl: 'http://blog.example/archives/2004/05/second.html', finalUrl: 'http://blog.example/archives/2004/05/second.html', html: fixture('single-post.html') }));
  assert.deepEqual(found.endpoint, {
    protocol: 'trackback',
    url: 'http://blog.example/mt/mt-tb.cgi?__mode=tb&id=102',
    via: 'TrackBack RDF (dc:identifier match)',
  });
});

test('trackback: on a page with several blocks, the one whose dc:identifier is the target', () => {
  const page = fixture('several-posts.html');
  const at = (targetUrl: string): string | undefined =>
    discoverEndpoint(input({ targetUrl, finalUrl: 'http://blog.example/archives/2004/05/', html: page })).endpoint?.url;
  assert.equal(at('http://blog.example/archives/2004/05/first.html'), 'http://blog.example/mt/mt-tb.cgi/101');
  assert.equal(at('http://blog.example/archives/2004/05/second.html'), 'http://blog.example/mt/mt-tb.cgi/102');
  assert.equal(at('http://blog.example/archives/2004/05/third.html'), 'http://blog.example/mt/mt-tb.cgi/103'); // child-element form
  assert.equal(at('http://blog.example/archives/2004/05/fourth.html'), undefined);
});

test('trackback: the final URL after a redirect matches too; a fragment and a trailing slash do not matter', () => {
  const found = discoverEndpoint(
    input({ targetUrl: 'http://short.example/x', finalUrl: 'http://BLOG.example:80/archives/2004/05/second.html/#comments', html: fixture('single-post.html') }),
  );
  assert.equal(found.endpoint?.url, 'http://blog.example/mt/mt-tb.cgi?__mode=tb&id=102');
});

test('trackback: a page whose only block names another URL has no endpoint', () => {
  const found = discoverEndpoint(input({ targetUrl: 'http://blog.example/archives/2004/05/other.html', finalUrl: 'http://blog.example/archives/2004/05/other.html', html: fixture('single-post.html') }));
  assert.equal(found.endpoint, null);
  assert.ok(found.notes.some((n) => n.includes('none with dc:identifier http://blog.example/archives/2004/05/other.html')), found.notes.join('\n'));
});

test('trackback: a matching block without a usable ping gives null, never another block\'s ping', () => {
  const block = (id: string, ping: string): string =>
    `<!-- <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/"><rdf:Description dc:identifier="${id}" trackback:ping="${ping}"/></rdf:RDF> -->`;
  const page = htmlWith('', block('https://target.example/other', 'https://target.example/tb/other') + block('https://target.example/post', 'javascript:x()'));
  const found = discoverEndpoint(input({ html: page }));
  assert.equal(found.endpoint, null);
  assert.ok(found.notes.some((n) => n.includes('unusable trackback:ping')), found.notes.join('\n'));
});

test('trackback: RDF in an ISO-8859-1 page, non-ASCII title and permalink', () => {
  const page = fixture('latin1-post.html');
  const targetUrl = 'http://latin.example/2003/caf%C3%A9-cr%C3%A8me.html';
  const expected = { protocol: 'trackback', url: 'http://latin.example/cgi-bin/tb.pl/caf%C3%A9', via: 'TrackBack RDF (dc:identifier match)' };
  // Charset from the header, and from the <meta http-equiv> when the header has none.
  for (const contentType of ['text/html; charset=ISO-8859-1', 'text/html']) {
    const found = discoverEndpoint(input({ targetUrl, finalUrl: targetUrl, headers: { 'content-type': [contentType] }, html: page }));
    assert.deepEqual(found.endpoint, expected, contentType);
  }
  // Read as UTF-8, "é" becomes U+FFFD and the identifier no longer names the page.
  const misread = discoverEndpoint(input({ targetUrl, finalUrl: targetUrl, headers: { 'content-type': ['text/html; charset=utf-8'] }, html: page }));
  assert.equal(misread.endpoint, null);
  assert.match(decodeBody(page, 'text/html'), /<title>Café crème: naïve résumés<\/title>/);
});

test('sameResource: WHATWG normalisation, fragment and trailing slash ignored, nothing else', () => {
  assert.ok(sameResource('HTTP://Example.COM:80/a/b/#x', 'http://example.com/a/b'));
  assert.ok(sameResource('https://example.com', 'https://example.com/'));
  assert.ok(!sameResource('http://example.com/a', 'https://example.com/a'));
  assert.ok(!sameResource('http://example.com/a?x=1', 'http://example.com/a'));
  assert.ok(!sameResource('not a url', 'not a url'));
});

// --- Order of preference ---

test('webmention beats pingback beats trackback', () => {
  const rdf = `<!-- <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/"><rdf:Description dc:identifier="https://target.example/post" trackback:ping="https://target.example/tb"/></rdf:RDF> -->`;
  const pingback = '<link rel="pingback" href="https://target.example/xmlrpc">';
  const webmention = '<a rel="webmention" href="https://target.example/wm">wm</a>';
  const protocolOf = (head: string, body: string): string | undefined => discoverEndpoint(input({ html: htmlWith(head, body) })).endpoint?.protocol;
  // The webmention declaration comes last in the document and still wins.
  assert.equal(protocolOf(pingback, rdf + webmention), 'webmention');
  assert.equal(protocolOf(pingback, rdf), 'pingback');
  assert.equal(protocolOf('', rdf), 'trackback');
  assert.equal(protocolOf('', ''), undefined);
});

// --- Content types, status, encodings ---

test('a PDF: its Link header counts; its body is never read as HTML', () => {
  const pdfBody = Buffer.from('%PDF-1.7\n<link rel="webmention" href="https://target.example/from-body">\n%%EOF');
  const withHeader = discoverEndpoint(input({ headers: { 'content-type': ['application/pdf'], link: ['</wm>; rel="webmention"'] }, html: pdfBody }));
  assert.deepEqual(withHeader.endpoint, { protocol: 'webmention', url: 'https://target.example/wm', via: 'HTTP Link header' });
  const without = discoverEndpoint(input({ headers: { 'content-type': ['application/pdf'] }, html: pdfBody }));
  assert.equal(without.endpoint, null);
  assert.ok(without.notes.some((n) => n.includes('application/pdf')), without.notes.join('\n'));
});

test('an XHTML page is parsed; commented-out declarations are not', () => {
  const found = discoverEndpoint(input({ headers: { 'content-type': ['application/xhtml+xml'] }, html: fixture('page.xhtml') }));
  assert.deepEqual(found.endpoint, { protocol: 'webmention', url: 'https://target.example/webmention?from=xhtml&v=1', via: '<link rel="webmention">' });
});

test('several Link header values: all of them are read, in order', () => {
  const headers = { link: ['<https://cdn.example/style.css>; rel=preload', '</a>; rel="alternate", </b>; rel="WebMention other"', '</c>; rel=webmention'] };
  const found = discoverEndpoint(input({ headers, html: htmlWith('<link rel="webmention" href="/from-html">') }));
  assert.equal(found.endpoint?.url, 'https://target.example/b');
});

test('an error page is not searched', () => {
  const found = discoverEndpoint(input({ status: 404, headers: { link: ['</wm>; rel=webmention'] }, html: htmlWith('<link rel="webmention" href="/wm">') }));
  assert.equal(found.endpoint, null);
  assert.match(found.notes[0] ?? '', /404/);
});

test('decodeBody: header charset, BOM, <meta charset>, fallbacks', () => {
  const cafe = Buffer.from('Caf\u00e9', 'latin1');
  assert.equal(decodeBody(cafe, 'text/html; charset="windows-1252"'), 'Café');
  assert.equal(decodeBody(Buffer.from([0x82, 0xa0]), 'text/html;charset=Shift_JIS'), 'あ');
  assert.equal(decodeBody(Buffer.concat([Buffer.from('<meta charset=iso-8859-1>'), cafe]), undefined), '<meta charset=iso-8859-1>Café');
  // A BOM is a fact about the bytes; it outranks a server's default charset (HTML encoding sniffing).
  assert.equal(decodeBody(Buffer.from('\ufeffCafé'), 'text/html; charset=iso-8859-1'), 'Café');
  assert.equal(decodeBody(Buffer.from('\ufeffhi', 'utf16le'), undefined), 'hi');
  // Unknown labels and invalid bytes: UTF-8 with replacement characters, no exception.
  assert.equal(decodeBody(cafe, 'text/html; charset=no-such-thing'), 'Caf\ufffd');
  assert.equal(decodeBody(Buffer.from('<meta charset="utf-16">é'), undefined), '<meta charset="utf-16">é');
  // A <meta> after the first 1024 bytes is not looked at.
  assert.equal(decodeBody(Buffer.concat([Buffer.from(' '.repeat(1024) + '<meta charset=iso-8859-1>'), cafe]), undefined).endsWith('Caf\ufffd'), true);
});

test('isHtmlLike', () => {
  for (const type of [undefined, '', 'text/html', 'TEXT/HTML; charset=utf-8', 'application/xhtml+xml']) assert.equal(isHtmlLike(type), true, String(type));
  for (const type of ['application/pdf', 'image/png', 'text/plain', 'application/json']) assert.equal(isHtmlLike(type), false, type);
});

// --- Hostile input ---

test('100,000 nested elements: no hang, the Link header still counts, the note says why reading stopped', () => {
  const deep = Buffer.from('<div>'.repeat(100_000) + '<a rel="webmention" href="/deep">x</a>');
  const html = discoverEndpoint(input({ html: deep }));
  assert.equal(html.endpoint, null);
  assert.ok(html.notes.some((n) => n.includes('nested')), html.notes.join('\n'));
  const withHeader = discoverEndpoint(input({ headers: { link: ['</wm>; rel=webmention'] }, html: deep }));
  assert.equal(withHeader.endpoint?.url, 'https://target.example/wm');
});

test('a 50 MB page with the endpoint at the very end is read to the end', () => {
  const filler = Buffer.alloc(50 * 1024 * 1024, 'lorem ipsum dolor sit amet ');
  const page = Buffer.concat([Buffer.from('<html><body><p>'), filler, Buffer.from('</p><a href="/far" rel="webmention">x</a>')]);
  const found = discoverEndpoint(input({ html: page }));
  assert.equal(found.endpoint?.url, 'https://target.example/far');
});

test('binary garbage and broken inputs give null with a note, never an exception', () => {
  const garbage = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 7919 + 13) % 256));
  for (const bad of [
    input({ html: garbage }),
    input({ html: garbage, headers: { 'content-type': ['image/png'] } }),
    input({ finalUrl: 'not a url', targetUrl: '', html: htmlWith('<link rel="webmention" href="/relative">') }),
    input({ headers: { link: ['<<<>>>;;;,,,"'], 'x-pingback': [''] }, html: '<!--' }),
  ]) {
    const found = discoverEndpoint(bad);
    assert.equal(found.endpoint, null);
    assert.ok(found.notes.length > 0);
  }
});
