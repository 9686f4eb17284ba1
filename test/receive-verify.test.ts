// The receiver's verify step against real HTTP: every source is served by a server on 127.0.0.1 and fetched by
// the project's guarded client (connectTo sends source.example there, as a real host name would resolve). Test
// names quote the W3C Webmention implementation-report receiver checklist
// (github.com/w3c/webmention, implementation-reports/TEMPLATE.md) where they check one of its items.
// Touches no database (verifySource alone); what the receiver stores after it: receive-webmention, receive-workers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../src/net/http.ts';
import type { HttpClient } from '../src/net/types.ts';
import type { Received, Verification } from '../src/receive/types.ts';
import { verifySource } from '../src/receive/verify/index.ts';
import { startServer, type LocalServer } from './fixtures/net/local-server.ts';

const TARGET = 'https://blog.example/2024/05/post';
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const pages = new Map<string, Handler>();
let local: LocalServer;
let client: HttpClient;

before(async () => {
  local = await startServer((req, res) => {
    const handler = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (handler) handler(req, res);
    else res.writeHead(404).end('not found');
  });
  client = createHttpClient({
    ...DEFAULT_HTTP_OPTIONS,
    userAgent: 'linkback-test',
    allowPrivate: true,
    connectTimeoutMs: 5_000,
    timeoutMs: 10_000,
    maxRedirects: 3,
    connectTo: { 'source.example': `127.0.0.1:${local.port}`, 'other.example': `127.0.0.1:${local.port}` },
  });
});
after(async () => {
  await client.close();
  await local.close();
});

let counter = 0;
/** Serves `body` (or runs `handler`) at a fresh path of source.example; returns its URL. */
function serve(body: string | Handler, type = 'text/html; charset=utf-8', status = 200): string {
  const path = `/p${++counter}`;
  pages.set(path, typeof body === 'function' ? body : (_req, res) => res.writeHead(status, { 'content-type': type }).end(body));
  return `http://source.example${path}`;
}

function received(source: string, target = TARGET, extra: Partial<Received> = {}): Received {
  return { site: 'https://blog.example', protocol: 'webmention', source, target, clientAddress: '127.0.0.1', receivedAt: '2026-01-01T00:00:00.000Z', ...extra };
}

async function verify(source: string, target = TARGET, extra: Partial<Received> = {}): Promise<Verification> {
  return verifySource(received(source, target, extra), { client });
}

function html(body: string, head = ''): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>A post</title>${head}</head><body>${body}</body></html>`;
}

function assertOk(v: Verification): asserts v is Extract<Verification, { ok: true }> {
  assert.equal(v.ok, true, `expected a verified mention, got ${JSON.stringify(v)}`);
}

function assertFailed(v: Verification, code: Extract<Verification, { ok: false }>['code'], retryable = false): void {
  assert.equal(v.ok, false, `expected ${code}, got a verified mention`);
  if (!v.ok) {
    assert.equal(v.code, code, v.reason);
    assert.equal(v.retryable, retryable, v.reason);
  }
}

// --- Webmention Verification (3.2.2) -------------------------------------------------------

test('3.2.2 Follows at least one HTTP redirect on source URL (MUST)', async () => {
  const final = serve(html(`<p>See <a href="${TARGET}">this</a>.</p>`));
  const source = serve((_req, res) => res.writeHead(301, { location: final.replace('source.example', 'other.example') }).end());
  const v = await verify(source);
  assertOk(v);
  const seen = local.requests.filter((r) => r.url === new URL(final).pathname);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.headers.host, 'other.example');
});

test('3.2.2 Respects a self-imposed limit on number of HTTP redirects to follow (MUST)', async () => {
  const path = `/loop${++counter}`;
  let hops = 0;
  pages.set(path, (_req, res) => {
    hops++;
    res.writeHead(302, { location: `${path}?n=${hops}` }).end();
  });
  const v = await verify(`http://source.example${path}`);
  assertFailed(v, 'fetch-failed');
  // The first request and the three redirects the client is allowed; the fourth Location is not followed.
  assert.equal(hops, 4);
});

