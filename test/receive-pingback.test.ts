// Receiving Pingback 1.0: requests from real senders (Python's xmlrpc.client, WordPress's IXR client) read by
// acceptPingback, and our answers read back by those same clients. Then the hostile bodies: XML bombs, external
// entities, oversized calls, other methods, wrong params.
// Touches no database (acceptPingback and its answers are pure); pingback through a store: receive-protocols-serve.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { acceptPingback, FAULT, MAX_PINGBACK_BYTES, pingbackAnswer } from '../src/receive/accept/pingback.ts';
import type { PingbackResult } from '../src/receive/accept/pingback.ts';
import type { Received, ReceiverRequest } from '../src/receive/types.ts';
import { acceptServer, run } from './fixtures/receive/accept-server.ts';
import type { AcceptServer } from './fixtures/receive/accept-server.ts';

const SITE = 'https://blog.example.org';
const NOW = new Date('2026-12-05T12:00:00Z');
const WORDPRESS_IXR = '/usr/share/wordpress/wp-includes/class-IXR.php';

/** What the server answers once a claim is accepted: chosen by the target's path, so one client run can try each. */
const RESULTS: Record<string, PingbackResult> = {
  '/no-link/': { state: 'verified', verification: { ok: false, code: 'no-link', reason: 'no <a href> to the target', retryable: false } },
  '/fetch-failed/': { state: 'verified', verification: { ok: false, code: 'fetch-failed', reason: 'connect ECONNREFUSED 10.0.0.1:22', retryable: true } },
  '/gone/': { state: 'verified', verification: { ok: false, code: 'gone', reason: '410', retryable: false } },
  '/again/': { state: 'verified', verification: { ok: true, property: 'mention-of' }, alreadyRegistered: true },
  '/slow/': { state: 'pending' },
};
const VERIFIED: PingbackResult = { state: 'verified', verification: { ok: true, property: 'mention-of' } };
const claims: Received[] = [];
let server: AcceptServer;

before(async () => {
  server = await acceptServer((request) => {
    const accepted = acceptPingback(request, SITE, NOW);
    if (!accepted.ok) return accepted.answer;
    claims.push(accepted.received);
    return pingbackAnswer(accepted.received, RESULTS[new URL(accepted.received.target).pathname] ?? VERIFIED);
  });
});
after(() => server.close());

interface Said { ok?: string; code?: number; string?: string }

// One Python process per test, each call's outcome a line (the interpreter takes a while to start here).
const PYTHON = `
import json, sys, xmlrpc.client
proxy = xmlrpc.client.ServerProxy(sys.argv[1])
for method, args in json.loads(sys.argv[2]):
    try:
        print(json.dumps({'ok': getattr(proxy, method)(*args)}))
    except xmlrpc.client.Fault as fault:
        print(json.dumps({'code': fault.faultCode, 'string': fault.faultString}))
`;

async function python(...calls: [string, ...unknown[]][]): Promise<Said[]> {
  const out = await run('python3', ['-c', PYTHON, `${server.origin}/blog.example.org/xmlrpc`, JSON.stringify(calls.map(([method, ...args]) => [method, args]))]);
  return out.trim().split('\n').map((line) => JSON.parse(line) as Said);
}

const ping = (source: unknown, target?: unknown): [string, ...unknown[]] => (target === undefined ? ['pingback.ping', source] : ['pingback.ping', source, target]);

function request(body: string | Buffer, headers: Record<string, string> = { 'content-type': 'text/xml' }, method = 'POST'): ReceiverRequest {
  return { method, url: '/blog.example.org/xmlrpc', headers, body: Buffer.from(body), clientAddress: '192.0.2.7' };
}

function faultOf(body: string | Buffer): number | undefined {
  const accepted = acceptPingback(request(body), SITE, NOW);
  if (accepted.ok) return undefined;
  const code = /<name>faultCode<\/name><value><int>(-?\d+)<\/int>/.exec(String(accepted.answer.body))?.[1];
  return code === undefined ? undefined : Number(code);
}

const call = (source: string, target: string) =>
  `<?xml version="1.0"?><methodCall><methodName>pingback.ping</methodName><params><param><value><string>${source}</string></value></param><param><value><string>${target}</string></value></param></params></methodCall>`;

