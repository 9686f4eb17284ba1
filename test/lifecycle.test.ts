// A blog's later life, end to end against a local web: posts edited, links dropped, posts deleted, linkback adopted
// on a blog with a history (baseline, since). Assertions are on what the servers received on the wire.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { baseline, send } from '../src/index.ts';
import type { LinkbackEvent, OptionsInput } from '../src/index.ts';
import { openState } from '../src/state/store.ts';
import { localRun } from './fixtures/lifecycle/web.ts';
import type { Seen, TestWeb } from './fixtures/lifecycle/web.ts';
import { build, postUrl } from './fixtures/lifecycle/blog.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<{ web: TestWeb; dir: string; site: string; options: OptionsInput }> {
  const run = await localRun(t, 'lifecycle');
  const site = join(run.dir, 'site');
  return { ...run, site, options: { ...run.options, site } };
}

/** Posts A and B sent, then B removed from the site, its URL answering `status`: where every deletion test starts. */
async function withBDeleted(t: { after: (fn: () => Promise<void>) => void }, status: number): Promise<{ web: TestWeb; site: string; options: OptionsInput }> {
  const run = await setup(t);
  await build(run.site, [A, B], 'T1');
  await send(run.options);
  await build(run.site, [A], 'T2');
  run.web.status.set('/b/', status);
  return run;
}

/** Requests since `from`, as "METHOD host/path", sorted (pairs run concurrently). */
function wire(web: TestWeb, from: number): string[] {
  return web.requests.slice(from).map((r) => `${r.method} ${r.host}${r.path}`).sort();
}

function fields(r: Seen): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(r.body));
}

const A: PostSpec = {
  slug: 'a',
  title: 'On scaling',
  date: '2024-05-01',
  body: '<p>Notes on <a href="http://wm.example/one">one</a>, <a href="http://wm.example/two">two</a>, ' +
    '<a href="http://pb.example/p">a pingback page</a> and <a href="https://arxiv.org/abs/2001.08361">the paper</a>.</p>',
};
const B: PostSpec = {
  slug: 'b',
  title: 'A second post',
  date: '2024-06-01',
  body: '<p>More on <a href="http://wm.example/three">three</a>, <a href="http://pb.example/q">q</a> and <a href="https://arxiv.org/abs/1706.03762">attention</a>.</p>',
};
const FIRST_RUN_A = [
  'POST arxiv.org/trackback/2001.08361',
  'POST pb.example/xmlrpc',
  'POST wm.example/webmention',
  'POST wm.example/webmention',
];

function posts(web: TestWeb, from: number): string[] {
  return wire(web, from).filter((line) => line.startsWith('POST'));
}

test('an edited post adding one arXiv link to words already there sends exactly that trackback and nothing else', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A], 'T1');
  await send(options);
  assert.deepEqual(posts(web, 0), FIRST_RUN_A);

  const before = web.requests.length;
  // The text a reader sees is the same (a word became a link): no news for the other targets.
  await build(site, [{ ...A, body: A.body.replace('Notes', '<a href="https://arxiv.org/abs/1706.03762v5">Notes</a>') }], 'T2');
  const report = await send(options);
  // The whole wire: the post checked live once, one trackback, no discovery, no re-send to the other targets.
  assert.deepEqual(wire(web, before), ['GET blog.example/a/', 'POST arxiv.org/trackback/1706.03762']);
  assert.equal(new URLSearchParams(web.requests.at(-1)?.body).get('url'), postUrl('a'));
  assert.equal(report.summary.sent, 1);
  assert.equal(report.summary.resent, 0);
});

test('a rebuild that changes only the site footer and build time sends and fetches nothing', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A, B], 'T1');
  await send(options);
  const before = web.requests.length;
  await build(site, [A, B], 'T2 (every file differs)');
  const report = await send(options);
  assert.deepEqual(wire(web, before), []);
  assert.equal(report.summary.posts, 2, 'both files changed, so both were parsed');
  assert.equal(report.summary.sent, 0);
});

