// The pure rules of a post's later life: which pair is re-sent (lifecycle/plan), since, the "is it gone" reading
// of an HTTP status, and the content fingerprint that ignores the page around the post.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { GONE, pendingUnlinked, planPair } from '../src/lifecycle/plan.ts';
import type { PairContext } from '../src/lifecycle/plan.ts';
import { isSinceDate, sinceVerdict } from '../src/lifecycle/since.ts';
import { goneFromStatus } from '../src/lifecycle/gone.ts';
import { goneVerdict } from '../src/lifecycle/dead.ts';
import type { Outcome } from '../src/types.ts';
import { postFingerprint } from '../src/site/fingerprint.ts';
import { scanSite } from '../src/site/index.ts';
import type { NotificationRecord } from '../src/state/format.ts';
import { parseOptions } from '../src/index.ts';
import { build } from './fixtures/lifecycle/blog.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';

const FLAGS = { retryFailed: false, retryUncertain: false, now: Date.parse('2024-06-01T00:00:00Z') };

function rec(over: Partial<NotificationRecord>): NotificationRecord {
  return {
    source: 'http://blog.example/a/', target: 'http://t.example/', protocol: 'webmention', endpoint: 'http://t.example/wm',
    status: 'sent', code: 'ok', message: 'ok', at: '2024-01-01T00:00:00Z', attempts: 1, retryable: false, fingerprint: 'F1', ...over,
  };
}

const linked = (fingerprint: string | undefined, postFingerprint?: string): PairContext => ({ fingerprint, linked: true, postFingerprint });
const dropped = (postFingerprint?: string): PairContext => ({ fingerprint: 'F2', linked: false, postFingerprint });

test('planPair: a changed post re-sends a delivered Webmention, never a Pingback or TrackBack', () => {
  assert.deepEqual(planPair(rec({}), linked('F2'), FLAGS), { action: 'send', mode: 'update', fingerprint: 'F2' });
  assert.equal(planPair(rec({}), linked('F1'), FLAGS).action, 'skip', 'unchanged: never re-sent');
  for (const protocol of ['pingback', 'trackback'] as const) {
    const plan = planPair(rec({ protocol }), linked('F2'), FLAGS);
    assert.equal(plan.action, 'skip');
    assert.match(plan.action === 'skip' ? plan.message : '', /no update semantics/);
  }
  // Recorded by markExisting without discovery: discovery decides, so it is an update candidate.
  assert.equal(planPair(rec({ protocol: null, code: 'already-done' }), linked('F2'), FLAGS).action, 'send');
});

test('planPair: a first notification that never got through is a first notification still, whatever the content', () => {
  const failed = rec({ status: 'failed', retryable: true, fingerprint: 'F1' });
  assert.deepEqual(planPair(failed, linked('F2'), FLAGS), { action: 'send', mode: 'first', fingerprint: 'F2' });
  assert.equal(planPair(rec({ status: 'failed', retryable: false }), linked('F2'), FLAGS).action, 'skip');
  assert.equal(planPair(rec({ status: 'no-endpoint', protocol: null }), linked('F2'), FLAGS).action, 'skip');
  assert.equal(planPair(undefined, linked('F1'), FLAGS).action, 'send');
  assert.equal(planPair(undefined, dropped(), FLAGS).action, 'skip', 'never notified, nothing to take back');
});

test('planPair: a dropped link is told once; a failed telling is retried; re-linking is an update again', () => {
  const first = planPair(rec({}), dropped(), FLAGS);
  assert.deepEqual(first, { action: 'send', mode: 'update', fingerprint: GONE });
  const told = rec({ fingerprint: GONE, update: true });
  assert.equal(planPair(told, dropped(), FLAGS).action, 'skip');
  assert.deepEqual(planPair(rec({ fingerprint: GONE, update: true, status: 'failed', retryable: true }), dropped(), FLAGS), { action: 'send', mode: 'update', fingerprint: GONE });
  assert.deepEqual(planPair(told, linked('F3'), FLAGS), { action: 'send', mode: 'update', fingerprint: 'F3' });
  // A delivered update that is then dropped: the drop is news.
  assert.equal(planPair(rec({ fingerprint: 'F2', update: true }), dropped(), FLAGS).action, 'send');
});

test('planPair: a record from before fingerprints is never re-sent on a guess, but a dropped link is certain', () => {
  const legacy = rec({ fingerprint: undefined });
  assert.equal(planPair(legacy, linked('F2'), FLAGS).action, 'skip');
  assert.equal(planPair(legacy, linked('F2', 'F1'), FLAGS).action, 'send', 'the post record knows the old fingerprint');
  assert.equal(planPair(legacy, linked(undefined), FLAGS).action, 'skip');
  assert.equal(planPair(legacy, dropped(), FLAGS).action, 'send');
});

