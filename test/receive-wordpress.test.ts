// The real WordPress (Debian's 6.1, test/fixtures/wordpress) as a sender: its pingback() discovers our endpoint
// on the target page (X-Pingback) and pings it; its trackback() posts to our TrackBack URL. Both land on a loopback
// server running acceptPingback / acceptTrackback, and WordPress records what it made of our answers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { acceptPingback, pingbackAnswer } from '../src/receive/accept/pingback.ts';
import { acceptTrackback, trackbackAnswer } from '../src/receive/accept/trackback.ts';
import type { Received } from '../src/receive/types.ts';
import { acceptServer } from './fixtures/receive/accept-server.ts';
import type { AcceptServer } from './fixtures/receive/accept-server.ts';
import { missingWordPress, startWordPress } from './fixtures/wordpress/server.ts';
import type { WordPress } from './fixtures/wordpress/server.ts';

const missing = missingWordPress();
const claims: Received[] = [];
let wp: WordPress | undefined;
let receiver: AcceptServer | undefined;
let site: { origin: string; close: () => Promise<void> } | undefined;

before(async () => {
  if (missing !== null) return;
  // Our site: its post announces the receiver's pingback endpoint, as `receiver` pages do.
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-pingback': `${receiver?.origin}/127.0.0.1/xmlrpc` }).end('<!doctype html><title>Our post</title><p>Hello.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  site = { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
  receiver = await acceptServer((request) => {
    const accepted = request.url.includes('/xmlrpc') ? acceptPingback(request, origin, new Date()) : acceptTrackback(request, origin, new Date());
    if (!accepted.ok) return accepted.answer;
    claims.push(accepted.received);
    const verified = { state: 'verified', verification: { ok: true, property: 'mention-of' } } as const;
    return accepted.received.protocol === 'pingback' ? pingbackAnswer(accepted.received, verified) : trackbackAnswer(verified);
  });
  wp = await startWordPress([{ slug: 'citing', title: 'Citing “them”' }]);
});

after(async () => {
  await wp?.stop();
  await receiver?.close();
  await site?.close();
});

test("WordPress's pingback() and trackback() deliver to our receiver; our pingback answer reads as success to it", { skip: missing ?? false, timeout: 300_000 }, async () => {
  assert.ok(wp && receiver && site);
  const [post] = wp.posts;
  assert.ok(post);
  const target = `${site.origin}/post/a/`;
  const trackbackUrl = `${receiver.origin}/127.0.0.1/trackback?target=${encodeURIComponent(`${site.origin}/post/b/`)}`;
  // What publishing does (do_all_pings, from WordPress's cron): pingback() for the links in the content, then
  // trackback() for the URLs given; 'pinged' then lists what WordPress counts as done.
  const out = await wp.php(`
    $id = (int) $argv[1];
    pingback('<p>See <a href="' . $argv[2] . '">this post</a>.</p>', $id);
    trackback($argv[3], 'Citing “them”', 'An excerpt, with é and “quotes”.', $id);
    clean_post_cache($id); // trackback() updates the row with SQL, behind the post cache
    echo json_encode(get_pung($id));`, [String(post.id), target, trackbackUrl]);
  const pinged = JSON.parse(out.slice(out.indexOf('['))) as string[];
  assert.ok(pinged.includes(target), `WordPress took the pingback as done: ${out}`);
  // (trackback() records any HTTP answer as done; it never reads the body.)
  assert.ok(pinged.includes(trackbackUrl), `WordPress sent the trackback: ${out}`);

  const pingback = claims.find((c) => c.protocol === 'pingback');
  assert.deepEqual([pingback?.source, pingback?.target], [post.url, target]);
  const wire = receiver.requests.find((r) => r.url.includes('/xmlrpc'));
  assert.match(wire?.headers['user-agent'] ?? '', /WordPress\/6/);
  const trackback = claims.find((c) => c.protocol === 'trackback');
  assert.equal(trackback?.source, post.url);
  assert.equal(trackback?.target, `${site.origin}/post/b/`);
  assert.deepEqual(trackback?.claimed, { title: 'Citing “them”', excerpt: 'An excerpt, with é and “quotes”.', blogName: 'linkback test blog' });
  assert.match(receiver.requests.find((r) => r.url.includes('/trackback'))?.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded; charset=UTF-8$/);
});