// --- Source URL content-types supported ----------------------------------------------------

test('content type HTML: application/xhtml+xml is read as HTML', async () => {
  assertOk(await verify(serve(html(`<a href="${TARGET}">x</a>`), 'application/xhtml+xml')));
});

test('content type Other: text/plain, the target URL as a word of the text', async () => {
  assertOk(await verify(serve(`Nice post: ${TARGET}.\nMore later.`, 'text/plain')));
  // A longer URL that starts with the target is another URL, not the target (django-webmention's substring test).
  assertFailed(await verify(serve(`See ${TARGET}-2 and ${TARGET}/comments`, 'text/plain')), 'no-link');
});

test('content type Other: JSON (application/json, application/activity+json), the target as a string value', async () => {
  const doc = { type: 'Note', inReplyTo: TARGET, content: 'hello' };
  assertOk(await verify(serve(JSON.stringify(doc), 'application/json')));
  assertOk(await verify(serve(JSON.stringify({ object: { tags: [{ href: `${TARGET}#c1` }] } }), 'application/activity+json')));
  assertOk(await verify(serve(JSON.stringify({ content: `read ${TARGET} please` }), 'application/ld+json')));
  // A relative string in JSON has no base to resolve against: it is not the target.
  assertFailed(await verify(serve(JSON.stringify({ href: '/2024/05/post', url: 'post' }), 'application/json')), 'no-link');
  assertFailed(await verify(serve('{"not json', 'application/json')), 'no-link');
});

test('a source that is no text type (an image) is unreadable, not "no link"', async () => {
  assertFailed(await verify(serve(`GIF89a ${TARGET}`, 'image/gif')), 'unreadable');
  // No Content-Type at all, but the bytes are a PNG.
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]);
  assertFailed(await verify(serve((_req, res) => res.writeHead(200).end(png))), 'unreadable');
});

// --- HTML Verification (3.2.2) -------------------------------------------------------------

const ACCEPTED: Record<string, string> = {
  'Accepts a Webmention where the target URL is in an `<a>` tag': `<p><a href="${TARGET}">a post</a></p>`,
  'Accepts a Webmention where the target URL is in an `<img>` tag': `<img src="${TARGET}" alt="">`,
  'Accepts a Webmention where the target URL is in an `<video>` tag': `<video src="${TARGET}" controls></video>`,
  'Accepts a Webmention where the target URL is in an `<audio>` tag': `<audio src="${TARGET}"></audio>`,
};
for (const [item, markup] of Object.entries(ACCEPTED)) {
  test(`HTML Verification: ${item}`, async () => {
    assertOk(await verify(serve(html(markup))));
  });
}

test('HTML Verification: the other linking and embedding elements count too', async () => {
  const cases = [
    `<video controls><source src="${TARGET}" type="video/mp4"></video>`,
    `<picture><source srcset="https://cdn.example/a.webp 1x, ${TARGET} 2x"><img src="a.png"></picture>`,
    `<img src="a.png" srcset="https://cdn.example/a-small.png 480w, ${TARGET} 800w">`,
    `<video poster="${TARGET}"></video>`,
    `<video><track src="${TARGET}" kind="captions"></video>`,
    `<map><area href="${TARGET}" shape="rect" coords="0,0,1,1"></map>`,
    `<iframe src="${TARGET}"></iframe>`,
    `<embed src="${TARGET}">`,
    `<object data="${TARGET}"></object>`,
    `<blockquote cite="${TARGET}">quoted</blockquote>`,
    `<q cite="${TARGET}">quoted</q>`,
    `<ins cite="${TARGET}">added</ins>`,
  ];
  for (const markup of cases) assertOk(await verify(serve(html(markup))));
  assertOk(await verify(serve(html('<p>hi</p>', `<link rel="in-reply-to" href="${TARGET}">`))));
});

test('HTML Verification: Rejects a Webmention where the target URL is in the document as text', async () => {
  assertFailed(await verify(serve(html(`<p>I read ${TARGET} today.</p><pre>${TARGET}</pre>`))), 'no-link');
});

