import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser } from 'fast-xml-parser';
import { buildPingbackRequest, readPingbackResponse } from '../src/send/pingback.ts';
import { answer, billionLaughs, input, post, recordingServer, closeClient, send } from './fixtures/send/http.ts';

after(() => closeClient());

const XML = { 'content-type': 'text/xml' };
const success = (value: string) => `<?xml version="1.0"?>\n<methodResponse>\n  <params>\n    <param><value>${value}</value></param>\n  </params>\n</methodResponse>\n`;
const fault = (code: string, text: string) =>
  '<?xml version="1.0"?><methodResponse><fault><value><struct>' +
  `<member><name>faultCode</name><value>${code}</value></member>` +
  `<member><name>faultString</name><value><string>${text}</string></value></member>` +
  '</struct></value></fault></methodResponse>';

test('build: XML-RPC pingback.ping(source, target) POST, values escaped', () => {
  assert.deepEqual(buildPingbackRequest(input('pingback', 'https://target.example/xmlrpc.php')), {
    method: 'POST',
    url: 'https://target.example/xmlrpc.php',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body:
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      '<methodCall><methodName>pingback.ping</methodName><params>' +
      '<param><value><string>https://blog.example/2024/notes/</string></value></param>' +
      '<param><value><string>https://target.example/p?a=1&amp;b=2</string></value></param>' +
      '</params></methodCall>\n',
    maxBytes: 65536,
  });
});

test('build: <, >, quotes in a URL string are escaped too', () => {
  const req = buildPingbackRequest({ ...input('pingback'), targetUrl: `https://t.example/?q=<a>"'` });
  assert.match(req.body ?? '', /<string>https:\/\/t\.example\/\?q=&lt;a&gt;&quot;&apos;<\/string>/);
});

test('read: a string param -> sent/ok with the returned string', () => {
  const outcome = readPingbackResponse(answer(200, success('<string>Pingback from a to b registered. Keep the web talking!</string>'), XML));
  assert.deepEqual([outcome.status, outcome.code, outcome.httpStatus], ['sent', 'ok', 200]);
  assert.match(outcome.message, /registered\. Keep the web talking!/);
});

test('read: an untyped value (an XML-RPC string) -> sent/ok with it', () => {
  const outcome = readPingbackResponse(answer(200, success('Thanks &amp; welcome'), XML));
  assert.deepEqual([outcome.status, outcome.code], ['sent', 'ok']);
  assert.match(outcome.message, /Thanks & welcome/);
});

test('read: fault 48 -> sent/already-registered', () => {
  const outcome = readPingbackResponse(answer(200, fault('<int>48</int>', 'The pingback has already been registered.'), XML));
  assert.deepEqual([outcome.status, outcome.code], ['sent', 'already-registered']);
  assert.match(outcome.message, /already been registered/);
});

test('read: fault 17 (i4) -> failed/rejected with "fault 17: <string>"', () => {
  const outcome = readPingbackResponse(answer(200, fault('<i4>17</i4>', 'The source URL does not contain a link to the target URL'), XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'rejected']);
  assert.match(outcome.message, /fault 17: The source URL does not contain a link/);
});

test('read: fault 0 with an untyped code and a generic string -> failed/rejected, refused without a reason', () => {
  const outcome = readPingbackResponse(answer(200, fault('0', 'Generic error'), XML));
  assert.equal(outcome.code, 'rejected');
  assert.equal(outcome.message, 'refused without a reason (fault 0: Generic error)');
});

/** IXR_Error::getXml() behind IXR_Server::output(), byte for byte: what WordPress's xmlrpc.php sends for a fault. */
const wordpressFault = (code: number, text: string) =>
  '<?xml version="1.0" encoding="UTF-8"?>\n<methodResponse>\n  <fault>\n    <value>\n      <struct>\n        <member>\n          <name>faultCode</name>\n' +
  `          <value><int>${code}</int></value>\n        </member>\n        <member>\n          <name>faultString</name>\n          <value><string>${text}</string></value>\n` +
  '        </member>\n      </struct>\n    </value>\n  </fault>\n</methodResponse>\n';

