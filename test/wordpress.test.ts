// linkback against a real WordPress (Debian's 6.1 package, a private MariaDB, php -S; see
// fixtures/wordpress/server.ts), with its comment-flood check on. Our posts are served on 127.0.0.1 and
// WordPress really fetches them to verify a pingback. The ground truth is WordPress's database.
//
// Our site is served as http://localhost:<port> and WordPress as http://127.0.0.1:<port>: two host names, so
// no version of the own-site rule can take the blog's links for links to our own site.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send } from '../src/index.ts';
import type { OptionsInput, Result } from '../src/index.ts';
import { startServer } from './fixtures/net/local-server.ts';
import type { LocalServer } from './fixtures/net/local-server.ts';
import { missingWordPress, startWordPress } from './fixtures/wordpress/server.ts';
import type { PostSpec, WordPress, WpPost } from './fixtures/wordpress/server.ts';

const skip = missingWordPress() ?? false;
// Slow, not timed: WordPress renders each page in PHP, waits 1 s in every pingback, and its flood check asks
// for 15 s between linkbacks from one address, on a machine that may be loaded.
const TIMEOUT = 600_000;

// The blog's posts, one group per test: each test is about its own posts, so a failing test leaves no trace
// that another test counts.
const BLOG: PostSpec[] = [
  { slug: 'pingback-one', title: 'Pingback one' },
  { slug: 'pingback-two', title: 'Pingback two' },
  { slug: 'pingback-three', title: 'Pingback three' },
  // Pingbacks off (no X-Pingback): the page offers TrackBack RDF only.
  { slug: 'trackback-one', title: 'Trackback one', noPingback: true },
  { slug: 'trackback-two', title: 'Trackback two', noPingback: true },
  { slug: 'trackback-three', title: 'Trackback three', noPingback: true },
  // Pings closed: WordPress sends no X-Pingback, the page offers TrackBack RDF only.
  { slug: 'closed-trackback', title: 'Closed, trackback', pings: 'closed' },
  // Pings closed, but the theme prints <link rel="pingback"> anyway, as older themes do.
  { slug: 'closed-pingback', title: 'Closed, pingback', pings: 'closed', pingbackLink: true },
  { slug: 'repeat-pingback', title: 'Repeat, pingback' },
  { slug: 'repeat-trackback', title: 'Repeat, trackback', noPingback: true },
  { slug: 'undeployed', title: 'Not deployed yet' },
];

// One WordPress for the file, shared by the tests; set by before(), left unset only when the tests are skipped.
let wp: WordPress;
before(
  async () => {
    if (skip === false) wp = await startWordPress(BLOG);
  },
  { timeout: TIMEOUT },
);
after(async () => {
  await wp?.stop();
});

function post(slug: string): WpPost {
  const found = wp.posts.find((p) => p.slug === slug);
  assert.ok(found, slug);
  return found;
}

interface OurSite {
  dir: string;
  server: LocalServer;
  /** http://localhost:<port> */
  url: string;
  /** Writes a post linking to `targets` at /<slug>/. */
  write: (slug: string, title: string, targets: readonly string[]) => Promise<string>;
  /** Paths answering 404 for now (not deployed yet). */
  undeployed: Set<string>;
  /** The requests WordPress made for our pages. */
  fetchedByWordPress: () => string[];
  options: (state: string) => OptionsInput;
}

/** Our built site in a temp folder, and the web server that publishes it (on 127.0.0.1 only). */
async function ourSite(t: { after: (fn: () => Promise<void>) => void }): Promise<OurSite> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-wp-site-'));
  const site = join(dir, 'site');
  const pages = new Map<string, string>();
  const undeployed = new Set<string>();
  const server = await startServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const page = pages.get(path);
    if (page === undefined || undeployed.has(path)) {
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>Not found</title><h1>Not found</h1>');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
  });
  t.after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const url = `http://localhost:${server.port}`;
  return {
    dir,
    server,
    url,
    undeployed,
    async write(slug, title, targets) {
      const postUrl = `${url}/${slug}/`;
      const links = targets.map((target, i) => `<p>Point ${i + 1}: <a href="${target}">this post</a> says it well.</p>`).join('\n');
      const html = `<!doctype html><html><head><meta charset="utf-8"><title>${title} | Our notes</title>
<link rel="canonical" href="${postUrl}"><meta property="og:site_name" content="Our notes"></head>
<body><header><a href="${url}/">Our notes</a></header>
<main><article class="h-entry"><h1 class="p-name">${title}</h1><time class="dt-published" datetime="2026-12-01">1 December 2026</time>
<div class="e-content"><p>Notes on a few posts of a WordPress blog.</p>
${links}</div></article></main></body></html>
`;
      await mkdir(join(site, slug), { recursive: true });
      await writeFile(join(site, slug, 'index.html'), html);
      pages.set(`/${slug}/`, html);
      return postUrl;
    },
    fetchedByWordPress: () => server.requests.filter((r) => /^WordPress\//.test(String(r.headers['user-agent']))).map((r) => r.url),
    options: (state) => ({ site, siteUrl: url, state: join(dir, state), allowPrivate: true, timeout: 120_000 }),
  };
}