test('an edited post removing a webmention target notifies that target once', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A], 'T1');
  await send(options);

  const before = web.requests.length;
  await build(site, [{ ...A, body: A.body.replace('<a href="http://wm.example/two">two</a>', 'two') }], 'T2');
  const report = await send(options);
  assert.deepEqual(wire(web, before), ['GET blog.example/a/', 'GET wm.example/two', 'POST wm.example/webmention']);
  assert.deepEqual(fields(web.requests.at(-1) as Seen), { source: postUrl('a'), target: 'http://wm.example/two' });
  assert.equal(report.summary.resent, 1);
  assert.match(report.results.find((r) => r.target === 'http://wm.example/two')?.message ?? '', /^link removed: /);

  const again = web.requests.length;
  await build(site, [{ ...A, body: A.body.replace('<a href="http://wm.example/two">two</a>', 'two') }], 'T3');
  await send(options);
  assert.deepEqual(wire(web, again), [], 'told once, never again');

  const state = await openState(options.state as string, { readOnly: true });
  const record = state.getPost(postUrl('a'));
  await state.close();
  assert.ok(record);
  assert.ok(!record.targets.includes('http://wm.example/two'));
  assert.equal(record.unlinked, undefined);
});

test('a changed title re-sends webmentions to the targets linked now and to the one dropped; never a pingback or trackback', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A], 'T1');
  await send(options);

  const before = web.requests.length;
  await build(site, [{ ...A, title: 'On scaling, revised', body: A.body.replace('<a href="http://wm.example/two">two</a>', 'two') }], 'T2');
  const report = await send(options);
  assert.deepEqual(posts(web, before), ['POST wm.example/webmention', 'POST wm.example/webmention']);
  const told = web.requests.slice(before).filter((r) => r.method === 'POST').map((r) => fields(r).target).sort();
  assert.deepEqual(told, ['http://wm.example/one', 'http://wm.example/two']);
  assert.equal(report.summary.resent, 2);
  const pingback = report.results.find((r) => r.target === 'http://pb.example/p');
  assert.equal(pingback?.status, 'skipped');
  assert.match(pingback?.message ?? '', /no update semantics/);

  const again = web.requests.length;
  await send(options);
  assert.deepEqual(wire(web, again), []);
});

test('a removal notice that fails is sent again by the next run, even though the file did not change, and then never', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A], 'T1');
  await send(options);

  await build(site, [{ ...A, body: A.body.replace('<a href="http://wm.example/two">two</a>', 'two') }], 'T2');
  web.webmentionStatus = 503;
  // 503 is "slow down": held for the next run, at once here (no budget for pauses), not refused.
  const failed = await send({ ...options, maxHostWait: 0 });
  assert.equal(failed.results.find((r) => r.target === 'http://wm.example/two')?.status, 'held');
  const state = await openState(options.state as string, { readOnly: true });
  assert.deepEqual(state.getPost(postUrl('a'))?.unlinked, ['http://wm.example/two']);
  await state.close();

  web.webmentionStatus = 202;
  const before = web.requests.length;
  const retried = await send(options);
  assert.deepEqual(posts(web, before), ['POST wm.example/webmention']);
  assert.equal(fields(web.requests.at(-1) as Seen).target, 'http://wm.example/two');
  assert.equal(retried.summary.unchangedPosts, 0, 'a pending removal notice keeps the post from being skipped');

  const last = web.requests.length;
  const settled = await send(options);
  assert.deepEqual(wire(web, last), []);
  assert.equal(settled.summary.unchangedPosts, 1);
});

for (const [name, adopt] of [
  ['baseline()', (o: OptionsInput) => baseline(o)],
  ['send({ markExisting: true })', (o: OptionsInput) => send({ ...o, markExisting: true })],
] as const) {
  test(`${name} records the current site as done without a single request; the next send sends nothing, a new post is notified`, async (t) => {
    const { web, site, options } = await setup(t);
    await build(site, [A, B], 'T1');
    const adopted = await adopt(options);
    assert.equal(web.requests.length, 0, 'no discovery, no notification');
    assert.equal(adopted.summary.marked, 7);
    assert.equal(adopted.summary.sent, 0);

    const state = await openState(options.state as string, { readOnly: true });
    const page = state.get(postUrl('a'), 'http://wm.example/one');
    const paper = state.get(postUrl('a'), 'https://arxiv.org/abs/2001.08361');
    await state.close();
    assert.equal(page?.status, 'sent');
    assert.equal(page?.code, 'already-done');
    assert.equal(page?.protocol, null, 'not discovered');
    assert.equal(paper?.protocol, 'trackback', 'known by the arXiv rule');

    await send(options);
    assert.equal(web.requests.length, 0, 'the first real run after the baseline sends nothing');

    const C: PostSpec = { slug: 'c', title: 'New', date: '2024-07-01', body: '<p><a href="http://wm.example/one">one again</a></p>' };
    await build(site, [A, B, C], 'T2');
    await send(options);
    assert.deepEqual(wire(web, 0), ['GET blog.example/c/', 'GET wm.example/one', 'POST wm.example/webmention']);
    assert.equal(fields(web.requests.at(-1) as Seen).source, postUrl('c'));
  });
}

