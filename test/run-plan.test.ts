// Step 2 of a run (src/run/plan.ts): a post's pairs, and what each needs, from the state. Pure: records in,
// decisions out; the unchanged-file check reads a real state file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decidePair, planPost, postRecordAfter, unchangedAndSettled } from '../src/run/plan.ts';
import type { DecideSettings } from '../src/run/plan.ts';
import type { Post, Target } from '../src/types.ts';
import type { NotificationRecord, PostRecord } from '../src/state/format.ts';
import { postFingerprint } from '../src/site/fingerprint.ts';
import { globToRegExp } from '../src/targets/resolve.ts';
import { createScope } from '../src/scope.ts';
import { openState } from '../src/state/store.ts';
import { GONE } from '../src/lifecycle/plan.ts';

const ARXIV = 'http://arxiv.org/trackback/{id}';
const post = (links: string[]): Post => ({ url: 'http://blog.example/a/', file: 'a/index.html', title: 'A', excerpt: 'x', blogName: 'B', published: '2026-01-01', links, hash: 'h1' });
const scope = (settings: { exclude?: string[]; excludeHosts?: string[] } = {}) =>
  createScope({ exclude: settings.exclude ?? [], excludeHosts: settings.excludeHosts ?? [], includePaths: [], excludePaths: [], only: [] });
const H1 = '1'.repeat(64);
const H2 = '2'.repeat(64);
const sent = (target: string, extra: Partial<NotificationRecord> = {}): NotificationRecord => ({
  source: 'http://blog.example/a/', target, protocol: 'webmention', endpoint: 'http://wm.example/webmention', status: 'sent',
  code: 'ok', message: 'HTTP 202', at: '2026-01-02T00:00:00.000Z', attempts: 1, retryable: false, ...extra,
});
const NOW = new Date('2026-02-01T00:00:00.000Z');
const settings = (over: Partial<DecideSettings> = {}): DecideSettings => ({
  flags: { retryFailed: false, retryUncertain: false, now: NOW.getTime() }, dryRun: false, markExisting: false, liveCheck: false, now: () => NOW, ...over,
});

test('a post\'s pairs: its targets now (one trackback per arXiv paper, excluded ones left out), and the links it dropped', () => {
  const p = post(['http://arxiv.org/abs/1706.03762', 'https://arxiv.org/pdf/1706.03762v2', 'http://wm.example/one', 'http://skip.example/x']);
  const known: PostRecord = { url: p.url, file: p.file, hash: 'h0', targets: ['http://wm.example/old', 'http://skip.example/x', 'http://wm.example/one'], seen: '2026-01-01T00:00:00.000Z', fingerprint: 'f0', unlinked: ['http://wm.example/older'] };
  const plan = planPost(p, known, { arxivEndpoint: ARXIV, exclude: ['http://skip.example/*'].map(globToRegExp), scope: scope({ exclude: ['http://skip.example/*'] }) });
  assert.deepEqual(plan.targets.map((t) => t.url), ['https://arxiv.org/abs/1706.03762', 'http://wm.example/one']);
  // skip.example is still linked, only excluded: not dropped, and told nothing.
  assert.deepEqual(plan.dropped, ['http://wm.example/old', 'http://wm.example/older']);
  assert.equal(plan.fingerprint, postFingerprint(p));
  assert.deepEqual(plan.linkedPair, { fingerprint: plan.fingerprint, postFingerprint: 'f0', legacyFingerprint: plan.linkedPair.legacyFingerprint, linked: true });
  assert.equal(typeof plan.linkedPair.legacyFingerprint, 'string');
  assert.deepEqual(plan.droppedPair, { fingerprint: plan.fingerprint, postFingerprint: 'f0', linked: false });
  // A host excluded by excludeHosts is out of the targets too, and a first post has nothing dropped.
  const fresh = planPost(p, undefined, { arxivEndpoint: ARXIV, exclude: [], scope: scope({ excludeHosts: ['wm.example'] }) });
  assert.deepEqual(fresh.targets.map((t) => t.url), ['https://arxiv.org/abs/1706.03762', 'http://skip.example/x']);
  assert.deepEqual(fresh.dropped, []);
  assert.equal(fresh.linkedPair.legacyFingerprint, undefined);
});

test('each pair: send a first notification, skip what is done (with a row), say nothing of a dropped link never notified', () => {
  const p = post(['http://wm.example/one']);
  const target: Target = { kind: 'page', url: 'http://wm.example/one' };
  const linked = { fingerprint: 'f1', postFingerprint: undefined, linked: true };
  assert.deepEqual(decidePair(p, target, linked, undefined, settings()), { kind: 'send', previous: undefined, plan: { action: 'send', mode: 'first', fingerprint: 'f1' } });
  const done = decidePair(p, target, linked, sent(target.url, { fingerprint: 'f1' }), settings());
  assert.equal(done.kind, 'done');
  assert.equal(done.kind === 'done' && done.row?.status, 'skipped');
  assert.equal(done.kind === 'done' && done.row?.code, 'already-done');
  assert.deepEqual(decidePair(p, target, { ...linked, linked: false }, undefined, settings()), { kind: 'done', row: null, adopt: null });
});

