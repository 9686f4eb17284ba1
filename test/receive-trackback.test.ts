// Receiving TrackBack 1.2: form POSTs from real senders (curl, WordPress's own HTTP library) read by
// acceptTrackback, and our answers as they come back. Then the hostile ones: oversized forms, charset tricks,
// targets off the site, fields over the limits.
// Touches no database (acceptTrackback and its answers are pure); trackback through a store: receive-protocols-serve.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptTrackback, LIMITS, MAX_TRACKBACK_BYTES, readForm, trackbackAnswer } from '../src/receive/accept/trackback.ts';
import type { TrackbackResult } from '../src/receive/accept/trackback.ts';
import type { Received, ReceiverRequest } from '../src/receive/types.ts';
import { acceptServer, run } from './fixtures/receive/accept-server.ts';
import type { AcceptServer } from './fixtures/receive/accept-server.ts';

const SITE = 'https://blog.example.org';
const NOW = new Date('2026-12-05T12:00:00Z');
const REQUESTS_PHP = '/usr/share/wordpress/wp-includes/class-requests.php';

/** The verification result, chosen by the target's path. */
const RESULTS: Record<string, TrackbackResult> = {
  '/no-link/': { state: 'verified', verification: { ok: false, code: 'no-link', reason: 'no link', retryable: false } },
  '/fetch-failed/': { state: 'verified', verification: { ok: false, code: 'fetch-failed', reason: 'connect ETIMEDOUT 10.1.2.3:25', retryable: true } },
  '/slow/': { state: 'pending' },
};
const claims: Received[] = [];
let server: AcceptServer;
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'linkback-trackback-'));
  server = await acceptServer((request) => {
    const accepted = acceptTrackback(request, SITE, NOW);
    if (!accepted.ok) return accepted.answer;
    claims.push(accepted.received);
    return trackbackAnswer(RESULTS[new URL(accepted.received.target).pathname] ?? { state: 'verified', verification: { ok: true, property: 'mention-of' } });
  });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const endpoint = (target: string) => `${server.origin}/blog.example.org/trackback?target=${encodeURIComponent(target)}`;
const curl = (...args: string[]) => run('curl', ['--silent', '--show-error', ...args]);