test('planPair: a version-1 record unchanged by its own formula adopts the new fingerprint without sending; changed, it is an update', () => {
  const v2 = (legacy: string): PairContext => ({ fingerprint: 'v2:N', linked: true, postFingerprint: undefined, legacyFingerprint: legacy });
  const adopted = planPair(rec({ fingerprint: 'F1' }), v2('F1'), FLAGS);
  assert.equal(adopted.action, 'skip');
  assert.equal(adopted.action === 'skip' ? adopted.adopt : null, 'v2:N');
  assert.deepEqual(planPair(rec({ fingerprint: 'F1' }), v2('F0'), FLAGS), { action: 'send', mode: 'update', fingerprint: 'v2:N' });
  assert.deepEqual(planPair(rec({ fingerprint: undefined }), { ...v2('F1'), postFingerprint: 'F1' }, FLAGS).action, 'skip', 'a record older still, through its post record');
  assert.equal((planPair(rec({ fingerprint: 'v2:N' }), v2('F1'), FLAGS) as { adopt?: string }).adopt, undefined, 'nothing to adopt once adopted');
  assert.deepEqual(planPair(rec({ fingerprint: 'F1', status: 'failed', retryable: true }), v2('F1'), FLAGS), { action: 'send', mode: 'first', fingerprint: 'v2:N' }, 'a retry records the new one anyway');
  assert.deepEqual(planPair(rec({ fingerprint: 'F1' }), { ...v2('F1'), linked: false }, FLAGS), { action: 'send', mode: 'update', fingerprint: GONE }, 'a removed link is told');
});

test('planPair property: running the plan, recording its fingerprint, and planning again never sends twice', () => {
  const status = fc.constantFrom('sent', 'failed', 'uncertain', 'no-endpoint') as fc.Arbitrary<NotificationRecord['status']>;
  const protocol = fc.constantFrom('webmention', 'pingback', 'trackback', null) as fc.Arbitrary<NotificationRecord['protocol']>;
  fc.assert(fc.property(status, protocol, fc.boolean(), fc.option(fc.constantFrom('F1', 'F2', GONE), { nil: undefined }), fc.boolean(), fc.constantFrom('F1', 'F2'), fc.boolean(),
    (st, pr, retryable, fp, update, now, isLinked) => {
      const record = rec({ status: st, protocol: pr, retryable, fingerprint: fp, update });
      const pair: PairContext = { fingerprint: now, linked: isLinked, postFingerprint: 'F1' };
      const plan = planPair(record, pair, FLAGS);
      if (plan.action === 'skip') return;
      // Delivered this time: the next run over the same post has nothing to send.
      const after = rec({ status: 'sent', protocol: pr ?? 'webmention', fingerprint: plan.fingerprint, update: plan.mode === 'update' || update });
      assert.equal(planPair(after, pair, FLAGS).action, 'skip');
    }));
});

test('pendingUnlinked keeps only dropped targets whose telling is still to do', () => {
  const records = new Map<string, NotificationRecord>([
    ['http://x/told', rec({ fingerprint: GONE, update: true })],
    ['http://x/todo', rec({ fingerprint: GONE, update: true, status: 'failed', retryable: true })],
    ['http://x/pingback', rec({ protocol: 'pingback' })],
  ]);
  const left = pendingUnlinked(['http://x/told', 'http://x/todo', 'http://x/pingback', 'http://x/linked'], new Set(['http://x/linked']), (t) => records.get(t), { fingerprint: 'F1', postFingerprint: 'F1' }, FLAGS);
  assert.deepEqual(left, ['http://x/todo']);
});

test('since: calendar date of the post against a date; instants against a date-time; undated never guessed', () => {
  assert.equal(sinceVerdict('2024-03-01', '2024-03-01'), 'in');
  assert.equal(sinceVerdict('2024-02-29', '2024-03-01'), 'before');
  assert.equal(sinceVerdict('2024-03-01T23:30:00-08:00', '2024-03-02'), 'before', 'its own calendar day, as written');
  assert.equal(sinceVerdict('2024-03-01T23:30:00-08:00', '2024-03-02T07:00:00Z'), 'in');
  assert.equal(sinceVerdict('2024-03-01', '2024-03-01T00:00:01Z'), 'before');
  assert.equal(sinceVerdict(null, '2024-03-01'), 'undated');
  for (const good of ['2024-03-01', '2024-03-01T10:00:00Z', '2024-03-01T10:00+02:00']) assert.ok(isSinceDate(good), good);
  for (const bad of ['2024-02-30', '03/01/2024', '2024-03-01T10:00', 'yesterday', '']) assert.ok(!isSinceDate(bad), bad);
  assert.throws(() => parseOptions({ site: '.', since: 'last week' }), /"since" must be a date/);
  assert.equal(parseOptions({ site: '.', since: '2024-03-01' }).since, '2024-03-01');
});

test('a post is gone on 404 and 410 only; a redirect is a move; 200 is still online', () => {
  assert.equal(goneFromStatus(410, 'u').state, 'gone');
  assert.equal(goneFromStatus(404, 'u').state, 'gone');
  assert.equal(goneFromStatus(301, 'u').state, 'moved');
  assert.equal(goneFromStatus(308, 'u').state, 'moved');
  assert.equal(goneFromStatus(200, 'u').state, 'online');
  assert.equal(goneFromStatus(503, 'u').state, 'unknown');
  assert.equal(goneFromStatus(403, 'u').state, 'unknown');
});

