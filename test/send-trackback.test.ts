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

test('read: entities and character references in the message are decoded, CDATA kept as written', () => {
  const outcome = readTrackbackResponse(answer(200, refused('Tom &amp; Jerry &#233;&#x263A; <![CDATA[a &amp; <b>]]>'), XML));
  assert.match(outcome.message, /Tom & Jerry é☺ a &amp; <b>/);
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