test('a baselined post edited later: its Webmention targets are discovered and updated, its Pingback targets are not', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A], 'T1');
  await baseline(options);
  await build(site, [{ ...A, title: 'On scaling, revised' }], 'T2');
  await send(options);
  assert.deepEqual(wire(web, 0), [
    'GET blog.example/a/',
    'GET pb.example/p',
    'GET wm.example/one',
    'GET wm.example/two',
    'POST wm.example/webmention',
    'POST wm.example/webmention',
  ]);
  const before = web.requests.length;
  await send(options);
  assert.deepEqual(wire(web, before), [], 'settled for this content: the Pingback target is not fetched again');
});

test('since: only posts published on or after the date; undated posts are reported, not guessed', async (t) => {
  const { web, site, options } = await setup(t);
  const post = (slug: string, date: string | null): PostSpec => ({ slug, title: slug, date, body: `<p><a href="http://wm.example/${slug}">x</a></p>` });
  await build(site, [post('old', '2023-12-31'), post('new', '2024-01-01'), post('newer', '2024-02-01T10:00:00+01:00'), post('undated', null)], 'T1');
  const events: LinkbackEvent[] = [];
  const report = await send({ ...options, since: '2024-01-01', includeUndated: true }, { onEvent: (e) => events.push(e) });
  assert.deepEqual(web.posts().map((r) => fields(r).source).sort(), [postUrl('new'), postUrl('newer')]);
  assert.equal(report.summary.beforeSince, 1);
  assert.equal(report.summary.undated, 1);
  const filtered = events.flatMap((e) => (e.type === 'filtered' ? [`${e.post.url} ${e.reason}`] : [])).sort();
  assert.deepEqual(filtered, [`${postUrl('old')} before-since`, `${postUrl('undated')} undated`]);
});

test('since as a date-time compares instants', async (t) => {
  const { web, site, options } = await setup(t);
  const post = (slug: string, date: string): PostSpec => ({ slug, title: slug, date, body: `<p><a href="http://wm.example/${slug}">x</a></p>` });
  await build(site, [post('early', '2024-02-01T08:00:00+00:00'), post('late', '2024-02-01T10:00:00+01:00')], 'T1');
  await send({ ...options, since: '2024-02-01T08:30:00Z' });
  assert.deepEqual(web.posts().map((r) => fields(r).source), [postUrl('late')]);
});

test('a new post is not a deleted post: the run that first sees it counts no deletion', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A], 'T1');
  const events: LinkbackEvent[] = [];
  const report = await send(options, { onEvent: (e) => events.push(e) });
  assert.deepEqual(posts(web, 0), FIRST_RUN_A);
  assert.equal(report.summary.deletedPosts, 0);
  assert.ok(!events.some((e) => e.type === 'deleted'), 'no "gone from the site" event for a post just read');
});

test('with deletes, a new post online is not marked deleted, its URL is fetched only by the live check, and the next run skips it unparsed', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A], 'T1');
  web.status.set('/a/', 200);
  const report = await send({ ...options, deletes: true });
  assert.equal(report.summary.deletedPosts, 0);
  assert.deepEqual(report.warnings, []);
  // Fetched once, by the live check before its first notifications (lifecycle/live.ts); never as a departure.
  assert.equal(web.requests.filter((r) => r.host === 'blog.example').length, 1, 'the post URL is fetched once: it did not leave');
  const state = await openState(options.state as string, { readOnly: true });
  const record = state.getPost(postUrl('a'));
  await state.close();
  assert.equal(record?.deleted, undefined);

  const before = web.requests.length;
  const again = await send({ ...options, deletes: true });
  assert.deepEqual(wire(web, before), []);
  assert.equal(again.summary.unchangedPosts, 1, 'settled and unchanged: not parsed again');
  assert.equal(again.summary.deletedPosts, 0);
});