test("Python's xmlrpc.client: the claim read from its request, and our answers as it reads them", async () => {
  claims.length = 0;
  const source = 'https://cites.example.net/a?x=1&y=<2>';
  const said = await python(
    ping(source, 'https://blog.example.org/2026/post/#comments'),
    // Non-ASCII URLs travel as UTF-8 in the XML and are stored percent-encoded.
    ping('https://cites.example.net/café', 'https://blog.example.org/über/'),
    ping(source, `${SITE}/no-link/`),
    ping(source, `${SITE}/fetch-failed/`),
    ping(source, `${SITE}/gone/`),
    ping(source, `${SITE}/again/`),
    ping(source, `${SITE}/slow/`),
  );
  assert.deepEqual(said[0], { ok: 'Pingback from https://cites.example.net/a?x=1&y=%3C2%3E to https://blog.example.org/2026/post/ registered.' });
  assert.deepEqual(claims[0], {
    site: SITE, protocol: 'pingback', source: 'https://cites.example.net/a?x=1&y=%3C2%3E', target: 'https://blog.example.org/2026/post/',
    clientAddress: '127.0.0.1', receivedAt: NOW.toISOString(),
  });
  assert.equal(server.requests.at(-1)?.headers['content-type'], 'text/xml');
  assert.equal(claims[1]?.source, 'https://cites.example.net/caf%C3%A9');
  assert.equal(claims[1]?.target, 'https://blog.example.org/%C3%BCber/');
  assert.deepEqual(said[2], { code: 0x11, string: 'The source URL does not contain a link to the target URL.' });
  assert.equal(said[3]?.code, 0x32, 'no usable answer from the source: the upstream fault');
  assert.doesNotMatch(said[3]?.string ?? '', /ECONNREFUSED|10\.0\.0\.1/, 'the fetch error is not repeated to the caller');
  assert.deepEqual(said[4], { code: 0x10, string: 'The source URL does not exist.' });
  assert.equal(said[5]?.code, 0x30);
  assert.match(said[6]?.ok ?? '', /received; it will be verified/);
  assert.equal(claims.length, 7);
});

test("Python's xmlrpc.client: refusals before anything is queued", async () => {
  claims.length = 0;
  const said = await python(
    ping('https://cites.example.net/a', 'https://elsewhere.example.com/post/'),
    ping('https://cites.example.net/a', 'http://blog.example.org/post/'), // another origin (http) is another site
    ping('javascript:alert(1)', `${SITE}/post/`),
    ping('https://u:p@cites.example.net/', `${SITE}/post/`),
    ping('not a url', `${SITE}/post/`),
    ping(`${SITE}/post/#a`, `${SITE}/post/#b`),
    ping('https://cites.example.net/a'),
    ping(1, `${SITE}/post/`),
    ['system.listMethods'],
    ['pingback.extensions.getPingbacks', `${SITE}/post/`],
  );
  assert.deepEqual(said.map((s) => s.code), [0x21, 0x21, 0x10, 0x10, 0x10, 0, FAULT.invalidParams, FAULT.invalidParams, FAULT.methodNotFound, FAULT.methodNotFound]);
  assert.deepEqual(claims, []);
});

test("WordPress's XML-RPC client (IXR, which its pingback() sends with): request read, answers understood", { skip: existsSync(WORDPRESS_IXR) ? false : 'needs Debian package wordpress' }, async () => {
  claims.length = 0;
  const php = `define('ABSPATH', '/usr/share/wordpress/'); define('WPINC', 'wp-includes');
    function apply_filters($hook, $value) { return $value; } // WordPress's, with no filter added
    require ABSPATH . WPINC . '/class-IXR.php';
    $client = new IXR_Client($argv[1]);
    $ok = $client->query('pingback.ping', $argv[2], $argv[3]);
    echo json_encode($ok ? ['ok' => $client->getResponse()] : ['code' => $client->getErrorCode(), 'string' => $client->getErrorMessage()]);`;
  const wordpress = (source: string, target: string) =>
    run('php', ['-r', php, '--', `${server.origin}/blog.example.org/xmlrpc`, source, target]).then((out) => JSON.parse(out) as { ok?: string; code?: number });
  assert.deepEqual(await wordpress('http://wp.example.net/?p=12&amp=1', `${SITE}/post/`), { ok: `Pingback from http://wp.example.net/?p=12&amp=1 to ${SITE}/post/ registered.` });
  assert.equal(claims[0]?.source, 'http://wp.example.net/?p=12&amp=1');
  assert.match(server.requests.at(-1)?.body.toString() ?? '', /^<\?xml version="1.0"\?>\n<methodCall>/, 'IXR_Request wrote this body');
  assert.equal((await wordpress('http://wp.example.net/?p=12', `${SITE}/gone/`)).code, 0x10);
});

