import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrackbackRequest, readTrackbackResponse } from '../src/send/trackback.ts';
import { answer, billionLaughs, input, post, recordingServer, closeClient, send } from './fixtures/send/http.ts';

after(() => closeClient());

const XML = { 'content-type': 'text/xml; charset=utf-8' };
const OK = '<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>0</error>\n</response>\n';
const refused = (message: string) => `<?xml version="1.0" encoding="utf-8"?><response><error>1</error><message>${message}</message></response>`;

test('build: form POST to the endpoint with title, url, excerpt, blog_name in UTF-8', () => {
  assert.deepEqual(buildTrackbackRequest(input('trackback', 'https://target.example/tb/7')), {
    method: 'POST',
    url: 'https://target.example/tb/7',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: 'title=Caf%C3%A9+%26+Cr%C3%A8me&url=https%3A%2F%2Fblog.example%2F2024%2Fnotes%2F&excerpt=Short+notes&blog_name=Example+Blog',
    maxBytes: 65536,
  });
});

test('read: error 0 -> sent/ok', () => {
  const outcome = readTrackbackResponse(answer(200, OK, XML));
  assert.deepEqual([outcome.status, outcome.code, outcome.httpStatus], ['sent', 'ok', 200]);
});

test('read: error 0 inside surrounding whitespace and with a message -> sent/ok, message kept', () => {
  const outcome = readTrackbackResponse(answer(200, '  <response> <error> 0 </error><message>Thanks!</message></response>\n'));
  assert.deepEqual([outcome.status, outcome.code], ['sent', 'ok']);
  assert.match(outcome.message, /Thanks!/);
});

test('read: error 1 -> failed/rejected with the message', () => {
  const outcome = readTrackbackResponse(answer(200, refused('Trackbacks are closed'), XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'rejected']);
  assert.match(outcome.message, /Trackbacks are closed/);
});

test('read: error 1 without a message -> failed/rejected', () => {
  const outcome = readTrackbackResponse(answer(200, '<response><error>1</error></response>', XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'rejected']);
});

test('read: entities and character references in the message are decoded; CDATA holding markup is read as the markup it is', () => {
  // The XML layer keeps CDATA as written (test/send-reason.test.ts checks that); the message then reads it once
  // as HTML, as WordPress's double-escaped strings need: "&amp;" is "&", and <b> is a tag, not words.
  const outcome = readTrackbackResponse(answer(200, refused('Tom &amp; Jerry &#233;&#x263A; <![CDATA[a &amp; <b>b</b>]]>'), XML));
  assert.equal(outcome.message, 'trackback refused: Tom & Jerry é☺ a & b');
});