test("read: WordPress's bare fault 0 (every refusal but a repeat) -> \"refused without a reason\"; a fault 0 with words keeps them", () => {
  const bare = readPingbackResponse(answer(200, wordpressFault(0, ''), XML));
  assert.deepEqual(bare, { status: 'failed', code: 'rejected', message: 'refused without a reason (fault 0)', httpStatus: 200 });
  const worded = readPingbackResponse(answer(200, wordpressFault(0, 'Is there no link to us?'), XML));
  assert.equal(worded.message, 'fault 0: Is there no link to us?');
});

test('read: a fault code without words says what the Pingback specification means by it', () => {
  const meanings: Array<[code: number, meaning: string]> = [
    [16, 'the source URL does not exist'],
    [17, 'the source does not link to the target'],
    [32, 'the target URL does not exist'],
    [33, 'the target URL cannot be used as a target'],
    [49, 'access denied'],
    [50, 'an upstream server failed'],
  ];
  for (const [code, meaning] of meanings) {
    const outcome = readPingbackResponse(answer(200, wordpressFault(code, ''), XML));
    assert.deepEqual([outcome.code, outcome.message], ['rejected', `fault ${code} (${meaning})`]);
  }
  // A receiver's own words win over the specification's.
  const worded = readPingbackResponse(answer(200, wordpressFault(17, 'The source URL does not contain a link to the target URL, and so cannot be used as a source.'), XML));
  assert.equal(worded.message, 'fault 17: The source URL does not contain a link to the target URL, and so cannot be used as a source.');
  assert.equal(readPingbackResponse(answer(200, wordpressFault(7, ''), XML)).message, 'fault 7');
});

test("read: WordPress's escaped strings read as text: \"you’ve\", not \"you&#8217;ve\"; tags stripped", () => {
  const duplicate = readPingbackResponse(answer(200, wordpressFault(409, 'Duplicate comment detected; it looks as though you&amp;#8217;ve already said that!'), XML));
  assert.equal(duplicate.message, 'fault 409: Duplicate comment detected; it looks as though you’ve already said that!');
  const closed = readPingbackResponse(answer(200, wordpressFault(403, '&lt;strong&gt;Error:&lt;/strong&gt; Comments are closed.'), XML));
  assert.equal(closed.message, 'fault 403: Error: Comments are closed.');
});

test("read: WordPress's flood answer, fault 429, carries its words", () => {
  const outcome = readPingbackResponse(answer(200, wordpressFault(429, 'You are posting comments too quickly. Slow down.'), XML));
  assert.equal(outcome.status, 'failed');
  assert.equal(outcome.message, 'fault 429: You are posting comments too quickly. Slow down.');
});

test("read: WordPress's success string is shown whole, not cut at 100 characters inside a word", () => {
  const returned = 'Pingback from https://blog.example/2024/05/notes-on-attention/ to https://wordpress.example/2024/01/transformers-explained/ registered. Keep the web talking! :-)';
  const outcome = readPingbackResponse(answer(200, success(`<string>${returned}</string>`), XML));
  assert.equal(outcome.message, `pingback accepted: ${returned}`);
});

test('read: fault 480 is not fault 48', () => {
  const outcome = readPingbackResponse(answer(200, fault('<int>480</int>', 'x'), XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'rejected']);
});

test('read: a fault without a readable struct is still a refusal', () => {
  const outcome = readPingbackResponse(answer(200, '<methodResponse><fault><value><string>nope</string></value></fault></methodResponse>', XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'rejected']);
});