test('a gone target waits for its retryAt: skipped as target-gone before it, sent after it; --retry-failed does not wait', () => {
  const gone = rec({ status: 'failed', code: 'target-gone', retryable: true, protocol: null, endpoint: null, httpStatus: 404, message: 'target page answered HTTP 404', at: '2024-05-01T00:00:00.000Z', retryAt: '2024-06-02T00:00:00.000Z' });
  assert.deepEqual(planPair(gone, linked('F1'), FLAGS), { action: 'skip', code: 'target-gone', message: 'gone (HTTP 404) since 2024-05-01T00:00:00.000Z; next check after 2024-06-02T00:00:00.000Z' });
  assert.equal(planPair(gone, linked('F1'), { ...FLAGS, now: Date.parse('2024-06-02T00:00:00.001Z') }).action, 'send');
  assert.equal(planPair(gone, linked('F1'), { ...FLAGS, retryFailed: true }).action, 'send');
  assert.equal(planPair({ ...gone, retryAt: undefined }, linked('F1'), FLAGS).action, 'send', 'no retryAt: retryable as ever');
});

test('the dead-link schedule: failed the first time, then old news; the wait is a day more than it has been gone, at most 32 days', () => {
  const found: Outcome = { status: 'failed', code: 'target-gone', message: 'target page answered HTTP 410', httpStatus: 410 };
  const day = 24 * 3600 * 1000;
  const t0 = Date.parse('2024-05-01T00:00:00.000Z');
  const first = goneVerdict(undefined, found, new Date(t0));
  assert.equal(first.outcome.status, 'failed');
  assert.deepEqual([first.since, first.retryAt], ['2024-05-01T00:00:00.000Z', '2024-05-02T00:00:00.000Z']);
  const record = rec({ status: 'failed', code: 'target-gone', retryable: true, at: first.since, retryAt: first.retryAt, httpStatus: 410 });
  const again = goneVerdict(record, found, new Date(t0 + 5 * day));
  assert.equal(again.outcome.status, 'skipped');
  assert.equal(again.since, first.since);
  assert.equal(Date.parse(again.retryAt) - (t0 + 5 * day), 6 * day, 'a day more than it has been gone');
  assert.equal(Date.parse(goneVerdict(record, found, new Date(t0 + 300 * day)).retryAt) - (t0 + 300 * day), 32 * day, 'capped');
  // A record that is not a gone one (say a 5xx last time) makes this a new failure.
  assert.equal(goneVerdict(rec({ status: 'failed', code: 'server-error', retryable: true }), found, new Date(t0)).outcome.status, 'failed');
});

test('the fingerprint follows the post as shown elsewhere (title, summary, date, content text), not the page around it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-fingerprint-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const base: PostSpec = { slug: 'a', title: 'Title', date: '2024-01-01', body: '<p>First paragraph.</p><p>A <a href="http://x.example/">link</a>.</p>' };
  const fingerprintOf = async (post: PostSpec, buildTime: string): Promise<{ fingerprint: string; hash: string }> => {
    await build(dir, [post], buildTime);
    for await (const page of scanSite(dir, { siteUrl: null, blogName: null })) {
      if (page.kind === 'post') return { fingerprint: postFingerprint(page.post), hash: page.hash };
    }
    throw new Error('no post');
  };
  const original = await fingerprintOf(base, 'T1');
  const rebuilt = await fingerprintOf(base, 'T2');
  assert.notEqual(rebuilt.hash, original.hash, 'the file changed');
  assert.equal(rebuilt.fingerprint, original.fingerprint, 'the post did not');
  assert.notEqual((await fingerprintOf({ ...base, title: 'Title 2' }, 'T1')).fingerprint, original.fingerprint);
  assert.notEqual((await fingerprintOf({ ...base, body: '<p>First paragraph, edited.</p>' }, 'T1')).fingerprint, original.fingerprint);
  assert.notEqual((await fingerprintOf({ ...base, date: '2024-01-02' }, 'T1')).fingerprint, original.fingerprint);
  assert.notEqual((await fingerprintOf({ ...base, body: `${base.body}<p>Another paragraph.</p>` }, 'T1')).fingerprint, original.fingerprint, 'an edit below the first paragraph');
  assert.notEqual((await fingerprintOf({ ...base, body: base.body.replace('A ', 'One ') }, 'T1')).fingerprint, original.fingerprint, 'a word changed');
  assert.equal((await fingerprintOf({ ...base, body: base.body.replace('A <a href="http://x.example/">link</a>', '<a href="http://y.example/">A</a> link') }, 'T1')).fingerprint, original.fingerprint, 'links moved, text the same: the new target is told, not news for the others');
  assert.equal((await fingerprintOf({ ...base, body: base.body.replace('</p><p>', '</p>\n  <p>').replace('A <a', 'A\n<a') }, 'T1')).fingerprint, original.fingerprint, 'whitespace and indentation');
});