test('a changed post re-sends its Webmentions as updates; a link removed is told with GONE', () => {
  const p = post([]);
  const target: Target = { kind: 'page', url: 'http://wm.example/one' };
  const previous = sent(target.url, { fingerprint: 'f0' });
  assert.deepEqual(decidePair(p, target, { fingerprint: 'f1', postFingerprint: 'f0', linked: true }, previous, settings()),
    { kind: 'send', previous, plan: { action: 'send', mode: 'update', fingerprint: 'f1' } });
  assert.deepEqual(decidePair(p, target, { fingerprint: 'f1', postFingerprint: 'f0', linked: false }, previous, settings()),
    { kind: 'send', previous, plan: { action: 'send', mode: 'update', fingerprint: GONE } });
});

test('a pair held by a host that asked to wait is reported held until its retryAt, then sent; --retry-failed sends at once', () => {
  const p = post(['http://wm.example/one']);
  const target: Target = { kind: 'page', url: 'http://wm.example/one' };
  const held = sent(target.url, { status: 'failed', code: 'rate-limited', retryable: true, message: 'held by wm.example', retryAt: '2026-02-01T01:00:00.000Z' });
  const linked = { fingerprint: 'f1', postFingerprint: undefined, linked: true };
  const before = decidePair(p, target, linked, held, settings());
  assert.equal(before.kind === 'done' && before.row?.status, 'held');
  assert.equal(before.kind === 'done' && before.row?.message, 'held by wm.example; not tried before 2026-02-01T01:00:00.000Z');
  const later = new Date('2026-02-01T02:00:00.000Z');
  assert.equal(decidePair(p, target, linked, held, settings({ now: () => later, flags: { retryFailed: false, retryUncertain: false, now: later.getTime() } })).kind, 'send');
  assert.equal(decidePair(p, target, linked, held, settings({ flags: { retryFailed: true, retryUncertain: false, now: NOW.getTime() } })).kind, 'send');
});

test('a dry run says at once what it would send to arXiv, unless the live check is on or the run only marks', () => {
  const p = post(['http://arxiv.org/abs/1706.03762']);
  const target: Target = { kind: 'arxiv', url: 'http://arxiv.org/abs/1706.03762', id: '1706.03762', endpoint: 'http://arxiv.org/trackback/1706.03762' };
  const linked = { fingerprint: 'f1', postFingerprint: undefined, linked: true };
  const dry = decidePair(p, target, linked, undefined, settings({ dryRun: true }));
  assert.equal(dry.kind, 'would-send');
  assert.equal(dry.kind === 'would-send' && dry.row.endpoint, 'http://arxiv.org/trackback/1706.03762');
  assert.equal(decidePair(p, target, linked, undefined, settings({ dryRun: true, liveCheck: true })).kind, 'send');
  assert.equal(decidePair(p, target, linked, undefined, settings({ dryRun: true, markExisting: true })).kind, 'send');
});

test('the post record once its pairs are done: its targets now, and the dropped ones still to tell', () => {
  const p = post(['http://wm.example/one']);
  const known: PostRecord = { url: p.url, file: p.file, hash: 'h0', targets: ['http://wm.example/told', 'http://wm.example/untold'], seen: '2026-01-01T00:00:00.000Z', fingerprint: 'f0' };
  const plan = planPost(p, known, { arxivEndpoint: ARXIV, exclude: [], scope: scope() });
  // "told" was re-sent with GONE in this run; "untold" still holds the old content's record.
  const records = new Map([['http://wm.example/told', sent('http://wm.example/told', { fingerprint: GONE, update: true })], ['http://wm.example/untold', sent('http://wm.example/untold', { fingerprint: 'f0' })]]);
  const entry = postRecordAfter(p, plan, (t) => records.get(t), settings().flags, '2026-02-01T00:00:00.000Z');
  assert.deepEqual(entry, {
    url: p.url, file: p.file, hash: 'h1', targets: ['http://wm.example/one'], seen: '2026-02-01T00:00:00.000Z', fingerprint: plan.fingerprint,
    unlinked: ['http://wm.example/untold'],
  });
});

test('a file is skipped unparsed only when its bytes are the same and every pair it had is settled', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-run-plan-'));
  const state = await openState(join(dir, 'state.json'));
  t.after(async () => {
    await state.close();
    await rm(dir, { recursive: true, force: true });
  });
  await state.putPost({ url: 'http://blog.example/a/', file: 'a/index.html', hash: H1, targets: ['http://wm.example/one'], seen: '2026-01-01T00:00:00.000Z', fingerprint: 'f1' });
  await state.putPost({ url: 'http://blog.example/b/', file: 'b/index.html', hash: H2, targets: ['http://wm.example/two'], seen: '2026-01-01T00:00:00.000Z', fingerprint: 'f2' });
  await state.put(sent('http://wm.example/one', { fingerprint: 'f1' }));
  // b's notification failed for want of a connection: retryable, so the next run must read b again.
  await state.put({ ...sent('http://wm.example/two'), source: 'http://blog.example/b/', status: 'failed', code: 'unreachable', retryable: true, fingerprint: 'f2' });
  const unchanged = unchangedAndSettled(state, settings().flags);
  assert.equal(unchanged('a/index.html', H1), true);
  assert.equal(unchanged('a/index.html', 'other bytes'), false);
  assert.equal(unchanged('b/index.html', H2), false);
  assert.equal(unchanged('c/index.html', 'h3'), false);
});