test('XML bombs, external entities and DTDs are refused before parsing; nothing is expanded', () => {
  const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')}]>` +
    call('&lol9;', `${SITE}/post/`).replace('<?xml version="1.0"?>', '');
  assert.equal(faultOf(laughs), FAULT.parseError);
  const xxe = `<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]>${call('&x;', `${SITE}/post/`).replace('<?xml version="1.0"?>', '')}`;
  assert.equal(faultOf(xxe), FAULT.parseError);
  const external = `<?xml version="1.0"?><!DOCTYPE methodCall SYSTEM "http://127.0.0.1:1/dtd">${call('https://a.example/', `${SITE}/post/`).replace('<?xml version="1.0"?>', '')}`;
  assert.equal(faultOf(external), FAULT.parseError);
  // An entity used but never declared (the DTD cut off) is no more readable.
  assert.equal(faultOf(call('https://a.example/&x;', `${SITE}/post/`)), FAULT.parseError);
  // Nesting far past anything XML-RPC needs stops in the parser, not in the stack.
  assert.equal(faultOf(`<methodCall>${'<v>'.repeat(4000)}${'</v>'.repeat(4000)}</methodCall>`), FAULT.parseError);
  // The five predefined entities and character references are XML itself, and decoded.
  const accepted = acceptPingback(request(call('https://a.example/?a=1&amp;b=&#50;', `${SITE}/post/`)), SITE, NOW);
  assert.equal(accepted.ok && accepted.received.source, 'https://a.example/?a=1&b=2');
});

test('oversized, truncated, empty and non-XML-RPC bodies; other HTTP methods', () => {
  const padded = call(`https://a.example/${'a'.repeat(MAX_PINGBACK_BYTES)}`, `${SITE}/post/`);
  assert.equal(faultOf(padded), FAULT.parseError);
  assert.equal(faultOf(call('https://a.example/', `${SITE}/post/`).slice(0, -20)), FAULT.parseError);
  assert.equal(faultOf(''), FAULT.parseError);
  assert.equal(faultOf('<methodResponse/>'), FAULT.invalidRequest);
  assert.equal(faultOf('<methodCall><params/></methodCall>'), FAULT.methodNotFound);
  assert.equal(faultOf(call('https://a.example/', `${SITE}/post/`).replace('</params>', '<param><value><string>x</string></value></param></params>')), FAULT.invalidParams);
  // Untyped values are strings in XML-RPC (some old clients send them so).
  const untyped = acceptPingback(request(call('https://a.example/', `${SITE}/post/`).replace(/<\/?string>/g, '')), SITE, NOW);
  assert.equal(untyped.ok && untyped.received.source, 'https://a.example/');
  const get = acceptPingback(request('', {}, 'GET'), SITE, NOW);
  assert.equal(!get.ok && get.answer.status, 405);
});

test('charsets: the XML declaration and the Content-Type name them; a BOM wins', () => {
  const latin1 = Buffer.from(call('https://a.example/caf\u00e9', `${SITE}/post/`).replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="ISO-8859-1"?>'), 'latin1');
  const fromDeclaration = acceptPingback(request(latin1, {}), SITE, NOW);
  assert.equal(fromDeclaration.ok && fromDeclaration.received.source, 'https://a.example/caf%C3%A9');
  const fromHeader = acceptPingback(request(Buffer.from(call('https://a.example/caf\u00e9', `${SITE}/post/`), 'latin1'), { 'content-type': 'text/xml; charset=iso-8859-1' }), SITE, NOW);
  assert.equal(fromHeader.ok && fromHeader.received.source, 'https://a.example/caf%C3%A9');
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(call('https://a.example/x', `${SITE}/post/`), 'utf16le')]);
  const withBom = acceptPingback(request(utf16, { 'content-type': 'text/xml; charset=iso-8859-1' }), SITE, NOW);
  assert.equal(withBom.ok && withBom.received.source, 'https://a.example/x');
});

test('answers carry no character XML cannot hold', () => {
  const answer = pingbackAnswer({ source: 'https://a.example/\u0000', target: `${SITE}/` }, { state: 'pending' });
  assert.ok(!String(answer.body).includes('\u0000'));
  assert.equal(answer.status, 200);
  assert.equal(answer.headers['content-type'], 'text/xml; charset=utf-8');
});

test('a waiting request gets its own job\'s verdict; a retry or the deadline (here: an abort) reads as pending', async () => {
  const { createJobWaiters } = await import('../src/receive/accept/waiters.ts');
  const waiters = createJobWaiters();
  const verdict = { ok: true as const, property: 'mention-of' as const };
  const first = waiters.wait(1, 600_000);
  const second = waiters.wait(2, 600_000);
  waiters.event({ type: 'done', job: { id: 3 }, verification: verdict }); // another job's: ignored
  waiters.event({ type: 'done', job: { id: 1 }, verification: verdict });
  waiters.event({ type: 'retry', job: { id: 2 }, verification: { ok: false, code: 'fetch-failed', reason: 'x', retryable: true } });
  assert.deepEqual(await first, { state: 'verified', verification: verdict });
  assert.deepEqual(await second, { state: 'pending' });
  const controller = new AbortController();
  const third = waiters.wait(4, 600_000, controller.signal);
  controller.abort();
  assert.deepEqual(await third, { state: 'pending' });
});
