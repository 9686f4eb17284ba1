// Real senders nobody here wrote (and our own) deliver to a real `linkback serve` child process on loopback:
//  (a) `linkback send` over a small built site whose post links to three pages of the receiver's site, each
//      advertising the receiver as `serve --print-head` and src/receive/publish/head.ts make it (webmention,
//      pingback, TrackBack RDF); a second `send` sends nothing;
//  (b) @remy/webmention's CLI, from an h-entry file;
//  (c) the real WordPress (Debian's), publishing a post that links to our site: its own pingback goes over HTTP.
// The ground truth is the receiver's database (the store's mentions(), read once the server has stopped). On SQLite
// and on Postgres alike; one WordPress serves both (its start is the expensive part), a post for each database.
import { after, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { close, listen, root, startServe } from './receive-helpers.ts';
import type { ServeChild } from './receive-helpers.ts';
import { receiverEndpoints, trackbackRdf } from '../src/receive/publish/head.ts';
import type { Mention } from '../src/receive/types.ts';
import { missingWordPress, startWordPress } from './fixtures/wordpress/server.ts';
import type { WordPress } from './fixtures/wordpress/server.ts';
import { postgresBin } from './postgres-fixture.ts';
import { forEachStore } from './receive-stores.ts';
import type { StoreKind } from './receive-stores.ts';

const TIMEOUT = 600_000;

/** Runs a command; resolves with stdout whatever the exit code (the caller asserts on what it printed). */
function run(file: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The receiver's own site on 127.0.0.1 (pages that advertise `serve`), and `linkback serve` receiving for it. */
async function startReceiver(kind: StoreKind, t: TestContext, pages: (base: string, site: string) => Record<string, { head?: string; body?: string; headers?: Record<string, string> }>, extraArgs: string[] = []) {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-senders-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // The pages name the receiver's URL, known once it listens.
  const started: { serve?: ServeChild } = {};
  const ourSite = await listen((req, res) => {
    const page = started.serve ? pages(started.serve.url, ourSite.origin)[req.url ?? ''] : undefined;
    if (!page) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...page.headers })
      .end(`<!doctype html><html><head><title>Our page</title>\n${page.head ?? ''}</head><body><p>A page of ours.</p>\n${page.body ?? ''}</body></html>`);
  });
  t.after(() => close(ourSite.server));
  const database = await kind.database(t);
  const child = await startServe(['--site', ourSite.origin, ...database.args, '--allow-private', '--verify-timeout', '60000', '--verbose', ...extraArgs], { cwd: dir });
  started.serve = child;
  t.after(() => child.child.kill('SIGKILL'));
  const domain = new URL(ourSite.origin).host;
  return {
    dir, serve: child, site: ourSite.origin, domain,
    /** Resolves once `count` verdicts are logged (--verbose prints one line per job done): events, not time. */
    verdicts: (count: number) => new Promise<void>((resolve) => {
      const check = () => {
        if ((child.stderr().match(/^linkback: job \d+ done: /gm)?.length ?? 0) < count) return;
        child.child.stderr?.off('data', check);
        resolve();
      };
      child.child.stderr?.on('data', check);
      check();
    }),
    /** Stops the server cleanly and reads what it stored. */
    stored: async (): Promise<Mention[]> => {
      child.child.kill('SIGTERM');
      assert.equal(await child.exited, 0, child.stderr());
      const store = await database.openStore();
      try {
        return await store.mentions({});
      } finally {
        await store.close();
      }
    },
  };
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.xml': 'application/xml' };

/** A built site on disk, served as a static host would (dir/index.html for /dir/). */
async function serveFolder(folder: string) {
  return listen((req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = join(folder, path.endsWith('/') ? `${path}index.html` : path);
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      () => res.writeHead(404, { 'content-type': 'text/html' }).end('<!doctype html><title>Not found</title>'),
    );
  });
}

const summary = (mentions: Mention[], strip: string[]) => mentions
  .map((m) => `${m.protocol} ${m.status === 'deleted' ? 'deleted ' : ''}${strip.reduce((s, o) => s.replaceAll(o, ''), `${m.source} -> ${m.target}`)}`)
  .sort();

