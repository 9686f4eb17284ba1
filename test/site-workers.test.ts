// scanSite on worker threads: the same pages in the same order, with the same warnings in the same order,
// as on the calling thread; skip() still decides from the hash before anything parses the page; a worker
// really parses (the pool answers, healthy), every page in flight comes back as itself; a scan broken off
// early leaves no thread running.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { scanSite, type ScanOptions, type SiteOptions } from '../src/site/index.ts';
import { Waiting, createParsePool, toWorkerSetup } from '../src/site/pool.ts';
import { pageFromBytes, readHints } from '../src/site/scan.ts';
import type { SiteContext } from '../src/site/post.ts';

const temps: string[] = [];
after(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function site(files: Record<string, string | Buffer>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'linkback-workers-'));
  temps.push(root);
  for (const [name, body] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), body);
  }
  return root;
}

const post = (n: number, links: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>Post ${n}</title><link rel="canonical" href="https://w.example/p/${n}/">` +
  `<meta property="article:published_time" content="2024-03-${String((n % 28) + 1).padStart(2, '0')}"></head>` +
  `<body><nav><a href="https://nav.example/">nav</a></nav><article><h1>Post ${n}</h1><div class="post-content"><p>Text ${n} ${links}</p></div></article></body></html>`;

/** A site with every kind of page and every warning the scan gives, in several folders. */
async function mixedSite(): Promise<string> {
  const files: Record<string, string | Buffer> = {
    'index.html': '<!doctype html><html><head><title>W</title><link rel="canonical" href="https://w.example/"></head><body><ul class="post-list"><li><a href="/p/1/">1</a></li></ul></body></html>',
    '404.html': '<html><head><title>Not found</title></head><body>404</body></html>',
    'about/index.html': '<html><head><title>About</title></head><body><main><p>About me</p></main></body></html>',
    'img.html': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]),
    'latin.html': Buffer.concat([Buffer.from('<html><head><meta property="article:published_time" content="2024-01-01"></head><body><main><p>Caf'), Buffer.from([0xe9, 0x20, 0x93, 0x71, 0x94]), Buffer.from('<a href="https://latin.example/">x</a></p></main></body></html>')]),
    'deep.html': `<html><head><meta property="article:published_time" content="2024-01-02"></head><body>${'<div>'.repeat(600)}<a href="https://deep.example/">x</a></body></html>`,
    'long.html': post(999, `<a href="https://long.example/${'x'.repeat(9000)}">long</a>`),
    // Over the whole-file limit: streamed on the calling thread, in its place in the order.
    'big/index.html': post(1000, `<a href="https://big.example/">big</a>${'<p>filler text for a big page</p>'.repeat(40_000)}`),
  };
  for (let n = 0; n < 60; n++) {
    files[`p/${n}/index.html`] = post(n, `<a href="https://a${n % 7}.example/x">a</a> <a href="https://arxiv.org/abs/2101.0${1000 + n}">paper</a> <a href="/p/${n + 1}/">next</a>`);
  }
  const root = await site(files);
  await symlink('..', join(root, 'p', 'loop'));
  await symlink('gone.html', join(root, 'p', 'broken.html'));
  return root;
}

type Event = { warning: string } | { page: unknown };

async function events(root: string, scan: ScanOptions, options: Partial<SiteOptions> = {}): Promise<Event[]> {
  const out: Event[] = [];
  const opts: SiteOptions = { siteUrl: null, blogName: null, ...options };
  for await (const page of scanSite(root, opts, { ...scan, onWarning: (w) => out.push({ warning: `${w.file}: ${w.message}` }) })) {
    out.push({ page });
  }
  return out;
}

test('workers: same pages, same order, same warnings in the same places as on the calling thread', async () => {
  const root = await mixedSite();
  const one = await events(root, { workers: 1 });
  const pages = one.filter((e) => 'page' in e);
  assert.equal(pages.length, 68, 'every HTML file is a page');
  assert.ok(one.some((e) => 'warning' in e && /symlink loop/.test(e.warning)));
  assert.ok(one.some((e) => 'warning' in e && /windows-1252/.test(e.warning)));
  assert.ok(one.some((e) => 'warning' in e && /nested deeper/.test(e.warning)));
  assert.ok(one.some((e) => 'warning' in e && /longer than 8192/.test(e.warning)));
  for (const workers of [2, 3]) {
    assert.deepEqual(await events(root, { workers }), one, `${workers} workers`);
  }
  // The default starts workers only past 200 pages; past it, the output is the same too.
  const many: Record<string, string> = {};
  for (let n = 0; n < 260; n++) many[`${String(n).padStart(3, '0')}/index.html`] = post(n, `<a href="https://m${n % 5}.example/${n}">m</a>`);
  const big = await site(many);
  assert.deepEqual(await events(big, {}), await events(big, { workers: 1 }));
});

test('workers: skip() decides from the hash before any parsing', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
  const root = await site({ 'a.html': post(1, ''), 'b.html': png, 'c.html': post(3, '<a href="https://c.example/">c</a>') });
  const asked: string[] = [];
  const out = await events(root, {
    workers: 2,
    skip: (file, hash) => {
      asked.push(file);
      return file === 'b.html' && hash === createHash('sha256').update(png).digest('hex');
    },
  });
  assert.deepEqual(asked, ['a.html', 'b.html', 'c.html']);
  // A parsed (or sniffed) b.html would have warned "not HTML".
  assert.deepEqual(out.filter((e) => 'warning' in e), []);
  assert.deepEqual(out.map((e) => ('page' in e ? (e.page as { kind: string }).kind : 'warning')), ['post', 'unchanged', 'post']);
});

test('workers: a worker thread parses a page exactly as the calling thread does', async () => {
  const options: SiteOptions = { siteUrl: 'https://w.example/', blogName: null };
  const context: SiteContext = { siteBase: new URL('https://w.example/'), homeBase: null, blogName: null, homeTitle: 'W', homeDescription: null };
  const pool = createParsePool(2, toWorkerSetup(options, context));
  try {
    const bytes = Buffer.from(post(5, `<a href="https://x.example/a#frag">x</a><a href="${'https://y.example/'.padEnd(9000, 'y')}">long</a>`));
    const job = { file: 'p/5/index.html', hash: 'h', encoding: 'utf-8', declared: false, bytes };
    const warnings: string[] = [];
    const here = pageFromBytes(job, context, readHints(options), options, (_file, message) => warnings.push(message));
    // A worker says when it has loaded; until then (nothing can have arrived yet) the scan parses pages itself.
    assert.equal(pool.ready, 0);
    const there = await pool.parse(job);
    // The worker that answered said it had loaded before it answered (one port, in order).
    assert.ok(pool.ready >= 1, `ready: ${pool.ready}`);
    assert.equal(pool.healthy, true);
    assert.equal(there.page.kind, 'post');
    assert.deepEqual(there.page, here);
    assert.deepEqual(there.warnings.map((w) => w.message), warnings);
    assert.equal(warnings.length, 1);
  } finally {
    await pool.close();
  }
});

test('workers: the pages waiting for a worker are found by id, in any order, also once the table has grown', () => {
  const waiting = new Waiting<string>(4);
  // 0..9 in a table of 4: ids 4 and 8 take the place of 0, so it grows (twice).
  for (let id = 0; id < 10; id++) waiting.add(id, `page ${id}`);
  waiting.add(1000, 'page 1000');
  assert.equal(waiting.size, 11);
  assert.equal(waiting.take(5), 'page 5');
  assert.equal(waiting.take(5), undefined, 'taken once');
  assert.equal(waiting.take(37), undefined, 'never added');
  assert.equal(waiting.take(1000), 'page 1000');
  assert.equal(waiting.take(0), 'page 0');
  waiting.add(16, 'page 16');
  assert.equal(waiting.size, 9);
  assert.deepEqual(waiting.takeAll().sort(), ['page 1', 'page 16', 'page 2', 'page 3', 'page 4', 'page 6', 'page 7', 'page 8', 'page 9']);
  assert.equal(waiting.size, 0);
  assert.equal(waiting.take(1), undefined);
});

test('workers: many pages handed to the pool at once each come back as their own page', async () => {
  const options: SiteOptions = { siteUrl: 'https://w.example/', blogName: null };
  const context: SiteContext = { siteBase: new URL('https://w.example/'), homeBase: null, blogName: null, homeTitle: 'W', homeDescription: null };
  const pool = createParsePool(2, toWorkerSetup(options, context));
  try {
    // More pages in flight than the table of waiting pages first holds (16 a worker).
    const jobs = Array.from({ length: 80 }, (_, n) => ({
      file: `p/${n}/index.html`, hash: `h${n}`, encoding: 'utf-8', declared: false, bytes: Buffer.from(post(n, `<a href="https://x${n}.example/">x</a>`)),
    }));
    const pages = await Promise.all(jobs.map((job) => pool.parse(job)));
    assert.equal(pool.healthy, true);
    assert.equal(pool.backlog, 0);
    for (const [n, { page }] of pages.entries()) {
      assert.equal(page.kind, 'post');
      assert.equal(page.file, `p/${n}/index.html`);
      assert.deepEqual(page.kind === 'post' ? page.post.links : null, [`https://x${n}.example/`]);
    }
  } finally {
    await pool.close();
  }
});