function row(results: readonly Result[], target: string): Result {
  const found = results.find((r) => r.target === target);
  assert.ok(found, `a row for ${target} in ${JSON.stringify(results)}`);
  return found;
}

/** The linkbacks WordPress stored for one of its posts. */
async function storedFor(target: WpPost): Promise<Array<{ type: string; authorUrl: string }>> {
  return (await wp.linkbacks()).filter((l) => l.postId === target.id).map((l) => ({ type: l.type, authorUrl: l.authorUrl }));
}

function describe(results: readonly Result[]): string {
  return results.map((r) => `${r.target}: ${r.status} ${r.code} ${r.message}`).join('\n');
}

test('the blog listens on 127.0.0.1 only: MariaDB on a Unix socket, php -S on one loopback port', { skip: skip || (process.platform !== 'linux' && 'reads /proc'), timeout: TIMEOUT }, async (t) => {
  t.diagnostic(`WordPress started in ${Math.round(wp.startupMs)} ms at ${wp.origin}`); // for the record, not asserted
  assert.deepEqual(await wp.listening(), [new URL(wp.origin).host]);
});

test('pingbacks to 3 posts of one WordPress blog all arrive, once, in one run, with its flood check on', { skip, timeout: TIMEOUT }, async (t) => {
  await wp.floodWindowOver();
  const site = await ourSite(t);
  const targets = [post('pingback-one'), post('pingback-two'), post('pingback-three')];
  const source = await site.write('three-pingbacks', 'Three pingbacks', targets.map((p) => p.url));

  const report = await send(site.options('state.json'));

  for (const target of targets) {
    assert.deepEqual(await storedFor(target), [{ type: 'pingback', authorUrl: source }], `${target.url}\n${describe(report.results)}`);
    const r = row(report.results, target.url);
    assert.equal(r.protocol, 'pingback');
    assert.equal(r.endpoint, `${wp.origin}/xmlrpc.php`, 'from the X-Pingback header');
    assert.equal(r.status, 'sent', describe(report.results));
  }
  assert.equal(report.summary.sent, 3);
  assert.equal(report.summary.failed, 0);
  // WordPress verified each one by fetching our post.
  assert.deepEqual(site.fetchedByWordPress().filter((u) => u === '/three-pingbacks/').length, 3);

  // A second run sends nothing more.
  const before = (await wp.requests()).length;
  const second = await send(site.options('state.json'));
  assert.equal(second.summary.sent, 0);
  assert.deepEqual((await wp.requests()).slice(before).filter((r) => r.method === 'POST'), []);
});

test('trackbacks to 3 posts of one WordPress blog all arrive, once, in one run, with its flood check on', { skip, timeout: TIMEOUT }, async (t) => {
  await wp.floodWindowOver();
  const site = await ourSite(t);
  const targets = [post('trackback-one'), post('trackback-two'), post('trackback-three')];
  const source = await site.write('three-trackbacks', 'Three trackbacks', targets.map((p) => p.url));

  const report = await send(site.options('state.json'));

  for (const target of targets) {
    assert.deepEqual(await storedFor(target), [{ type: 'trackback', authorUrl: source }], `${target.url}\n${describe(report.results)}`);
    const r = row(report.results, target.url);
    assert.equal(r.protocol, 'trackback');
    // WordPress's trackback URL with pretty permalinks: the post's URL + trackback/ (not wp-trackback.php).
    assert.equal(r.endpoint, `${target.url}trackback/`, 'from the TrackBack RDF');
    assert.equal(r.status, 'sent', describe(report.results));
  }
  assert.equal(report.summary.sent, 3);
  assert.equal(report.summary.failed, 0);
  // On the wire too: WordPress's own duplicate check would keep a second copy out of its database, so the
  // proof of "once" is that nothing was POSTed to a trackback URL after it accepted one. (A POST answered
  // 429 before that was not processed: trying it again later is right.)
  const requests = await wp.requests();
  for (const target of targets) {
    const path = new URL(`${target.url}trackback/`).pathname;
    const posts = requests.filter((r) => r.method === 'POST' && r.path === path);
    const accepted = posts.findIndex((r) => r.status === 200);
    assert.equal(accepted, posts.length - 1, `${path}: the accepted POST is the last one: ${JSON.stringify(posts)}`);
  }
});