test('HTML Verification: Rejects a Webmention where the target URL is in an `<a>` tag inside an HTML comment', async () => {
  assertFailed(await verify(serve(html(`<p>Hi</p><!-- <a href="${TARGET}">old link</a> -->`))), 'no-link');
});

test('HTML Verification: Rejects a Webmention where the target URL is not in the document', async () => {
  assertFailed(await verify(serve(html('<p><a href="https://blog.example/2024/05/other">another post</a></p>'))), 'no-link');
  // Near misses are other URLs: another scheme, www., a trailing slash, a longer path, the target as a query value.
  for (const href of ['http://blog.example/2024/05/post', 'https://www.blog.example/2024/05/post', `${TARGET}/`, `${TARGET}-2`, `https://x.example/?u=${TARGET}`]) {
    assertFailed(await verify(serve(html(`<a href="${href}">x</a>`))), 'no-link');
  }
  // The target in an attribute that does not link (a data- attribute, a class) is not a link either.
  assertFailed(await verify(serve(html(`<div data-href="${TARGET}" class="${TARGET}">x</div>`))), 'no-link');
});

test('relative links are resolved against the source URL (after redirects) and <base href>; fragments are ignored', async () => {
  // The source is served from other.example after a redirect; its relative links resolve against that URL.
  const otherTarget = 'http://other.example/2024/05/post';
  const final = serve(html('<a href="/2024/05/post#comments">x</a>'));
  const redirecting = serve((_req, res) => res.writeHead(302, { location: final.replace('source.example', 'other.example') }).end());
  assertOk(await verify(redirecting, otherTarget));
  assertOk(await verify(serve(html('<a href="05/post">x</a>', '<base href="https://blog.example/2024/">')), TARGET));
  // A relative <base> resolves against the source first.
  assertOk(await verify(serve(html('<a href="post">x</a>', '<base href="/2024/05/">')), 'http://source.example/2024/05/post'));
  // The target's own fragment is ignored as well; entities in the href are decoded.
  assertOk(await verify(serve(html(`<a href="${TARGET}#reply-3">x</a>`)), `${TARGET}#top`));
  assertOk(await verify(serve(html('<a href="https://blog.example/p?a=1&amp;b=2">x</a>')), 'https://blog.example/p?a=1&b=2'));
  // Case of scheme and host, and the default port, are normalised by URL parsing; the path's case is not.
  assertOk(await verify(serve(html('<a href="HTTPS://Blog.Example:443/2024/05/post">x</a>'))));
  assertFailed(await verify(serve(html('<a href="https://blog.example/2024/05/POST">x</a>'))), 'no-link');
});

test('a page in a legacy charset is decoded before the link is looked for', async () => {
  const target = 'https://blog.example/caf%C3%A9';
  const bytes = Buffer.concat([Buffer.from('<html><body><p>Caf'), Buffer.from([0xe9]), Buffer.from(' <a href="https://blog.example/caf'), Buffer.from([0xe9]), Buffer.from('">x</a></p></body></html>')]);
  assertOk(await verify(serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=iso-8859-1' }).end(bytes)), target));
});

// --- Delete (3.2.4) and what fails -----------------------------------------------------------

test('Delete: Recognizes an HTTP 410 response as a delete (and 404 alike)', async () => {
  assertFailed(await verify(serve(html('<p>deleted</p>'), 'text/html', 410)), 'gone');
  assertFailed(await verify('http://source.example/never-existed'), 'gone');
});

test('Delete: a 200 page saying <meta http-equiv="Status" content="410 Gone"> is a delete (webmention.rocks delete test)', async () => {
  // A static host cannot answer 410, so webmention.rocks also takes the meta status; the old link may still be there.
  assertFailed(await verify(serve(html(`<a href="${TARGET}">x</a>`, '<meta http-equiv="Status" content="410 Gone">'))), 'gone');
});

test('a 5xx or 429 answer is a retryable fetch failure; a 403 is not retryable', async () => {
  assertFailed(await verify(serve('oops', 'text/plain', 503)), 'fetch-failed', true);
  assertFailed(await verify(serve('slow down', 'text/plain', 429)), 'fetch-failed', true);
  assertFailed(await verify(serve('no', 'text/plain', 403)), 'fetch-failed', false);
});

test('a source nobody listens on is a retryable fetch failure', async () => {
  const dead = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, userAgent: 'linkback-test', allowPrivate: true, connectTo: { 'source.example': '127.0.0.1:1' } });
  try {
    assertFailed(await verifySource(received('http://source.example/post'), { client: dead }), 'fetch-failed', true);
  } finally {
    await dead.close();
  }
});

