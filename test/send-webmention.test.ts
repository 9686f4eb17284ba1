import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildWebmentionRequest, readWebmentionResponse } from '../src/send/webmention.ts';
import { answer, input, post, recordingServer, closeClient, send } from './fixtures/send/http.ts';

after(() => closeClient());

test('build: form POST of source and target to the endpoint', () => {
  assert.deepEqual(buildWebmentionRequest(input('webmention', 'https://target.example/webmention?token=a%20b')), {
    method: 'POST',
    url: 'https://target.example/webmention?token=a%20b',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'source=https%3A%2F%2Fblog.example%2F2024%2Fnotes%2F&target=https%3A%2F%2Ftarget.example%2Fp%3Fa%3D1%26b%3D2',
    maxBytes: 65536,
  });
});

test('read: 200 -> sent/ok without a location', () => {
  const outcome = readWebmentionResponse(answer(200, 'Accepted'));
  assert.deepEqual(outcome, { status: 'sent', code: 'ok', message: outcome.message, httpStatus: 200 });
});

test('read: 201 with a relative Location -> sent/ok, location resolved against the endpoint', () => {
  const outcome = readWebmentionResponse(answer(201, '', { location: '/status/17' }, { url: 'https://target.example/hooks/webmention' }));
  assert.deepEqual([outcome.status, outcome.code, outcome.location], ['sent', 'ok', 'https://target.example/status/17']);
  assert.match(outcome.message, /https:\/\/target\.example\/status\/17/);
});

test('read: 202 with an absolute Location -> sent/ok, location kept', () => {
  const outcome = readWebmentionResponse(answer(202, '', { location: 'https://status.example/q/9' }));
  assert.deepEqual([outcome.status, outcome.code, outcome.location, outcome.httpStatus], ['sent', 'ok', 'https://status.example/q/9', 202]);
});

test('read: 202 with a dot-relative Location resolves against the endpoint path', () => {
  const outcome = readWebmentionResponse(answer(202, '', { location: 'status?id=3' }, { url: 'https://target.example/wm/endpoint' }));
  assert.equal(outcome.location, 'https://target.example/wm/status?id=3');
});

test('read: 202 without a Location -> sent/ok, no location', () => {
  const outcome = readWebmentionResponse(answer(202));
  assert.deepEqual([outcome.status, outcome.code, 'location' in outcome], ['sent', 'ok', false]);
});

test('read: a Location on a 200 is not a status URL and is not kept', () => {
  const outcome = readWebmentionResponse(answer(200, '', { location: 'https://status.example/q/9' }));
  assert.equal('location' in outcome, false);
});

test('read: a non-http Location is dropped', () => {
  const outcome = readWebmentionResponse(answer(201, '', { location: 'javascript:alert(1)' }));
  assert.deepEqual([outcome.status, 'location' in outcome], ['sent', false]);
});

test('read: 204 (another 2xx) -> sent/ok', () => {
  const outcome = readWebmentionResponse(answer(204));
  assert.deepEqual([outcome.status, outcome.code], ['sent', 'ok']);
});

test('read: 400 text/plain -> failed/rejected with the text', () => {
  const outcome = readWebmentionResponse(answer(400, 'Source does not link to target\n', { 'content-type': 'text/plain; charset=utf-8' }));
  assert.deepEqual([outcome.status, outcome.code, outcome.httpStatus], ['failed', 'rejected', 400]);
  assert.match(outcome.message, /Source does not link to target/);
});

test('read: 400 JSON -> failed/rejected with its error code and description', () => {
  const body = JSON.stringify({ error: 'no_link_found', error_description: 'The source URL does not contain a link' });
  const outcome = readWebmentionResponse(answer(400, body, { 'content-type': 'application/json' }));
  assert.equal(outcome.code, 'rejected');
  assert.equal(outcome.message, 'HTTP 400: no_link_found: The source URL does not contain a link');
});

test('read: 400 HTML page -> failed/rejected with its heading, without quoting markup', () => {
  const outcome = readWebmentionResponse(answer(400, '<html><body><h1>Bad Request</h1></body></html>', { 'content-type': 'text/html' }));
  assert.equal(outcome.code, 'rejected');
  assert.equal(outcome.message, 'HTTP 400: Bad Request');
});

// django-webmention 4.0 (webmention/views.py, resolution.py) answers with Django's HttpResponseBadRequest and
// HttpResponse, whose default Content-Type is text/html: plain sentences sent as HTML.
const DJANGO = { 'content-type': 'text/html; charset=utf-8' };

test("read: django-webmention's refusals (text/html sentences) show its words, not just \"rejected\"", () => {
  for (const reason of ['Could not fetch source URL', 'Source URL did not contain target URL', 'Target URL did not resolve to a resource on the server']) {
    const outcome = readWebmentionResponse(answer(400, reason, DJANGO));
    assert.deepEqual([outcome.status, outcome.code, outcome.message], ['failed', 'rejected', `HTTP 400: ${reason}`]);
  }
});