test('curl --data-urlencode (UTF-8, no charset named): fields decoded, the answer is <error>0</error>', async () => {
  claims.length = 0;
  const answer = await curl(
    '--data-urlencode', 'title=Café ☕ & “quotes”',
    '--data-urlencode', 'url=https://cites.example.net/a?b=1&c=2#frag',
    '--data-urlencode', 'excerpt=First line.\nSecond\tline.',
    '--data-urlencode', 'blog_name=Cites',
    endpoint(`${SITE}/2026/post/`),
  );
  assert.equal(answer, '<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>0</error>\n</response>\n');
  assert.equal(server.requests.at(-1)?.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(claims, [{
    site: SITE, protocol: 'trackback', source: 'https://cites.example.net/a?b=1&c=2', target: `${SITE}/2026/post/`,
    claimed: { title: 'Café ☕ & “quotes”', excerpt: 'First line. Second line.', blogName: 'Cites' },
    clientAddress: '127.0.0.1', receivedAt: NOW.toISOString(),
  }]);
});

test('curl with a Latin-1 and a Shift_JIS body, their charsets in the Content-Type; windows-1252 guessed when none is named', async () => {
  claims.length = 0;
  await writeFile(join(dir, 'latin1'), Buffer.from('Caf\u00e9 cr\u00e8me', 'latin1'));
  await writeFile(join(dir, 'sjis'), Buffer.from([0x93, 0xfa, 0x96, 0x7b])); // 日本 in Shift_JIS
  await writeFile(join(dir, 'cp1252'), Buffer.from([0x93, 0x68, 0x69, 0x94])); // “hi” in windows-1252, not UTF-8
  const url = ['--data-urlencode', 'url=https://cites.example.net/a'];
  await curl('-H', 'Content-Type: application/x-www-form-urlencoded; charset=ISO-8859-1', '--data-urlencode', `title@${join(dir, 'latin1')}`, ...url, endpoint(`${SITE}/post/`));
  await curl('-H', 'Content-Type: application/x-www-form-urlencoded; charset="Shift_JIS"', '--data-urlencode', `title@${join(dir, 'sjis')}`, ...url, endpoint(`${SITE}/post/`));
  await curl('--data-urlencode', `title@${join(dir, 'cp1252')}`, ...url, endpoint(`${SITE}/post/`));
  // What curl sent: Latin-1 bytes escaped, the space as '+' (curl 7.86 and later) or %20 (before).
  assert.match(server.requests.at(-3)?.body.toString('latin1') ?? '', /^title=Caf%E9(?:\+|%20)cr%E8me&url=https%3A%2F%2Fcites\.example\.net%2Fa$/);
  assert.deepEqual(claims.map((c) => c.claimed?.title), ['Café crème', '日本', '“hi”']);
});

test("WordPress's HTTP library posting the fields its trackback() sends", { skip: existsSync(REQUESTS_PHP) ? false : 'needs Debian package wordpress' }, async () => {
  claims.length = 0;
  // trackback() (wp-includes/comment.php) hands this array to wp_safe_remote_post(), which posts it with Requests.
  const php = `define('ABSPATH', '/usr/share/wordpress/'); define('WPINC', 'wp-includes');
    require ABSPATH . WPINC . '/class-requests.php'; Requests::register_autoloader();
    $body = ['title' => 'Über <b>bold</b>', 'url' => 'http://wp.example.net/?p=7', 'blog_name' => 'WP & co', 'excerpt' => str_repeat('long ', 400)];
    echo Requests::post($argv[1], [], $body, ['timeout' => 30])->body;`;
  const path = `${server.origin}/blog.example.org/trackback/2026/12/05/post/`;
  const answer = await run('php', ['-r', php, '--', path]);
  assert.match(answer, /<error>0<\/error>/);
  assert.equal(server.requests.at(-1)?.headers['content-type'], 'application/x-www-form-urlencoded; charset=UTF-8');
  const [claim] = claims;
  assert.equal(claim?.target, `${SITE}/2026/12/05/post/`, 'the target from the per-post path');
  assert.equal(claim?.source, 'http://wp.example.net/?p=7');
  assert.equal(claim?.claimed?.title, 'Über <b>bold</b>', 'plain text, kept as sent: the display escapes it');
  assert.equal(claim?.claimed?.blogName, 'WP & co');
  assert.equal([...(claim?.claimed?.excerpt ?? '')].length, LIMITS.excerpt);
  assert.match(claim?.claimed?.excerpt ?? '', /long…$/);
});

test('refusals are <error>1</error> with a message; nothing is queued', async () => {
  claims.length = 0;
  const url = ['--data-urlencode', 'url=https://cites.example.net/a'];
  const said = async (target: string, ...args: string[]) => /<message>(.*)<\/message>/.exec(await curl(...args, target))?.[1];
  assert.match(await said(endpoint('https://elsewhere.example.com/post/'), ...url) ?? '', /not on a site/);
  assert.match(await said(`${server.origin}/blog.example.org/trackback`, ...url) ?? '', /No target/);
  assert.match(await said(`${server.origin}/blog.example.org/trackback//evil.example/x`, ...url) ?? '', /not on a site/);
  assert.match(await said(endpoint(`${SITE}/post/`), '--data-urlencode', 'title=no url') ?? '', /url URL is missing/);
  assert.match(await said(endpoint(`${SITE}/post/`), '--data-urlencode', 'url=javascript:alert(1)') ?? '', /not http/);
  assert.match(await said(endpoint(`${SITE}/post/`), '--data-urlencode', `url=${SITE}/post/#x`) ?? '', /same URL/);
  assert.deepEqual(claims, []);
  const get = await run('curl', ['--silent', '--write-out', '%{http_code}', endpoint(`${SITE}/post/`)]);
  assert.match(get, /TrackBack pings must use HTTP POST.*405$/s);
});

test('verification results become answers; a fetch error is not repeated to the sender', async () => {
  const url = ['--data-urlencode', 'url=https://cites.example.net/a'];
  assert.match(await curl(...url, endpoint(`${SITE}/no-link/`)), /<error>1<\/error>\n<message>The url does not link to the target.<\/message>/);
  const failed = await curl(...url, endpoint(`${SITE}/fetch-failed/`));
  assert.match(failed, /<error>1<\/error>/);
  assert.doesNotMatch(failed, /ETIMEDOUT|10\.1\.2\.3/);
  assert.match(await curl(...url, endpoint(`${SITE}/slow/`)), /<error>0<\/error>/, 'pending at the deadline: received, verified later');
});

function request(body: string | Buffer, contentType?: string): ReceiverRequest {
  return {
    method: 'POST', url: `/blog.example.org/trackback?target=${encodeURIComponent(`${SITE}/post/`)}`,
    headers: contentType === undefined ? {} : { 'content-type': contentType }, body: Buffer.from(body), clientAddress: '192.0.2.7',
  };
}

test('oversized forms are refused before they are read', () => {
  const big = acceptTrackback(request(`url=https%3A%2F%2Fa.example%2F&excerpt=${'a'.repeat(MAX_TRACKBACK_BYTES)}`), SITE, NOW);
  assert.equal(!big.ok && big.answer.status, 413);
  assert.match(!big.ok ? String(big.answer.body) : '', /<error>1<\/error>/);
});

test('charset tricks: UTF-7 and UTF-16 labels read as if absent, bad bytes never throw, controls and bidi overrides dropped', () => {
  // UTF-7 would turn "+ADw-script+AD4-" into "<script>"; TextDecoder has no UTF-7, and neither do we.
  assert.equal(readForm(Buffer.from('title=%2BADw-script%2BAD4-'), 'application/x-www-form-urlencoded; charset=utf-7').get('title'), '+ADw-script+AD4-');
  assert.equal(readForm(Buffer.from('title=hi'), 'application/x-www-form-urlencoded; charset=utf-16le').get('title'), 'hi');
  assert.equal(readForm(Buffer.from('title=%FF%FE'), 'application/x-www-form-urlencoded; charset=utf-8').get('title'), '\uFFFD\uFFFD');
  assert.equal(readForm(Buffer.from('a=1+2&a=3&b&=x'), undefined).get('a'), '1 2', 'the first of a repeated field; + is a space');
  const accepted = acceptTrackback(request('url=https%3A%2F%2Fa.example%2F&title=a%00b%1B%5B31m%E2%80%AEc%C2%85d'), SITE, NOW);
  assert.equal(accepted.ok && accepted.received.claimed?.title, 'ab[31mcd');
  const long = acceptTrackback(request(`url=https%3A%2F%2Fa.example%2F&title=${'%F0%9F%98%80'.repeat(LIMITS.title + 5)}`), SITE, NOW);
  const title = long.ok ? long.received.claimed?.title ?? '' : '';
  assert.equal([...title].length, LIMITS.title);
  assert.ok(title.endsWith('😀…'), 'cut between code points, never inside a surrogate pair');
});