// --- Webmention Display/Use: what the source says (microformats2) ----------------------------

const AUTHOR_CARD = '<span class="p-author h-card"><img class="u-photo" src="/alice.jpg" alt=""> <a class="u-url p-name" href="https://alice.example/">Alice Example</a></span>';

function entry(inner: string): string {
  return html(`<article class="h-entry">${AUTHOR_CARD}${inner}<a class="u-url" href="/notes/1"><time class="dt-published" datetime="2024-05-02T10:00:00Z">2 May</time></a></article>`);
}

test('Display: The receiver recognizes that the source URL is a "comment" or "reply" to the post (u-in-reply-to)', async () => {
  const source = serve(entry(`<a class="u-in-reply-to" href="${TARGET}">in reply to</a><div class="e-content"><p>Great <b>post</b>!</p></div>`));
  const v = await verify(source);
  assertOk(v);
  assert.equal(v.property, 'in-reply-to');
  assert.deepEqual(v.author, { name: 'Alice Example', photo: 'http://source.example/alice.jpg', url: 'https://alice.example/' });
  assert.deepEqual(v.content, { html: '<p>Great <b>post</b>!</p>', text: 'Great post!' });
  assert.equal(v.published, '2024-05-02T10:00:00Z');
  assert.equal(v.url, 'http://source.example/notes/1');
  // An entry without p-name gets its whole text as an implied name: that is not a title, and is not kept.
  assert.equal(v.name, undefined);
});

test('Display: The receiver recognizes that the source URL is a "like" of the post (u-like-of)', async () => {
  const v = await verify(serve(entry(`<a class="u-like-of" href="${TARGET}">liked</a>`)));
  assertOk(v);
  assert.equal(v.property, 'like-of');
});

test('Display: The receiver recognizes that the source URL is a "repost" of the post (u-repost-of, also as an h-cite)', async () => {
  const v = await verify(serve(entry(`<div class="u-repost-of h-cite"><a class="u-url" href="${TARGET}">the post</a> by Bob</div>`)));
  assertOk(v);
  assert.equal(v.property, 'repost-of');
});

test('Display: The receiver recognizes that the source URL is an "RSVP" to the post (p-rsvp with u-in-reply-to)', async () => {
  const v = await verify(serve(entry(`<a class="u-in-reply-to" href="${TARGET}">the event</a> <data class="p-rsvp" value="yes">I will be there</data>`)));
  assertOk(v);
  assert.equal(v.property, 'rsvp');
  assert.equal(v.rsvp, 'yes');
});

test('Display: additional response types: a bookmark (u-bookmark-of) and a plain mention (a link in e-content)', async () => {
  const bookmark = await verify(serve(entry(`<a class="u-bookmark-of" href="${TARGET}">saved</a>`)));
  assertOk(bookmark);
  assert.equal(bookmark.property, 'bookmark-of');
  const mention = await verify(serve(entry(`<h1 class="p-name">On posts</h1><div class="e-content">As <a href="${TARGET}">she wrote</a>, …</div>`)));
  assertOk(mention);
  assert.equal(mention.property, 'mention-of');
  assert.equal(mention.name, 'On posts');
  // The target's fragment and the reply's fragment do not matter.
  const reply = await verify(serve(entry(`<a class="u-in-reply-to" href="${TARGET}#comments">re</a>`)), `${TARGET}#x`);
  assertOk(reply);
  assert.equal(reply.property, 'in-reply-to');
});

