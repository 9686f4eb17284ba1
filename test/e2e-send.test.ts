// End to end: the example site (real Jekyll + minima output) against the simulated web, through the
// library and through the real command. Assertions are on what the servers received on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, readFile, writeFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseOptions, send } from '../src/index.ts';
import type { OptionsInput } from '../src/index.ts';
import { simulatedRun } from './fixtures/simulated-run.ts';
import type { SimulatedWeb } from '../example/web.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const exampleSite = join(root, 'example/site');

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<{ web: SimulatedWeb; dir: string; options: OptionsInput }> {
  const run = await simulatedRun(t, 'e2e');
  return { ...run, options: { ...run.options, site: exampleSite } };
}

const POST1 = 'https://blog.example.org/2026/10/02/attention-is-all-you-need/';
const POST2 = 'https://blog.example.org/2026/10/20/old-and-new-arxiv-ids/';
const POST3 = 'https://blog.example.org/2026/11/10/reading-group/';

test('first run notifies every target of every post once, with the right protocol', async (t) => {
  const { web, options } = await setup(t);
  const report = await send(options);

  const posts = web.notifications().map((r) => `${r.host}${r.path}`).sort();
  assert.deepEqual(posts, [
    'arxiv.org/trackback/1706.03762', // abs/…v5 and pdf/… of one paper: one trackback
    'arxiv.org/trackback/2001.08361',
    'arxiv.org/trackback/2005.14165', // from the DOI
    'arxiv.org/trackback/2101.99999', // unknown paper: error 1
    'arxiv.org/trackback/hep-th/9901001', // export.arxiv.org, old-style id, version dropped
    'pingback.example/xmlrpc.php',
    'trackback.example/tb/42', // the matching RDF block, never tb/41
    'webmention.example/webmention',
    'webmention.example/webmention?via=a',
  ]);

  // The arXiv trackback carries the post's fields, form-encoded UTF-8, Unicode intact.
  const tb = web.notifications().find((r) => r.path === '/trackback/1706.03762');
  assert.ok(tb);
  assert.match(tb.contentType, /^application\/x-www-form-urlencoded; ?charset=utf-8$/i);
  const fields = new URLSearchParams(tb.body);
  assert.equal(fields.get('url'), POST1);
  assert.equal(fields.get('title'), 'Notes on “Attention Is All You Need” — transformers, briefly');
  assert.equal(fields.get('blog_name'), 'Paper Notes');
  assert.equal(fields.get('excerpt'), 'A one-page summary of the transformer paper, and where to read more.');
  assert.match(tb.userAgent, /^linkback\/\d+\.\d+\.\d+ \(\+https?:\/\//);

  const wm = web.notifications().find((r) => r.path === '/webmention');
  assert.ok(wm);
  assert.deepEqual(Object.fromEntries(new URLSearchParams(wm.body)), { source: POST1, target: 'http://webmention.example/2025/notes-on-transformers' });

  // No request went to the About page's link, the footer's GitHub link or the site's own pages.
  assert.ok(!web.requests.some((r) => r.path === '/reading-list' || r.host === 'github.com' || r.host === 'blog.example.org'));
  // arXiv is never fetched before the trackback.
  assert.ok(!web.requests.some((r) => r.host.endsWith('arxiv.org') && r.method === 'GET'));

  const byTarget = new Map(report.results.map((r) => [`${r.source} ${r.target}`, r]));
  const failed = byTarget.get(`${POST2} https://arxiv.org/abs/2101.99999`);
  assert.equal(failed?.status, 'failed');
  assert.match(failed?.message ?? '', /No paper with id 2101\.99999/);
  assert.equal(byTarget.get(`${POST2} http://plain.example/help/arxiv-ids`)?.status, 'no-endpoint');
  assert.equal(byTarget.get(`${POST1} http://pingback.example/posts/attention`)?.protocol, 'pingback');
  assert.equal(byTarget.get(`${POST3} http://webmention.example/2026/scaling-commentary`)?.endpoint, 'http://webmention.example/webmention?via=a');
  assert.equal(report.summary.posts, 3);
  assert.equal(report.summary.sent, 8);
  assert.equal(report.summary.failed, 1);
});

test('a second run over the unchanged site makes no request at all', async (t) => {
  const { web, options } = await setup(t);
  await send(options);
  const before = web.requests.length;
  const second = await send(options);
  assert.equal(web.requests.length, before, 'no request on the second run');
  assert.equal(second.summary.sent, 0);
  assert.equal(second.summary.failed, 0);
  assert.equal(second.summary.unchangedPosts, 3);
});

test('a post edited to add a link gets exactly the new notification', async (t) => {
  const { web, dir, options } = await setup(t);
  const site = join(dir, 'site');
  await cp(exampleSite, site, { recursive: true });
  await send({ ...options, site });
  const before = web.notifications().length;
  const file = join(site, '2026/11/10/reading-group/index.html');
  const html = await readFile(file, 'utf8');
  assert.ok(html.includes('<p>This week we read '), 'minima markup as expected');
  // A word made into a link: the text a reader sees is the same, so the post's other targets hear nothing (an
  // edit of the text is an update for its Webmention targets: test/lifecycle-content.test.ts).
  await writeFile(file, html.replace('<p>This week we read ', '<p>This week we <a href="https://arxiv.org/abs/1706.03762">read</a> '));
  const report = await send({ ...options, site });
  const added = web.notifications().slice(before).map((r) => `${r.host}${r.path}`);
  assert.deepEqual(added, ['arxiv.org/trackback/1706.03762']);
  assert.equal(new URLSearchParams(web.notifications().at(-1)?.body).get('url'), POST3);
  assert.equal(report.summary.sent, 1);
});

test('--dry-run discovers (GET only), reports what it would send, and records nothing', async (t) => {
  const { web, options } = await setup(t);
  const report = await send({ ...options, dryRun: true });
  assert.equal(web.notifications().length, 0, 'no POST');
  assert.ok(web.requests.every((r) => r.method === 'GET'));
  assert.equal(report.summary.dryRun, 9);
  const wm = report.results.find((r) => r.target === 'http://webmention.example/2025/notes-on-transformers');
  assert.deepEqual([wm?.status, wm?.protocol, wm?.endpoint], ['dry-run', 'webmention', 'http://webmention.example/webmention']);
  await assert.rejects(stat(String(options.state)), /ENOENT/);
  // …so a real run afterwards still sends everything.
  const real = await send(options);
  assert.equal(real.summary.sent, 8);
});

test('keepResult: the report holds only the rows asked for; the summary and the events still count every one', async (t) => {
  const { web, options } = await setup(t);
  const events: string[] = [];
  const report = await send(options, {
    keepResult: (r) => r.status === 'failed',
    onEvent: (e) => { if (e.type === 'result') events.push(e.result.status); },
  });
  assert.equal(web.notifications().length, 9, 'every notification still went out');
  assert.deepEqual(report.results.map((r) => r.status), ['failed']);
  assert.equal(report.summary.sent, 8);
  assert.equal(report.summary.failed, 1);
  assert.equal(events.filter((s) => s === 'sent').length, 8);
});

test('workers: the same report with page parsing on two threads as on the calling thread alone', async (t) => {
  const { options } = await setup(t);
  // Rows come in the order answers arrive, which the network decides: compared as sets.
  const key = (x: { source: string; target: string }) => `${x.source} ${x.target}`;
  const strip = (r: Awaited<ReturnType<typeof send>>) => ({ results: [...r.results].sort((a, b) => key(a).localeCompare(key(b))), summary: r.summary, warnings: r.warnings });
  const one = await send({ ...options, dryRun: true, workers: 1 });
  const two = await send({ ...options, dryRun: true, workers: 2 });
  assert.equal(one.summary.dryRun, 9);
  assert.deepEqual(strip(two), strip(one));
  assert.throws(() => parseOptions({ ...options, workers: 0 }), /"workers"/);
});

test('targets on loopback are refused without allowPrivate, and the server receives nothing', async (t) => {
  const { web, options } = await setup(t);
  const report = await send({ ...options, allowPrivate: false });
  assert.equal(web.requests.length, 0);
  const pageRows = report.results.filter((r) => !r.target.includes('arxiv.org'));
  assert.ok(pageRows.length > 0);
  for (const row of report.results) {
    assert.equal(row.status, 'skipped', `${row.target}: ${row.message}`);
    assert.equal(row.code, 'private-address');
  }
});
