// Wayback Machine archiving (`archive`): each page a post cites is captured once by a Save-Page-Now-like server on
// loopback, never arXiv or DOI targets, never in a dry run, never twice (a kill included), paced at SPN's 4 a minute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { send } from '../src/index.ts';
import { openState } from '../src/state/store.ts';
import { ARCHIVE_INTERVAL_MS, DEFAULT_INTERVAL_MS, HostSchedule, archiveHostsFor } from '../src/ratelimit/host.ts';
import { DEFAULT_ARCHIVE_ENDPOINT, MAX_CAPTURE_ATTEMPTS, archivable, captureDue, readCapture } from '../src/archive/rules.ts';
import { TIMESTAMP, buildSite, pushlRun } from './fixtures/pushl/web.ts';
import type { Answer, Seen } from './fixtures/pushl/web.ts';
import { VirtualClock } from './fixtures/virtual-clock.ts';
import { createClientFor } from '../src/net/client.ts';
import { parseOptions } from '../src/options.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';

const post: PostSpec = {
  slug: 'cites', title: 'Cites', date: '2026-01-02',
  body: `<p><a href="http://wm.example/a">a</a> <a href="http://plain.example/b?x=1">b</a> <a href="https://arxiv.org/abs/2001.08361">paper</a>
<a href="https://doi.org/10.1000/182">doi</a> <a href="http://wm.example/a">a again</a></p>`,
};
// Captures are paced 15 s apart by default (tested below on the schedule); these runs take the archive host's own
// interval setting instead, so they do not wait.
const fast = { archive: true, hosts: { 'archive.example': { interval: 0 } } };

test('which pages are archived, how an answer reads, and when a page is asked for again', () => {
  assert.equal(archivable({ kind: 'page', url: 'https://example.org/a' }), true);
  assert.equal(archivable({ kind: 'arxiv', url: 'https://arxiv.org/abs/2001.08361', id: '2001.08361', endpoint: 'x' } as never), false);
  for (const url of ['https://arxiv.org/list/hep-th/new', 'https://doi.org/10.1000/182', 'https://dx.doi.org/10.1000/182', 'https://web.archive.org/web/2020/https://a.example/']) {
    assert.equal(archivable({ kind: 'page', url }), false, url);
  }
  const e = DEFAULT_ARCHIVE_ENDPOINT;
  const located = readCapture(e, 'https://a.example/', { status: 302, headers: { location: [`/web/${TIMESTAMP}/https://a.example/`] }, body: Buffer.alloc(0) });
  assert.deepEqual([located.status, located.snapshot], ['sent', `https://web.archive.org/web/${TIMESTAMP}/https://a.example/`]);
  const content = readCapture(e, 'https://a.example/', { status: 200, headers: { 'content-location': [`/web/${TIMESTAMP}/https://a.example/`] }, body: Buffer.alloc(0) });
  assert.equal(content.snapshot, `https://web.archive.org/web/${TIMESTAMP}/https://a.example/`);
  const queued = readCapture(e, 'https://a.example/', { status: 200, headers: {}, body: Buffer.from('{"job_id":"x"}') });
  assert.deepEqual([queued.status, queued.snapshot], ['sent', 'https://web.archive.org/web/https://a.example/']);
  assert.equal(readCapture(e, 'u', { status: 429, headers: {}, body: Buffer.alloc(0) }).status, 'held');
  assert.deepEqual([readCapture(e, 'u', { status: 523, headers: {}, body: Buffer.alloc(0) }).retryable, readCapture(e, 'u', { status: 403, headers: {}, body: Buffer.alloc(0) }).retryable], [true, false]);

  const rec = { kind: 'archive', key: 'u', at: '2026-01-01T00:00:00.000Z', message: '' } as const;
  assert.equal(captureDue(undefined), true);
  assert.equal(captureDue({ ...rec, status: 'in-flight', attempts: 1, retryable: false }), false, 'a kill while asking: never asked twice');
  assert.equal(captureDue({ ...rec, status: 'sent', attempts: 1, retryable: false }), false);
  assert.equal(captureDue({ ...rec, status: 'failed', attempts: 1, retryable: true }), true);
  assert.equal(captureDue({ ...rec, status: 'failed', attempts: MAX_CAPTURE_ATTEMPTS, retryable: true }), false);
});