test('Display: of several h-entries, the one replying to the target is read (a feed page)', async () => {
  const page = html(`<div class="h-feed"><a class="p-author h-card" href="https://bob.example/">Bob</a>
    <article class="h-entry"><p class="e-content">Unrelated <a href="https://else.example/">note</a></p></article>
    <article class="h-entry"><a class="u-in-reply-to" href="${TARGET}">re</a><p class="e-content">The reply</p><a class="u-url" href="/r/2">#</a></article></div>`);
  const v = await verify(serve(page));
  assertOk(v);
  assert.equal(v.property, 'in-reply-to');
  assert.equal(v.content?.text, 'The reply');
  assert.equal(v.url, 'http://source.example/r/2');
  // The author comes from the h-feed the entry sits in (authorship algorithm).
  assert.equal(v.author?.name, 'Bob');
});

test('Display: an author given only as a URL is read from the h-card on that author page', async () => {
  const profile = serve(html('<div class="h-card"><a class="u-url p-name" href="/">Carol Writer</a><img class="u-photo" src="/carol.png" alt=""></div>'));
  const v = await verify(serve(html(`<div class="h-entry"><a class="u-author" href="${profile}">me</a><p class="e-content">Hi <a href="${TARGET}">you</a></p></div>`)));
  assertOk(v);
  assert.deepEqual(v.author, { name: 'Carol Writer', photo: 'http://source.example/carol.png', url: 'http://source.example/' });
  // rel=author works the same way, and an author page that is gone leaves the URL.
  const w = await verify(serve(html(`<div class="h-entry"><p class="e-content"><a href="${TARGET}">you</a></p></div><a rel="author" href="http://source.example/nobody">me</a>`)));
  assertOk(w);
  assert.deepEqual(w.author, { url: 'http://source.example/nobody' });
});

test('without microformats: a verified mention with the page title, and a TrackBack\'s claimed title, excerpt and blog name', async () => {
  const plain = await verify(serve(html(`<p><a href="${TARGET}">x</a></p>`)));
  assertOk(plain);
  assert.deepEqual(plain, { ok: true, property: 'mention-of', url: plain.url, name: 'A post' });
  const trackback = await verify(serve(html(`<p><a href="${TARGET}">x</a></p>`)), TARGET, {
    protocol: 'trackback',
    claimed: { title: 'My <reply>', excerpt: 'I <b>disagree</b> & more', blogName: 'Dave\'s blog' },
  });
  assertOk(trackback);
  assert.equal(trackback.name, 'My <reply>');
  assert.deepEqual(trackback.content, { html: 'I &#60;b&#62;disagree&#60;/b&#62; &#38; more', text: 'I <b>disagree</b> & more' });
  assert.deepEqual(trackback.author, { name: 'Dave\'s blog' });
});

test('Security: data from the source is filtered: scripts, handlers and javascript:/data: URLs never come out', async () => {
  const page = html(`<div class="h-entry">
    <a class="p-author h-card" href="javascript:alert(1)"><img class="u-photo" src="data:image/svg+xml,<svg onload=alert(1)>" alt=""><span class="p-name">Eve</span></a>
    <a class="u-in-reply-to" href="${TARGET}">re</a><a class="u-url" href="javascript:alert(2)">#</a>
    <div class="e-content"><p onclick="alert(3)" style="color:red">Hi<script>alert(4)</script><iframe src="https://evil.example/"></iframe><a href="javascript:alert(5)">x</a><img src="/ok.png" onerror="alert(6)"></p></div></div>`);
  const source = serve(page);
  const v = await verify(source);
  assertOk(v);
  assert.deepEqual(v.author, { name: 'Eve' });
  assert.equal(v.url, source);
  assert.equal(v.content?.html, '<p>Hi<a rel="nofollow ugc noopener">x</a><img src="http://source.example/ok.png" /></p>');
});

// --- Update and delete, as webmention.rocks' update and delete tests run them ----------------