test("read: a 2xx says what the receiver said: django-webmention's 202 text, webmention.io's JSON summary", () => {
  const django = readWebmentionResponse(answer(202, 'The webmention was successfully received', DJANGO));
  assert.deepEqual([django.status, django.code, django.message], ['sent', 'ok', 'webmention queued by the receiver: The webmention was successfully received']);
  const json = JSON.stringify({ status: 'queued', summary: 'Webmention was queued for processing', location: 'https://webmention.io/api/webmention/x', source: post.url, target: 'https://t.example/' });
  const io = readWebmentionResponse(answer(201, json, { 'content-type': 'application/json', location: 'https://webmention.io/api/webmention/x' }));
  assert.equal(io.message, 'webmention created: Webmention was queued for processing; status at https://webmention.io/api/webmention/x');
  // A JSON echo of the request without a message field is not words: the plain line stays.
  const echo = readWebmentionResponse(answer(200, JSON.stringify({ source: post.url, target: 'https://t.example/' }), { 'content-type': 'application/json' }));
  assert.equal(echo.message, 'webmention accepted');
});

test('read: an nginx 429 page reads "HTTP 429: Too Many Requests"', () => {
  const page = '<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
  const outcome = readWebmentionResponse(answer(429, page, { 'content-type': 'text/html' }));
  assert.deepEqual([outcome.code, outcome.message], ['rate-limited', 'HTTP 429: Too Many Requests']);
});

test('read: a long 4xx text is cut to one short line', () => {
  const outcome = readWebmentionResponse(answer(422, `${'reason '.repeat(30)}\nSECOND-LINE ${'x'.repeat(500)}`, { 'content-type': 'text/plain' }));
  assert.equal(outcome.code, 'rejected');
  assert.doesNotMatch(outcome.message, /SECOND-LINE|\n/);
});

const STATUSES: Array<[status: number, code: string]> = [
  [300, 'invalid-response'],
  [301, 'invalid-response'],
  [302, 'invalid-response'],
  [303, 'invalid-response'],
  [307, 'invalid-response'],
  [308, 'invalid-response'],
  [400, 'rejected'],
  [404, 'rejected'],
  [410, 'rejected'],
  [422, 'rejected'],
  [429, 'rate-limited'],
  [503, 'rate-limited'],
  [500, 'server-error'],
  [502, 'server-error'],
  [504, 'server-error'],
  [600, 'invalid-response'],
];

for (const [status, code] of STATUSES) {
  test(`read: HTTP ${status} -> failed/${code}`, () => {
    const outcome = readWebmentionResponse(answer(status, '', { location: 'https://status.example/q/1' }));
    assert.deepEqual([outcome.status, outcome.code, outcome.httpStatus, 'location' in outcome], ['failed', code, status, false]);
  });
}

test('read: a redirect says it was not followed', () => {
  const outcome = readWebmentionResponse(answer(308, '', { location: 'https://new.example/webmention' }));
  assert.match(outcome.message, /redirect on POST not followed/);
});

test('wire: source and target arrive as form fields, and a 202 Location is resolved on the real answer', async () => {
  const server = await recordingServer({ status: 202, headers: { location: '/status/abc' }, body: '' });
  try {
    const req = buildWebmentionRequest({ ...input('webmention', `${server.url}/webmention`), targetUrl: 'https://target.example/straße?q=ü' });
    const outcome = readWebmentionResponse(await send(req));
    assert.equal(server.received.length, 1);
    const [got] = server.received;
    assert.equal(got?.method, 'POST');
    assert.equal(got?.url, '/webmention');
    assert.equal(got?.headers['content-type'], 'application/x-www-form-urlencoded');
    const form = new URLSearchParams(got?.body.toString('utf8'));
    assert.deepEqual([...form.keys()], ['source', 'target']);
    assert.equal(form.get('source'), post.url);
    assert.equal(form.get('target'), 'https://target.example/straße?q=ü');
    assert.deepEqual([outcome.status, outcome.code, outcome.location], ['sent', 'ok', `${server.url}/status/abc`]);
  } finally {
    await server.close();
  }
});

test("wire: django-webmention's 400 \"Could not fetch source URL\" (text/html) reaches the message as its words", async () => {
  const server = await recordingServer({ status: 400, headers: { 'content-type': 'text/html; charset=utf-8' }, body: 'Could not fetch source URL' });
  try {
    const outcome = readWebmentionResponse(await send(buildWebmentionRequest(input('webmention', `${server.url}/webmention/receive`))));
    assert.equal(server.received.length, 1);
    assert.deepEqual(outcome, { status: 'failed', code: 'rejected', message: 'HTTP 400: Could not fetch source URL', httpStatus: 400 });
  } finally {
    await server.close();
  }
});
