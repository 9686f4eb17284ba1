// The real WordPress (Debian's 6.1, test/fixtures/wordpress) as a sender: its pingback() discovers our endpoint
// on the target page (X-Pingback) and pings it; its trackback() posts to our TrackBack URL. First both land on a
// loopback server running acceptPingback / acceptTrackback (what came on the wire, no database); then on the real
// receiver (startReceiver), once on SQLite and once on Postgres, where both claims must be stored as sent. One
// WordPress serves the whole file (its start is the expensive part): each case pings its own target URLs.
import { after, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSettings } from '../src/options.ts';
import { acceptPingback, pingbackAnswer } from '../src/receive/accept/pingback.ts';
import { acceptTrackback, trackbackAnswer } from '../src/receive/accept/trackback.ts';
import { receiverEndpoints } from '../src/receive/publish/head.ts';
import { startReceiver } from '../src/receive/serve.ts';
import type { Received } from '../src/receive/types.ts';
import { acceptServer } from './fixtures/receive/accept-server.ts';
import { missingWordPress, startWordPress } from './fixtures/wordpress/server.ts';
import type { WordPress } from './fixtures/wordpress/server.ts';
import { postgresBin } from './postgres-fixture.ts';
import { forEachStore } from './receive-stores.ts';

const missing = missingWordPress();
const TITLE = 'Citing “them”';
const EXCERPT = 'An excerpt, with é and “quotes”.';

// Started on first use; stopped after the last suite that runs (see the end of the file).
let started: Promise<WordPress> | undefined;
const wordPress = () => (started ??= startWordPress([{ slug: 'citing', title: TITLE }]));

/** Our site: every page announces `pingback` as its endpoint (X-Pingback), as `receiver` pages do. */
async function ourSite(t: TestContext, pingback: (origin: string) => string): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'x-pingback': pingback(origin) }).end('<!doctype html><title>Our post</title><p>Hello.</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return origin;
}

/** What publishing does (do_all_pings, from WordPress's cron): pingback() for the links in the content, then
 * trackback() for the URLs given. Resolves with 'pinged', what WordPress then counts as done. */
async function publish(wp: WordPress, target: string, trackbackUrl: string): Promise<string[]> {
  const [post] = wp.posts;
  assert.ok(post);
  const out = await wp.php(`
    $id = (int) $argv[1];
    pingback('<p>See <a href="' . $argv[2] . '">this post</a>.</p>', $id);
    trackback($argv[3], $argv[4], $argv[5], $id);
    clean_post_cache($id); // trackback() updates the row with SQL, behind the post cache
    echo json_encode(get_pung($id));`, [String(post.id), target, trackbackUrl, TITLE, EXCERPT]);
  return JSON.parse(out.slice(out.indexOf('['))) as string[];
}

test("WordPress's pingback() and trackback() deliver to our receiver; our pingback answer reads as success to it", { skip: missing ?? false, timeout: 300_000 }, async (t) => {
  const wp = await wordPress();
  const [post] = wp.posts;
  assert.ok(post);
  const claims: Received[] = [];
  let acceptOrigin = '';
  const site = await ourSite(t, () => `${acceptOrigin}/127.0.0.1/xmlrpc`);
  const receiver = await acceptServer((request) => {
    const accepted = request.url.includes('/xmlrpc') ? acceptPingback(request, site, new Date()) : acceptTrackback(request, site, new Date());
    if (!accepted.ok) return accepted.answer;
    claims.push(accepted.received);
    const verified = { state: 'verified', verification: { ok: true, property: 'mention-of' } } as const;
    return accepted.received.protocol === 'pingback' ? pingbackAnswer(accepted.received, verified) : trackbackAnswer(verified);
  });
  t.after(() => receiver.close());
  acceptOrigin = receiver.origin;
  const target = `${site}/post/a/`;
  const trackbackUrl = `${receiver.origin}/127.0.0.1/trackback?target=${encodeURIComponent(`${site}/post/b/`)}`;
  const pinged = await publish(wp, target, trackbackUrl);
  assert.ok(pinged.includes(target), `WordPress took the pingback as done: ${pinged}`);
  // (trackback() records any HTTP answer as done; it never reads the body.)
  assert.ok(pinged.includes(trackbackUrl), `WordPress sent the trackback: ${pinged}`);

  const pingback = claims.find((c) => c.protocol === 'pingback');
  assert.deepEqual([pingback?.source, pingback?.target], [post.url, target]);
  const wire = receiver.requests.find((r) => r.url.includes('/xmlrpc'));
  assert.match(wire?.headers['user-agent'] ?? '', /WordPress\/6/);
  const trackback = claims.find((c) => c.protocol === 'trackback');
  assert.equal(trackback?.source, post.url);
  assert.equal(trackback?.target, `${site}/post/b/`);
  assert.deepEqual(trackback?.claimed, { title: TITLE, excerpt: EXCERPT, blogName: 'linkback test blog' });
  assert.match(receiver.requests.find((r) => r.url.includes('/trackback'))?.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded; charset=UTF-8$/);
});

forEachStore((kind) => {
  test(`${kind.name}: WordPress's pingback and trackback reach the real receiver, read as sent, and are stored as WordPress sent them`, { skip: missing ?? false, timeout: 300_000 }, async (t) => {
    const wp = await wordPress();
    const [post] = wp.posts;
    assert.ok(post);
    const { settings: database } = await kind.database(t);
    let receiverUrl = '';
    const site = await ourSite(t, (origin) => receiverEndpoints(receiverUrl, origin).pingback);
    // The verifier stands in for fetching WordPress's post (pingback() is given the content, it is not published):
    // what is tested is accepting, storing and answering. It sees each claim as the worker read it from the database.
    const claims: Received[] = [];
    const receiver = await startReceiver(
      parseSettings({ sites: [site], port: 0, ...database, rateClient: 0, rateSource: 0, allowPrivate: true }),
      {
        verify: async (received) => {
          claims.push(received);
          return { ok: true, property: 'mention-of' };
        },
      },
    );
    t.after(() => receiver.close());
    receiverUrl = receiver.url;
    const target = `${site}/post/a/`;
    const trackbackUrl = `${receiverEndpoints(receiver.url, site).trackback}?target=${encodeURIComponent(`${site}/post/b/`)}`;
    const pinged = await publish(wp, target, trackbackUrl);
    assert.ok(pinged.includes(target), `WordPress took the pingback as done: ${pinged}`);
    assert.ok(pinged.includes(trackbackUrl), `WordPress sent the trackback: ${pinged}`);

    const mentions = await receiver.store.mentions({});
    assert.deepEqual(mentions.map((m) => `${m.protocol} ${m.source} -> ${m.target}`).sort(),
      [`pingback ${post.url} -> ${target}`, `trackback ${post.url} -> ${site}/post/b/`]);
    assert.deepEqual(claims.find((c) => c.protocol === 'trackback')?.claimed, { title: TITLE, excerpt: EXCERPT, blogName: 'linkback test blog' }, 'UTF-8 intact through the queue');
    const stats = await receiver.store.queueStats();
    assert.deepEqual(stats.jobs, { queued: 0, running: 0, done: 2, dead: 0 }, 'one job each, both verified');
  });

  // After the last suite that runs: Postgres's, or SQLite's when Postgres is not installed (its suite is skipped).
  if (kind.name === (postgresBin() ? 'postgres' : 'sqlite')) after(async () => (await started?.catch(() => undefined))?.stop());
});