test('workers: a scan broken off early stops its threads', { skip: !existsSync('/proc/self/task') && 'needs /proc to count threads' }, async () => {
  const root = await mixedSite();
  const threads = () => readdirSync('/proc/self/task').length;
  const before = threads();
  let seen = 0;
  let during = 0;
  // Three threads parse: this one and two workers.
  for await (const page of scanSite(root, { siteUrl: null, blogName: null }, { workers: 3 })) {
    assert.ok(page.file);
    during = Math.max(during, threads());
    if (++seen === 3) break;
  }
  assert.equal(seen, 3);
  assert.ok(during >= before + 2, `two worker threads while scanning (${before} -> ${during})`);
  assert.equal(threads(), before, 'no worker thread left once the scan is closed');
});

test('workers: by default a site of 200 pages or more has its worker before the first page, a smaller one none', {
  skip: (!existsSync('/proc/self/task') && 'needs /proc to count threads') || (availableParallelism() < 2 && 'one core: no worker by default'),
}, async () => {
  const threads = () => readdirSync('/proc/self/task').length;
  const pages = (count: number) => {
    const files: Record<string, string> = {};
    for (let n = 0; n < count; n++) files[`${String(n).padStart(3, '0')}/index.html`] = post(n, '');
    return site(files);
  };
  const big = await pages(200);
  const small = await pages(199);
  // Warm: the first scan starts libuv's file-system threads, which stay; only worker threads come and go.
  for await (const page of scanSite(small, { siteUrl: null, blogName: null }, { workers: 1 })) assert.ok(page.file);
  const before = threads();
  let first: number | null = null;
  for await (const page of scanSite(big, { siteUrl: null, blogName: null })) {
    assert.ok(page.file);
    first ??= threads();
  }
  // It used to start once 200 pages had been read on this thread alone, so it loaded too late to take them.
  assert.ok(first !== null && first >= before + 1, `a worker thread at the first page (${before} -> ${first})`);
  let most = 0;
  for await (const page of scanSite(small, { siteUrl: null, blogName: null })) {
    assert.ok(page.file);
    most = Math.max(most, threads());
  }
  assert.equal(most, before, 'no worker thread for 199 pages');
});