const SEND = 'linkback send delivers a webmention, a pingback and a trackback to linkback serve, verified, once; a second send sends nothing';
async function linkbackSend(kind: StoreKind, t: TestContext): Promise<void> {
  const receiver = await startReceiver(kind, t, (base, site) => {
    const endpoints = receiverEndpoints(base, site);
    return {
      '/wm/': { head: `<link rel="webmention" href="${endpoints.webmention}">\n<link rel="pingback" href="${endpoints.pingback}">` },
      '/pb/': { head: `<link rel="pingback" href="${endpoints.pingback}">` },
      '/tb/': { body: trackbackRdf(base, site, { url: `${site}/tb/`, title: 'Our TrackBack page' }) },
    };
  });
  const { site } = receiver;

  // Our user's blog: one post citing the three pages, built to a folder and served on loopback (the live check).
  const built = join(receiver.dir, '_site');
  await mkdir(join(built, 'posts/citing'), { recursive: true });
  const blog = await serveFolder(built);
  t.after(() => close(blog.server));
  await writeFile(join(built, 'index.html'), `<!doctype html><html><head><title>A blog</title></head><body><a href="/posts/citing/">Citing</a></body></html>`);
  await writeFile(join(built, 'posts/citing/index.html'), `<!doctype html><html><head><title>Citing three pages</title>
<link rel="canonical" href="${blog.origin}/posts/citing/"></head><body>
<article class="h-entry"><h1 class="p-name">Citing three pages</h1><time class="dt-published" datetime="2026-12-01">1 December 2026</time>
<div class="e-content"><p>See <a href="${site}/wm/">one</a>, <a href="${site}/pb/">two</a> and <a href="${site}/tb/">three</a>.</p></div>
</article></body></html>`);

  const send = () => run(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bin.ts'), 'send', built, '--site-url', blog.origin,
    '--state', join(receiver.dir, 'state.json'), '--allow-private', '--json'], root);
  const first = await send();
  assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
  const results = (JSON.parse(first.stdout) as { results: { target: string; protocol: string | null; status: string }[] }).results;
  assert.deepEqual(results.map((r) => `${r.status} ${r.protocol} ${r.target.replace(site, '')}`).sort(),
    ['sent pingback /pb/', 'sent trackback /tb/', 'sent webmention /wm/']);

  const second = await send();
  assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
  const again = (JSON.parse(second.stdout) as { results: { status: string }[] }).results;
  assert.deepEqual(again.filter((r) => r.status === 'sent'), [], second.stdout);

  await receiver.verdicts(3);
  const mentions = await receiver.stored();
  const post = `${blog.origin}/posts/citing/`;
  assert.deepEqual(summary(mentions, [site]), [
    `pingback ${post} -> /pb/`, `trackback ${post} -> /tb/`, `webmention ${post} -> /wm/`,
  ].sort());
  assert.ok(mentions.every((m) => m.verifiedAt !== undefined), JSON.stringify(mentions));
  const webmention = mentions.find((m) => m.protocol === 'webmention');
  assert.equal(webmention?.name, 'Citing three pages');
  assert.equal(webmention?.published?.slice(0, 10), '2026-12-01');
}