test('Save Page Now is paced at its 4 captures a minute, only when archiving', () => {
  const rules = (archive: boolean) => ({
    defaultInterval: DEFAULT_INTERVAL_MS, arxivHosts: new Set<string>(), archiveHosts: archiveHostsFor({ archive, archiveEndpoint: DEFAULT_ARCHIVE_ENDPOINT }),
    hosts: {}, maxHostWait: 300_000, maxRetryAfter: 120_000,
  });
  const schedule = new HostSchedule(rules(true));
  assert.equal(schedule.interval('web.archive.org').ms, ARCHIVE_INTERVAL_MS);
  assert.equal(ARCHIVE_INTERVAL_MS, 15_000);
  const req = { url: 'https://web.archive.org/save/https://a.example/', notification: false };
  assert.equal(schedule.reserve(req, 1_000).at, 1_000);
  assert.equal(schedule.reserve(req, 1_000).at, 16_000, 'the next capture starts 15 s later');
  assert.equal(new HostSchedule(rules(false)).interval('web.archive.org').ms, DEFAULT_INTERVAL_MS);
});

test('each cited page is captured once, never arXiv or DOI; the report lists the snapshots; a dry run asks nothing', async (t) => {
  const { web, options } = await pushlRun(t);
  await buildSite(web.site, [post], []);

  const dry = await send({ ...options, ...fast, dryRun: true });
  assert.equal(web.of('archive.example').length, 0, 'a dry run asks nothing');
  assert.deepEqual(dry.archive?.map((c) => [c.url, c.status]), [['http://wm.example/a', 'dry-run'], ['http://plain.example/b?x=1', 'dry-run']]);

  const report = await send({ ...options, ...fast });
  assert.deepEqual(web.of('archive.example').map((r) => `${r.method} ${r.path}`).sort(), ['GET /save/http://plain.example/b?x=1', 'GET /save/http://wm.example/a']);
  assert.deepEqual(report.archive?.map((c) => [c.url, c.status, c.snapshot]).sort(), [
    ['http://plain.example/b?x=1', 'sent', `http://archive.example/web/${TIMESTAMP}/http://plain.example/b?x=1`],
    ['http://wm.example/a', 'sent', `http://archive.example/web/${TIMESTAMP}/http://wm.example/a`],
  ]);

  // Rebuilt with a new footer (the post file changes, its content does not) and run again: nothing asked twice.
  await buildSite(web.site, [post], []);
  const again = await send({ ...options, ...fast });
  assert.equal(web.of('archive.example').length, 2);
  assert.deepEqual(again.archive, []);
  // Without `archive`, nothing is ever asked.
  const off = await pushlRun(t);
  await buildSite(off.web.site, [post], []);
  await send(off.options);
  assert.equal(off.web.of('archive.example').length, 0);
});