test('a post with pings closed: a definite refusal, not tried again, nothing stored', { skip, timeout: TIMEOUT }, async (t) => {
  await wp.floodWindowOver();
  const site = await ourSite(t);
  const trackbackTarget = post('closed-trackback');
  const pingbackTarget = post('closed-pingback');
  await site.write('closed', 'Closed posts', [trackbackTarget.url, pingbackTarget.url]);

  const report = await send(site.options('state.json'));

  const tb = row(report.results, trackbackTarget.url);
  assert.deepEqual([tb.protocol, tb.status, tb.code], ['trackback', 'failed', 'rejected'], describe(report.results));
  assert.match(tb.message, /Sorry, trackbacks are closed for this item\./);
  // WordPress answers fault 0 with an empty string, not fault 33: its xmlrpc_pingback_error filter turns every
  // pingback fault but 48 into a bare 0 (a pingback must not tell a prober which posts exist).
  const pb = row(report.results, pingbackTarget.url);
  assert.deepEqual([pb.protocol, pb.status, pb.code], ['pingback', 'failed', 'rejected'], describe(report.results));
  assert.deepEqual(await storedFor(trackbackTarget), []);
  assert.deepEqual(await storedFor(pingbackTarget), []);

  // The next run does not ask again.
  const before = (await wp.requests()).length;
  const second = await send(site.options('state.json'));
  assert.deepEqual((await wp.requests()).slice(before).filter((r) => r.method === 'POST'), []);
  assert.equal(second.summary.sent, 0);
});

test('a repeat after a lost state: WordPress says "already" and it counts as sent, stored once', { skip, timeout: TIMEOUT }, async (t) => {
  await wp.floodWindowOver();
  const site = await ourSite(t);
  const pingbackTarget = post('repeat-pingback');
  const trackbackTarget = post('repeat-trackback');
  const source = await site.write('repeat', 'Repeat', [pingbackTarget.url, trackbackTarget.url]);

  // Delivered first, one run each: this test is about the repeat, not about pacing.
  const first = await send({ ...site.options('state.json'), only: [pingbackTarget.url] });
  assert.equal(first.summary.sent, 1, describe(first.results));
  await wp.floodWindowOver();
  const firstTrackback = await send({ ...site.options('state.json'), only: [trackbackTarget.url] });
  assert.equal(firstTrackback.summary.sent, 1, describe(firstTrackback.results));

  // The state is lost: a fresh state file sends both again, and WordPress refuses both as repeats.
  const before = (await wp.requests()).length;
  const repeat = await send(site.options('lost.json'));
  const posted = new Set((await wp.requests()).slice(before).filter((r) => r.method === 'POST').map((r) => r.path));
  assert.deepEqual(posted, new Set(['/xmlrpc.php', new URL(`${trackbackTarget.url}trackback/`).pathname]), 'both were asked again');

  const pb = row(repeat.results, pingbackTarget.url);
  assert.deepEqual([pb.protocol, pb.status, pb.code], ['pingback', 'sent', 'already-registered'], describe(repeat.results));
  const tb = row(repeat.results, trackbackTarget.url);
  assert.deepEqual([tb.protocol, tb.status, tb.code], ['trackback', 'sent', 'already-registered'], describe(repeat.results));
  assert.equal(repeat.summary.failed, 0);
  assert.deepEqual(await storedFor(pingbackTarget), [{ type: 'pingback', authorUrl: source }]);
  assert.deepEqual(await storedFor(trackbackTarget), [{ type: 'trackback', authorUrl: source }]);
});

test('our post not deployed yet (404) when linkback runs: nothing is lost, the next run delivers it', { skip, timeout: TIMEOUT }, async (t) => {
  await wp.floodWindowOver();
  const site = await ourSite(t);
  const target = post('undeployed');
  const source = await site.write('not-yet', 'Not deployed yet', [target.url]);
  site.undeployed.add('/not-yet/');

  // Sent now, WordPress would fetch the 404 and answer a bare fault 0 (fault 16 is hidden, as above), which
  // reads as a refusal: only a look at our own post first can tell "not deployed yet".
  const early = await send(site.options('state.json'));
  const r = row(early.results, target.url);
  assert.deepEqual([r.status, r.code], ['held', 'not-deployed'], describe(early.results));
  assert.equal(early.summary.failed, 0);
  assert.deepEqual(await storedFor(target), []);
  assert.deepEqual(site.fetchedByWordPress(), [], 'WordPress was not asked to verify a page that is not there');

  // Deployed: the next run sends it by itself, and WordPress verifies it.
  site.undeployed.delete('/not-yet/');
  await wp.floodWindowOver();
  const late = await send(site.options('state.json'));
  assert.equal(row(late.results, target.url).status, 'sent', describe(late.results));
  assert.deepEqual(await storedFor(target), [{ type: 'pingback', authorUrl: source }]);
});