const REMY = '@remy/webmention (its CLI, from an h-entry file) delivers webmentions to linkback serve, verified';
async function remyWebmention(kind: StoreKind, t: TestContext): Promise<void> {
  // The author's page is served at http://author.example/ (serve connects there with --connect-to): @remy/webmention
  // leaves out links whose text contains the page's own host name, so source and targets cannot both be 127.0.0.1.
  const author = await listen((req, res) => {
    if (req.url !== '/notes/1') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(entry);
  });
  t.after(() => close(author.server));
  const receiver = await startReceiver(kind, t, (base, site) => {
    const { webmention } = receiverEndpoints(base, site);
    return {
      '/a/': { headers: { link: `<${webmention}>; rel="webmention"` } },
      '/b/': { head: `<link rel="webmention" href="${webmention}">` },
    };
  }, ['--connect-to', `author.example=${author.origin.replace('http://', '')}`]);
  const { site } = receiver;
  const entry = `<!doctype html><html><head><title>A note</title><link rel="canonical" href="http://author.example/notes/1"></head><body>
<article class="h-entry"><a class="u-url" href="http://author.example/notes/1">permalink</a>
<a class="p-author h-card" href="http://author.example/">Ada</a>
<div class="e-content"><p>I liked <a href="${site}/a/">this</a>; <a class="u-in-reply-to" href="${site}/b/">and a reply</a>.</p></div>
</article></body></html>`;
  const file = join(receiver.dir, 'note.html');
  await writeFile(file, entry);

  const out = await run(process.execPath, [join(root, 'node_modules/@remy/webmention/bin/wm.js'), file, '--send'], receiver.dir);
  assert.equal(out.code, 0, `${out.stdout}\n${out.stderr}`);
  assert.equal(out.stdout.match(/^status {3}= 202 /gm)?.length, 2, out.stdout);

  await receiver.verdicts(2);
  const mentions = await receiver.stored();
  assert.deepEqual(summary(mentions, [site]), ['webmention http://author.example/notes/1 -> /a/', 'webmention http://author.example/notes/1 -> /b/']);
  assert.equal(mentions.find((m) => m.target === `${site}/b/`)?.property, 'in-reply-to');
  assert.equal(mentions.find((m) => m.target === `${site}/a/`)?.author?.name, 'Ada');
}

const noWordPress = missingWordPress();

// One WordPress for the file, started on first use, a post per database; stopped once the last suite is done.
let wordPress: Promise<WordPress> | undefined;
const WORDPRESS = 'WordPress publishes a post linking to our site: its own pingback reaches linkback serve over HTTP, verified';
async function wordPressPingback(kind: StoreKind, t: TestContext): Promise<void> {
  const receiver = await startReceiver(kind, t, (base, site) => ({
    // WordPress's discover_pingback_server_uri() reads X-Pingback first.
    '/post/a/': { headers: { 'x-pingback': receiverEndpoints(base, site).pingback } },
  }));
  const wp = await (wordPress ??= startWordPress([{ slug: 'citing-us-sqlite', title: 'Citing us' }, { slug: 'citing-us-postgres', title: 'Citing us' }]));
  const post = wp.posts.find((p) => p.slug === `citing-us-${kind.name}`);
  assert.ok(post);
  const target = `${receiver.site}/post/a/`;
  // What publishing does: the post's content links to our page, _pingme marks it, and WordPress's cron runs
  // do_all_pings(), which calls pingback() for the links in the content.
  const out = await wp.php(`
    $id = (int) $argv[1];
    wp_update_post(['ID' => $id, 'post_content' => '<p>See <a href="' . $argv[2] . '">this post</a>.</p>']);
    add_post_meta($id, '_pingme', '1');
    do_all_pings();
    clean_post_cache($id);
    echo json_encode(get_pung($id));`, [String(post.id), target]);
  const pinged = JSON.parse(out.slice(out.indexOf('['))) as string[];
  assert.deepEqual(pinged, [target], `${out}\n${receiver.serve.stderr()}`);

  await receiver.verdicts(1);
  const mentions = await receiver.stored();
  assert.deepEqual(summary(mentions, [receiver.site]), [`pingback ${post.url} -> /post/a/`]);
  assert.ok(mentions[0]?.verifiedAt, JSON.stringify(mentions));
}

forEachStore((kind) => {
  test(`${kind.name}: ${SEND}`, { timeout: TIMEOUT }, (t) => linkbackSend(kind, t));
  test(`${kind.name}: ${REMY}`, { timeout: TIMEOUT }, (t) => remyWebmention(kind, t));
  test(`${kind.name}: ${WORDPRESS}`, { skip: noWordPress ?? false, timeout: TIMEOUT }, (t) => wordPressPingback(kind, t));
  // After the last suite that runs: Postgres's, or SQLite's when Postgres is not installed (its suite is skipped).
  if (kind.name === (postgresBin() ? 'postgres' : 'sqlite')) after(async () => (await wordPress?.catch(() => undefined))?.stop());
});