test('with deletes, a new post not deployed yet (its URL answers 404) is held for its first notifications, never told "post deleted"', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A], 'T1');
  web.status.set('/a/', 404);
  const report = await send({ ...options, deletes: true });
  assert.deepEqual(posts(web, 0), [], 'nothing sent before the post is live');
  assert.ok(report.summary.held > 0 && report.results.every((r) => r.status !== 'held' || r.code === 'not-deployed'));
  assert.equal(report.summary.resent, 0);
  assert.ok(!report.results.some((r) => r.message.startsWith('post deleted')));
  assert.equal(report.summary.deletedPosts, 0);
  // Deployed: each target is told once, of the post being there.
  web.status.set('/a/', 200);
  const after = await send({ ...options, deletes: true });
  assert.deepEqual(posts(web, 0), FIRST_RUN_A);
  assert.equal(after.summary.deletedPosts, 0);
});

test('a deleted post is reported, and nothing is sent, without deletes', async (t) => {
  const { web, options } = await withBDeleted(t, 410);
  const before = web.requests.length;
  const events: LinkbackEvent[] = [];
  const report = await send(options, { onEvent: (e) => events.push(e) });
  assert.deepEqual(wire(web, before), []);
  assert.equal(report.summary.deletedPosts, 1);
  const deleted = events.find((e) => e.type === 'deleted');
  assert.ok(deleted?.type === 'deleted');
  assert.equal(deleted.url, postUrl('b'));
  assert.match(deleted.message, /1 Webmention target\(s\) to tell: run with deletes/);
  const again = await send(options);
  assert.equal(again.summary.deletedPosts, 1, 'still reported: nothing was done about it');
});

test('with deletes, a post gone from the site (410) re-sends its Webmentions once; Pingback and TrackBack targets are not told', async (t) => {
  const { web, options } = await withBDeleted(t, 410);
  const before = web.requests.length;
  const report = await send({ ...options, deletes: true });
  assert.deepEqual(wire(web, before), ['GET blog.example/b/', 'GET wm.example/three', 'POST wm.example/webmention']);
  assert.deepEqual(fields(web.requests.at(-1) as Seen), { source: postUrl('b'), target: 'http://wm.example/three' });
  assert.equal(report.summary.resent, 1);
  assert.match(report.results.find((r) => r.source === postUrl('b'))?.message ?? '', /^post deleted: /);

  const last = web.requests.length;
  const again = await send({ ...options, deletes: true });
  assert.deepEqual(wire(web, last), []);
  assert.equal(again.summary.deletedPosts, 0, 'handled: not a deleted post of this run any more');
});

test('with deletes, a post still online is not told yet (deploy first); once it answers 404 it is', async (t) => {
  const { web, options } = await withBDeleted(t, 200);
  const before = web.requests.length;
  const early = await send({ ...options, deletes: true });
  assert.deepEqual(wire(web, before), ['GET blog.example/b/']);
  assert.ok(early.warnings.some((w) => /still answers HTTP 200/.test(w.message)));

  web.status.set('/b/', 404);
  const later = web.requests.length;
  await send({ ...options, deletes: true });
  assert.deepEqual(posts(web, later), ['POST wm.example/webmention']);
});

test('with deletes, a post that moved (301) is not a deletion: nothing sent, not asked again', async (t) => {
  const { web, options } = await withBDeleted(t, 301);
  const before = web.requests.length;
  await send({ ...options, deletes: true });
  assert.deepEqual(wire(web, before), ['GET blog.example/b/']);
  const last = web.requests.length;
  await send({ ...options, deletes: true });
  assert.deepEqual(wire(web, last), []);
});

test('a deleted post that comes back is an update for its Webmention targets', async (t) => {
  const { web, site, options } = await withBDeleted(t, 410);
  await send({ ...options, deletes: true });
  await build(site, [A, B], 'T3');
  web.status.delete('/b/');
  const before = web.requests.length;
  await send({ ...options, deletes: true });
  assert.deepEqual(posts(web, before), ['POST wm.example/webmention']);
  assert.equal(fields(web.requests.at(-1) as Seen).target, 'http://wm.example/three');
});

test('a link still in the post but excluded by the settings after it was notified is not a removed link: nobody is told', async (t) => {
  const { web, site, options } = await setup(t);
  await build(site, [A], 'T1');
  await send(options);
  await build(site, [A], 'T2');
  const before = web.requests.length;
  await send({ ...options, exclude: ['http://wm.example/two'], excludeHosts: ['pb.example'] });
  assert.deepEqual(wire(web, before), []);
});