test('read: both params and fault -> failed/invalid-response', () => {
  const body = '<methodResponse><params><param><value>x</value></param></params><fault><value><struct/></value></fault></methodResponse>';
  const outcome = readPingbackResponse(answer(200, body, XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
});

test('read: empty methodResponse -> failed/invalid-response', () => {
  const outcome = readPingbackResponse(answer(200, '<methodResponse/>', XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
});

test('read: params without a value -> failed/invalid-response', () => {
  const outcome = readPingbackResponse(answer(200, '<methodResponse><params></params></methodResponse>', XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
});

test('read: wrong root element (an echoed methodCall) -> failed/invalid-response naming it', () => {
  const outcome = readPingbackResponse(answer(200, '<methodCall><methodName>pingback.ping</methodName></methodCall>', XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
  assert.match(outcome.message, /<methodCall>/);
});

test('read: an HTML page -> failed/invalid-response', () => {
  const outcome = readPingbackResponse(answer(200, '<!doctype html><html><body>XML-RPC server accepts POST requests only.</body></html>', { 'content-type': 'text/html' }));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
});

test('read: garbage -> failed/invalid-response quoting it', () => {
  const outcome = readPingbackResponse(answer(200, 'pong', { 'content-type': 'text/plain' }));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
  assert.match(outcome.message, /"pong"/);
});

test('read: truncated XML-RPC answer -> failed/invalid-response', () => {
  const outcome = readPingbackResponse(answer(200, success('<string>ok</string>').slice(0, 60), XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
});

test('read: billion-laughs answer -> failed/invalid-response, refused before expansion', () => {
  const outcome = readPingbackResponse(answer(200, billionLaughs('methodResponse'), XML));
  assert.deepEqual([outcome.status, outcome.code], ['failed', 'invalid-response']);
  assert.match(outcome.message, /DTD/);
});

test('read: Latin-1 fault string -> decoded by the XML declaration', () => {
  const body = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${fault('<int>17</int>', 'Le lien est absent de la page liée')}`.replace('<?xml version="1.0"?>', ''), 'latin1');
  const outcome = readPingbackResponse(answer(200, body, XML));
  assert.equal(outcome.code, 'rejected');
  assert.match(outcome.message, /page liée/);
});

const STATUSES: Array<[status: number, code: string]> = [
  [301, 'invalid-response'],
  [400, 'rejected'],
  [403, 'rejected'],
  [404, 'rejected'],
  [405, 'rejected'],
  [429, 'rate-limited'],
  [503, 'rate-limited'],
  [500, 'server-error'],
  [502, 'server-error'],
];

for (const [status, code] of STATUSES) {
  test(`read: HTTP ${status} -> failed/${code}, even with a success body`, () => {
    const outcome = readPingbackResponse(answer(status, success('<string>ok</string>'), XML));
    assert.deepEqual([outcome.status, outcome.code, outcome.httpStatus], ['failed', code, status]);
  });
}

test('wire: the XML-RPC call arrives with both params, and the UTF-8 answer reads as sent', async () => {
  const server = await recordingServer({ status: 200, headers: { 'content-type': 'text/xml; charset=utf-8' }, body: success('<string>Ping registriert – danke</string>') });
  try {
    const req = buildPingbackRequest(input('pingback', `${server.url}/xmlrpc.php`));
    const outcome = readPingbackResponse(await send(req));
    assert.equal(server.received.length, 1);
    const [got] = server.received;
    assert.equal(got?.method, 'POST');
    assert.equal(got?.url, '/xmlrpc.php');
    assert.equal(got?.headers['content-type'], 'text/xml; charset=utf-8');
    const call = new XMLParser({ parseTagValue: false }).parse(got?.body.toString('utf8') ?? '');
    assert.equal(call.methodCall.methodName, 'pingback.ping');
    const values = (call.methodCall.params.param as Array<{ value: { string: string } }>).map((param) => param.value.string);
    assert.deepEqual(values, [post.url, 'https://target.example/p?a=1&b=2']);
    assert.deepEqual([outcome.status, outcome.code], ['sent', 'ok']);
    assert.match(outcome.message, /Ping registriert – danke/);
  } finally {
    await server.close();
  }
});

test("wire: WordPress's bare fault 0, over the wire, reads as refused without a reason", async () => {
  const server = await recordingServer({ status: 200, headers: { 'content-type': 'text/xml; charset=UTF-8' }, body: wordpressFault(0, '') });
  try {
    const outcome = readPingbackResponse(await send(buildPingbackRequest(input('pingback', `${server.url}/xmlrpc.php`))));
    assert.equal(server.received.length, 1);
    assert.deepEqual(outcome, { status: 'failed', code: 'rejected', message: 'refused without a reason (fault 0)', httpStatus: 200 });
  } finally {
    await server.close();
  }
});

test("wire: WordPress's fault 429 body, over the wire, keeps its words", async () => {
  const server = await recordingServer({ status: 200, headers: { 'content-type': 'text/xml; charset=UTF-8' }, body: wordpressFault(429, 'You are posting comments too quickly. Slow down.') });
  try {
    const outcome = readPingbackResponse(await send(buildPingbackRequest(input('pingback', `${server.url}/xmlrpc.php`))));
    assert.equal(server.received.length, 1);
    assert.equal(outcome.message, 'fault 429: You are posting comments too quickly. Slow down.');
  } finally {
    await server.close();
  }
});
