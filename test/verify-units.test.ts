// The pure readings behind verify: does a page show the post, and what does a Webmention status document say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { comparable, pageMentions } from '../src/verify/mentions.ts';
import { readStatusDocument } from '../src/verify/status-document.ts';

const POST = 'https://blog.example/2024/05/01/post/';

test('a page shows the post when it links to it, forgiving scheme, www, trailing slash, index.html and fragment', () => {
  for (const href of [
    'https://blog.example/2024/05/01/post/',
    'http://www.blog.example/2024/05/01/post',
    'https://BLOG.example/2024/05/01/post/index.html#comment-3',
    '/2024/05/01/post/',
  ]) {
    assert.ok(pageMentions(`<ul><li><a href="${href}">x</a></li></ul>`, 'https://blog.example/listing', POST), href);
  }
  assert.ok(!pageMentions('<a href="https://blog.example/2024/05/01/post-2/">x</a>', 'https://t.example/', POST));
  assert.ok(!pageMentions('<a href="https://blog.example/2024/05/01/">x</a>', 'https://t.example/', POST));
  assert.ok(!pageMentions('<a href="https://other.example/2024/05/01/post/">x</a>', 'https://t.example/', POST));
  assert.ok(!pageMentions('<p>Nothing here</p>', 'https://t.example/', POST));
});

test('a URL written as text counts; entities in hrefs are decoded', () => {
  assert.ok(pageMentions(`<p>Trackback from ${POST}, thanks.</p>`, 'https://arxiv.org/tb/1', POST));
  assert.ok(pageMentions('<a href="https://blog.example/p?a=1&amp;b=2">x</a>', 'https://t.example/', 'https://blog.example/p?a=1&b=2'));
  assert.ok(!pageMentions('<a href="https://blog.example/p?a=1">x</a>', 'https://t.example/', 'https://blog.example/p?a=1&b=2'));
});

test('comparable forms', () => {
  assert.equal(comparable('HTTPS://www.Example.org:8080/a/b/index.html?q=1#x'), 'example.org:8080/a/b?q=1');
  assert.equal(comparable('mailto:x@example.org'), null);
  assert.equal(comparable('not a url'), null);
});

test('a Webmention status document decides only with a clear word', () => {
  const json = 'application/json';
  assert.deepEqual(readStatusDocument(200, json, '{"status":"success"}'), { reading: 'verified', word: 'success' });
  assert.deepEqual(readStatusDocument(200, json, '{"status":"Queued"}'), { reading: 'pending', word: 'queued' });
  assert.deepEqual(readStatusDocument(200, json, '{"state":"rejected"}'), { reading: 'refused', word: 'rejected' });
  assert.equal(readStatusDocument(200, json, '{"status":"whatever"}').reading, 'unknown');
  assert.equal(readStatusDocument(200, json, '{"status":3}').reading, 'unknown');
  assert.equal(readStatusDocument(200, json, 'not json').reading, 'unknown');
  assert.equal(readStatusDocument(200, 'text/html', '{"status":"success"}').reading, 'unknown', 'an HTML page is read as a page');
  assert.equal(readStatusDocument(404, json, '{"status":"success"}').reading, 'unknown');
});