test('"asking" is on disk before the request leaves, so a kill never makes a later run ask again', async (t) => {
  const { web, options } = await pushlRun(t);
  await buildSite(web.site, [{ ...post, body: '<p><a href="http://plain.example/only">one</a></p>' }], []);
  const statePath = String(options.state);
  const seenInState: string[] = [];
  web.onRequest = async (r) => {
    if (r.host !== 'archive.example') return;
    // What a run killed at this instant would leave: the journal already says the capture was asked for.
    const journal = await readFile(`${statePath}.journal`, 'utf8');
    for (const line of journal.trim().split('\n')) {
      const entry = JSON.parse(line) as { extra?: { kind: string; key: string; status: string } };
      if (entry.extra?.kind === 'archive') seenInState.push(`${entry.extra.key} ${entry.extra.status}`);
    }
  };
  await send({ ...options, ...fast });
  assert.deepEqual(seenInState, ['http://plain.example/only in-flight']);

  // A state left by such a kill: the capture is not asked for again.
  const killed = await pushlRun(t);
  await buildSite(killed.web.site, [{ ...post, body: '<p><a href="http://plain.example/only">one</a></p>' }], []);
  const state = await openState(String(killed.options.state));
  await state.putExtra({ kind: 'archive', key: 'http://plain.example/only', status: 'in-flight', at: '2026-01-01T00:00:00.000Z', attempts: 1, retryable: false, message: 'asked' });
  await state.close();
  await send({ ...killed.options, ...fast });
  assert.equal(killed.web.of('archive.example').length, 0);
});

test('a 429 stops the captures for the run and leaves them to the next; a 5xx is asked again by a later run', async (t) => {
  const { web, options } = await pushlRun(t);
  await buildSite(web.site, [post], []);
  web.archiveAnswer = () => ({ status: 429, headers: { 'content-type': 'text/plain' }, body: 'You have already reached the limit of active sessions' });
  const run1 = await send({ ...options, ...fast });
  assert.equal(web.of('archive.example').length, 1, 'after a 429, nothing more is asked in this run');
  assert.deepEqual(run1.archive?.map((c) => c.status), ['held', 'held']);

  web.archiveAnswer = (_r, url): Answer => (url.includes('plain') ? { status: 523, headers: { 'content-type': 'text/plain' }, body: 'origin unreachable' } : { status: 302, headers: { location: `/web/${TIMESTAMP}/${url}` }, body: '' });
  // The post is unchanged (not even parsed): its targets are taken from the state.
  await buildSite(web.site, [post], []);
  const run2 = await send({ ...options, ...fast });
  assert.deepEqual(run2.archive?.map((c) => [c.url, c.status]).sort(), [['http://plain.example/b?x=1', 'failed'], ['http://wm.example/a', 'sent']]);
  await buildSite(web.site, [post], []);
  const run3 = await send({ ...options, ...fast });
  assert.deepEqual(run3.archive?.map((c) => [c.url, c.status]), [['http://plain.example/b?x=1', 'failed']], 'only the 5xx is asked again');
});

test('on a virtual clock: captures start 15 s apart on the wire, 20 a run, and the notifications do not wait for them', async (t) => {
  const { web, options } = await pushlRun(t);
  const clock = new VirtualClock();
  const links = Array.from({ length: 21 }, (_, i) => `<a href="http://plain.example/p${i}">${i}</a>`).join(' ');
  await buildSite(web.site, [{ ...post, body: `<p>${links} <a href="http://wm.example/a">a</a></p>` }], []);
  const at = new Map<Seen, number>();
  web.onRequest = (r) => {
    at.set(r, clock.ms());
    return Promise.resolve();
  };
  const input = { ...options, archive: true, hosts: {} };
  const client = clock.client(createClientFor(parseOptions(input)));
  t.after(() => client.close());
  const report = await send(input, { client, now: clock.now, sleep: clock.sleep });

  const starts = web.of('archive.example').map((r) => at.get(r) ?? NaN);
  assert.equal(starts.length, 20, 'at most 20 captures a run');
  for (let i = 1; i < starts.length; i++) assert.ok((starts[i] ?? 0) - (starts[i - 1] ?? 0) >= ARCHIVE_INTERVAL_MS, `capture ${i} starts 15 s after the one before`);
  assert.equal(report.archive?.filter((c) => c.status === 'held').length, 2, 'the 21st page and wm.example/a wait for the next run');
  const mention = web.of('wm.example', 'POST')[0];
  assert.ok(mention !== undefined && (at.get(mention) ?? Infinity) < (starts[2] ?? 0), 'the Webmention went out while the captures were still pacing');
});