test('read: an error value other than 0 or 1 -> failed/invalid-response', () => {
  const outcome = readTrackbackResponse(answer(200, '<response><error>ok</error></response>', XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
});

test('read: <response> without <error> -> failed/invalid-response', () => {
  const outcome = readTrackbackResponse(answer(200, '<response><message>fine</message></response>', XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
  assert.match(outcome.message, /<error>/);
});

test('read: wrong root element -> failed/invalid-response naming it', () => {
  const outcome = readTrackbackResponse(answer(200, '<result><error>0</error></result>', XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
  assert.match(outcome.message, /<result>/);
});

test('read: plain-text garbage -> failed/invalid-response quoting the body', () => {
  const outcome = readTrackbackResponse(answer(200, 'OK thanks', { 'content-type': 'text/plain' }));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
  assert.match(outcome.message, /"OK thanks"/);
});

test('read: a long HTML page -> invalid-response quoting at most about 100 characters, one line', () => {
  const page = `<!doctype html>\n<html><body>${'word '.repeat(40)}TAIL-MARKER${' more'.repeat(200)}</body></html>`;
  const outcome = readTrackbackResponse(answer(200, page, { 'content-type': 'text/html' }));
  assert.equal(outcome.code, 'invalid-response');
  assert.doesNotMatch(outcome.message, /TAIL-MARKER|\n/);
  assert.ok(outcome.message.length < 300, outcome.message);
});

test('read: empty 200 body -> failed/invalid-response', () => {
  const outcome = readTrackbackResponse(answer(200, ''));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
});

test('read: truncated XML that already says error 0 -> failed/invalid-response', () => {
  const outcome = readTrackbackResponse(answer(200, '<?xml version="1.0"?><response><error>0</error>', XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
});

test('read: a body cut at the size limit -> failed/invalid-response', () => {
  const outcome = readTrackbackResponse(answer(200, OK, XML, { truncated: true }));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
});

test('read: billion-laughs answer -> failed/invalid-response, refused before expansion', () => {
  const outcome = readTrackbackResponse(answer(200, billionLaughs('response'), XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
  assert.match(outcome.message, /DTD/);
});

test('read: external entity (XXE) answer -> failed/invalid-response', () => {
  const body = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><response><error>1</error><message>&x;</message></response>';
  const outcome = readTrackbackResponse(answer(200, body, XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
  assert.doesNotMatch(outcome.message, /root:/);
});

test('read: an undeclared entity -> failed/invalid-response', () => {
  const outcome = readTrackbackResponse(answer(200, refused('a&nbsp;b'), XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
});

test('read: Latin-1 message, encoding named by the XML declaration', () => {
  const body = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><response><error>1</error><message>Déjà reçu</message></response>', 'latin1');
  const outcome = readTrackbackResponse(answer(200, body, { 'content-type': 'text/xml' }));
  assert.equal(outcome.code, 'rejected');
  assert.match(outcome.message, /Déjà reçu/);
});

test('read: Latin-1 message, charset named by Content-Type', () => {
  const body = Buffer.from('<response><error>1</error><message>Über straße</message></response>', 'latin1');
  const outcome = readTrackbackResponse(answer(200, body, { 'content-type': 'application/xml; charset="iso-8859-1"' }));
  assert.match(outcome.message, /Über straße/);
});

test('read: control characters from the receiver never reach the message', () => {
  const outcome = readTrackbackResponse(answer(200, refused('bad\u001b[31m red\u0007\nline two'), XML));
  assert.equal(outcome.code, 'rejected');
  assert.doesNotMatch(outcome.message, /\p{Cc}/u);
  assert.match(outcome.message, /bad \[31m red line two/);
});

/** wp-trackback.php's trackback_response( 1, $message ), byte for byte. */
const wordpress = (message: string) => `<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>1</error>\n<message>${message}</message>\n</response>`;

test("read: WordPress's \"There is already a ping from that URL for this post.\" -> sent/already-registered, like fault 48", () => {
  const outcome = readTrackbackResponse(answer(200, wordpress('There is already a ping from that URL for this post.'), XML));
  assert.deepEqual(outcome, {
    status: 'sent',
    code: 'already-registered',
    message: 'already registered (There is already a ping from that URL for this post.)',
    httpStatus: 200,
  });
});

test("read: other listeners' words for a repeat count as already registered too, whatever the case and spacing", () => {
  const bodies: Array<[software: string, body: string]> = [
    ['WordPress, older releases', wordpress('We already have a ping from that URL for this post.')],
    ['WordPress, shouted and spaced', wordpress('  THERE IS ALREADY A PING\nFROM THAT URL FOR THIS POST ')],
    ['Zinnia', '<?xml version="1.0" encoding="utf-8"?>\n<response>\n  \n  <error>1</error>\n  <message>Trackback is already registered</message>\n  \n</response>\n'],
    ['ExpressionEngine', '<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>1</error>\n<message>Trackback already received</message>\n</response>'],
    ['DokuWiki linkback plugin', '<?xml version="1.0" encoding="iso-8859-1"?>\n<response>\n<error>1</error>\n<message>Trackback already received.</message>\n</response>'],
    ['BlogEngine.NET', '<?xml version="1.0" encoding="iso-8859-1"?><response><error>Trackback already registered</error></response>'],
  ];
  for (const [software, body] of bodies) {
    const outcome = readTrackbackResponse(answer(200, body, XML));
    assert.deepEqual([outcome.status, outcome.code], ['sent', 'already-registered'], software);
    assert.match(outcome.message, /^already registered \(.*already.*\)$/i, software);
  }
});

test('read: a refusal that only mentions a ping, or says something more, is still a refusal', () => {
  for (const message of [
    'Sorry, trackbacks are closed for this item.',
    'There is already a ping from that URL for this post, and it was marked as spam.',
    'Already',
    'I really need an ID for this to work.',
  ]) {
    const outcome = readTrackbackResponse(answer(200, wordpress(message), XML));
    assert.deepEqual([outcome.status, outcome.code, outcome.message], ['failed', 'rejected', `trackback refused: ${message}`]);
  }
  // The words count only with <error>1</error> on a 2xx: the status rules come first.
  const conflict = readTrackbackResponse(answer(409, wordpress('There is already a ping from that URL for this post.'), XML));
  assert.deepEqual([conflict.status, conflict.code], ['failed', 'rejected']);
  // BlogEngine.NET's other words in <error> stay an unreadable answer, but show them whole.
  const other = readTrackbackResponse(answer(200, '<response><error>The source page does not link</error></response>', XML));
  assert.deepEqual([other.code, other.message], ['invalid-response', 'TrackBack answer with <error>The source page does not link</error>, expected 0 or 1']);
});

test("read: WordPress's wp_die XML on a comment flood (HTTP 429) shows its words", () => {
  const body = '<error>\n    <code>wp_die</code>\n    <title><![CDATA[WordPress &amp;rsaquo; Error]]></title>\n    <message><![CDATA[You are posting comments too quickly. Slow down.]]></message>\n    <data>\n        <status>429</status>\n    </data>\n</error>\n\n';
  const outcome = readTrackbackResponse(answer(429, body, { 'content-type': 'text/xml; charset=UTF-8' }));
  assert.deepEqual([outcome.status, outcome.code, outcome.message], ['failed', 'rate-limited', 'HTTP 429: You are posting comments too quickly. Slow down.']);
});

test("read: WordPress's answer for a post it cannot find (HTTP 404 with a TrackBack refusal) shows its words", () => {
  const outcome = readTrackbackResponse(answer(404, wordpress('I really need an ID for this to work.'), XML));
  assert.deepEqual([outcome.code, outcome.message], ['rejected', 'HTTP 404: I really need an ID for this to work.']);
});

test('read: a long success message is kept to a sentence, cut at the end of a word', () => {
  const words = 'Thanks for the trackback from your interesting article, it will appear on the entry once a moderator has had a look at it and found it relevant to the discussion there. Have a nice day!';
  const outcome = readTrackbackResponse(answer(200, `<response><error>0</error><message>${words}</message></response>`, XML));
  assert.equal(outcome.code, 'ok');
  assert.equal(outcome.message, `trackback accepted: ${words}`);
  const longer = readTrackbackResponse(answer(200, `<response><error>0</error><message>${words} ${words}</message></response>`, XML));
  assert.match(longer.message, /^trackback accepted: Thanks for the trackback .* [a-z]+…$/);
  assert.ok(`trackback accepted: ${words} ${words}`.startsWith(longer.message.slice(0, -1)));
});

const STATUSES: Array<[status: number, code: string]> = [
  [301, 'invalid-response'],
  [302, 'invalid-response'],
  [400, 'rejected'],
  [403, 'rejected'],
  [404, 'rejected'],
  [410, 'rejected'],
  [429, 'rate-limited'],
  [503, 'rate-limited'],
  [500, 'server-error'],
  [502, 'server-error'],
  [504, 'server-error'],
];

for (const [status, code] of STATUSES) {
  test(`read: HTTP ${status} -> failed/${code}, even with a success body`, () => {
    const outcome = readTrackbackResponse(answer(status, OK, XML));
    assert.deepEqual([outcome.status, outcome.code, outcome.httpStatus], ['failed', code, status]);
  });
}

test('read: a 4xx with a text/plain body says why', () => {
  const outcome = readTrackbackResponse(answer(403, 'Spam protection: try later', { 'content-type': 'text/plain; charset=utf-8' }));
  assert.equal(outcome.code, 'rejected');
  assert.match(outcome.message, /HTTP 403.*Spam protection: try later/);
});

test('wire: the form arrives intact (UTF-8 title) and the real answer reads as sent', async () => {
  const server = await recordingServer({ status: 200, headers: XML, body: OK });
  try {
    const req = buildTrackbackRequest(input('trackback', `${server.url}/trackback/42`));
    const outcome = readTrackbackResponse(await send(req));
    assert.equal(server.received.length, 1);
    const [got] = server.received;
    assert.equal(got?.method, 'POST');
    assert.equal(got?.url, '/trackback/42');
    assert.equal(got?.headers['content-type'], 'application/x-www-form-urlencoded; charset=utf-8');
    const form = new URLSearchParams(got?.body.toString('utf8'));
    assert.deepEqual(
      { title: form.get('title'), url: form.get('url'), excerpt: form.get('excerpt'), blog_name: form.get('blog_name') },
      { title: 'Café & Crème', url: post.url, excerpt: post.excerpt, blog_name: post.blogName },
    );
    assert.deepEqual([outcome.status, outcome.code], ['sent', 'ok']);
  } finally {
    await server.close();
  }
});

test("wire: WordPress's answer to a repeat after a lost state reads as already registered", async () => {
  const server = await recordingServer({ status: 200, headers: { 'content-type': 'text/xml; charset=UTF-8' }, body: wordpress('There is already a ping from that URL for this post.') });
  try {
    const outcome = readTrackbackResponse(await send(buildTrackbackRequest(input('trackback', `${server.url}/2024/05/a-post/trackback/`))));
    assert.equal(server.received.length, 1);
    assert.deepEqual([outcome.status, outcome.code], ['sent', 'already-registered']);
  } finally {
    await server.close();
  }
});

test("wire: WordPress's flood answer (HTTP 429, wp_die XML) carries its words", async () => {
  const body = '<error>\n    <code>wp_die</code>\n    <title><![CDATA[WordPress &amp;rsaquo; Error]]></title>\n    <message><![CDATA[You are posting comments too quickly. Slow down.]]></message>\n    <data>\n        <status>429</status>\n    </data>\n</error>\n\n';
  const server = await recordingServer({ status: 429, headers: { 'content-type': 'text/xml; charset=UTF-8' }, body });
  try {
    const outcome = readTrackbackResponse(await send(buildTrackbackRequest(input('trackback', `${server.url}/wp-trackback.php?p=7`))));
    assert.equal(server.received.length, 1);
    assert.deepEqual(outcome, { status: 'failed', code: 'rate-limited', message: 'HTTP 429: You are posting comments too quickly. Slow down.', httpStatus: 429 });
  } finally {
    await server.close();
  }
});