test('Update: Updates and stores the information from the primary object at the source URL (MUST): a re-verify reads the new version', async () => {
  let version = 1;
  const source = serve((_req, res) => {
    const content = version === 1 ? 'First draft' : 'Edited: <em>better</em>';
    res.writeHead(200, { 'content-type': 'text/html' }).end(entry(`<a class="u-in-reply-to" href="${TARGET}">re</a><div class="e-content">${content}</div>`));
  });
  const first = await verify(source);
  assertOk(first);
  assert.equal(first.content?.text, 'First draft');
  version = 2;
  const second = await verify(source);
  assertOk(second);
  assert.deepEqual(second.content, { html: 'Edited: <em>better</em>', text: 'Edited: better' });
});

test('Update: Removes the response when an update Webmention is sent and the source URL returns 200 and no link is found (SHOULD)', async () => {
  // webmention.rocks update test 2: the post linked to two targets, then dropped one of them.
  const part2 = 'https://blog.example/2024/05/post/part/2';
  let removed = false;
  const source = serve((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end(html(`<div class="h-entry"><div class="e-content"><a href="${TARGET}">one</a>${removed ? '' : ` <a href="${part2}">two</a>`}</div></div>`)),
  );
  assertOk(await verify(source, part2));
  removed = true;
  assertFailed(await verify(source, part2), 'no-link');
  assertOk(await verify(source, TARGET));
});

test('Update: webmention.rocks update test 1: a link added by an edit verifies for the new target, the old one still verifies', async () => {
  const part2 = 'https://blog.example/2024/05/post/part/2';
  let added = false;
  const source = serve((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end(html(`<div class="h-entry"><div class="e-content"><a href="${TARGET}">one</a>${added ? ` <a href="${part2}">two</a>` : ''}</div></div>`)),
  );
  assertFailed(await verify(source, part2), 'no-link');
  added = true;
  assertOk(await verify(source, part2));
  assertOk(await verify(source, TARGET));
});

test('Update: Updates and stores the information from children or descendant objects at the source URL (MAY): a reply nested in a feed', async () => {
  let text = 'old';
  const source = serve((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html' }).end(html(`<main class="h-feed"><article class="h-entry"><a class="u-in-reply-to" href="${TARGET}">re</a><p class="e-content">${text}</p></article></main>`)),
  );
  assertOk(await verify(source));
  text = 'new';
  const v = await verify(source);
  assertOk(v);
  assert.equal(v.content?.text, 'new');
});

test('Delete: webmention.rocks delete test 1: verified first, then the source answers 410 Gone', async () => {
  let deleted = false;
  const source = serve((_req, res) => {
    if (deleted) res.writeHead(410, { 'content-type': 'text/html' }).end(html('<p>This post was deleted.</p>'));
    else res.writeHead(200, { 'content-type': 'text/html' }).end(entry(`<a class="u-in-reply-to" href="${TARGET}">re</a>`));
  });
  assertOk(await verify(source));
  deleted = true;
  assertFailed(await verify(source), 'gone');
});

test('Display: classic microformats (hentry, vcard, entry-content) are read as well, as older WordPress themes mark posts up', async () => {
  const v = await verify(serve(html(`<div class="hentry"><span class="author vcard"><a class="url fn" href="https://old.example/">Old Blogger</a></span><div class="entry-content"><p>See <a href="${TARGET}">this</a>.</p></div></div>`)));
  assertOk(v);
  assert.equal(v.property, 'mention-of');
  assert.deepEqual(v.author, { name: 'Old Blogger', url: 'https://old.example/' });
  assert.equal(v.content?.text, 'See this.');
});

test('microformats are read from the first 256 K characters only (the parser\'s CPU cost); the link check reads the whole body', async () => {
  const padding = `<p>${'x'.repeat(1000)}</p>`.repeat(300);
  const late = html(`${padding}<div class="h-entry"><span class="p-author h-card">Late Author</span><a class="u-like-of" href="${TARGET}">like</a></div>`);
  const v = await verify(serve(late));
  assertOk(v);
  assert.equal(v.property, 'mention-of');
  assert.equal(v.author, undefined);
  const early = html(`<div class="h-entry"><span class="p-author h-card">Early Author</span><a class="u-like-of" href="${TARGET}">like</a></div>${padding}`);
  const w = await verify(serve(early));
  assertOk(w);
  assert.equal(w.property, 'like-of');
  assert.equal(w.author?.name, 'Early Author');
});
