// Step 3 of a run (src/run/discover.ts): each target's page fetched once per run, on a real loopback web, and what
// a discovery without an endpoint means for the pair (what to report, what to record).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { localRun } from './fixtures/lifecycle/web.ts';
import { stepRun } from './fixtures/run-context.ts';
import { afterFirstDiscovery, afterUpdateDiscovery, arxivEndpoint, createDiscover } from '../src/run/discover.ts';
import type { NotificationRecord } from '../src/state/format.ts';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;

test('a target linked from many posts is fetched once; its endpoint and notes are told once', async (t) => {
  const { web, options } = await localRun(t, 'run-discover');
  const { ctx, events } = await stepRun(t, options);
  const discover = createDiscover(ctx.net, true, ctx.emit);
  const [a, b] = await Promise.all([discover('http://wm.example/one'), discover('http://wm.example/one')]);
  assert.ok(a && 'endpoint' in a);
  assert.deepEqual([a.endpoint.protocol, a.endpoint.url], ['webmention', 'http://wm.example/webmention']);
  assert.deepEqual(b, a);
  const plain = await discover('http://plain.example/x');
  assert.equal('outcome' in plain && plain.outcome.status, 'no-endpoint');
  assert.deepEqual(await discover('http://plain.example/x'), plain);
  const gets = web.requests.filter((r) => r.method === 'GET').map((r) => `${r.host}${r.path}`);
  assert.deepEqual(gets, ['wm.example/one', 'plain.example/x']);
  const told = events.filter((e) => e.type === 'discovered');
  assert.deepEqual(told.map((e) => e.type === 'discovered' && [e.target, e.endpoint?.protocol ?? null]), [['http://wm.example/one', 'webmention'], ['http://plain.example/x', null]]);
  assert.ok(told.every((e) => e.type === 'discovered' && e.notes.length > 0));
});

test('a first notification: no endpoint is recorded as definite, a failed discovery as retryable, a refused address not at all', () => {
  const extra = { fingerprint: 'f1' };
  assert.deepEqual(afterFirstDiscovery({ endpoint: { protocol: 'pingback', url: 'http://pb.example/xmlrpc', via: 'X-Pingback header' } }, undefined, extra, () => NOW, false),
    { endpoint: { protocol: 'pingback', url: 'http://pb.example/xmlrpc', via: 'X-Pingback header' } });
  const none = { status: 'no-endpoint' as const, code: 'no-endpoint' as const, message: 'no endpoint' };
  assert.deepEqual(afterFirstDiscovery({ outcome: none }, undefined, extra, () => NOW, false), { outcome: none, record: { status: 'no-endpoint', outcome: none, retryable: false, extra } });
  const failed = { status: 'failed' as const, code: 'unreachable' as const, message: 'connection refused' };
  assert.deepEqual(afterFirstDiscovery({ outcome: failed }, undefined, extra, () => NOW, false), { outcome: failed, record: { status: 'failed', outcome: failed, retryable: true, extra } });
  const refused = { status: 'skipped' as const, code: 'private-address' as const, message: 'private address' };
  assert.deepEqual(afterFirstDiscovery({ outcome: refused }, undefined, extra, () => NOW, false), { outcome: refused, record: null });
  // A dry run records nothing.
  assert.deepEqual(afterFirstDiscovery({ outcome: failed }, undefined, extra, () => NOW, true), { outcome: failed, record: null });
});

test('a first notification to a page found gone: a failure once, recorded with its next check a day later; then old news', () => {
  const gone = { status: 'failed' as const, code: 'target-gone' as const, message: 'HTTP 404', httpStatus: 404 };
  const first = afterFirstDiscovery({ outcome: gone }, undefined, { fingerprint: 'f1' }, () => NOW, false);
  assert.ok('outcome' in first);
  assert.equal(first.outcome.status, 'failed');
  const retryAt = new Date(NOW.getTime() + DAY).toISOString();
  assert.deepEqual(first.record, { status: 'failed', outcome: gone, retryable: true, extra: { fingerprint: 'f1', at: NOW.toISOString(), retryAt } });
  const previous: NotificationRecord = {
    source: 'http://blog.example/a/', target: 'http://dead.example/', protocol: null, endpoint: null, status: 'failed', code: 'target-gone',
    message: 'HTTP 404', at: NOW.toISOString(), attempts: 0, retryable: true, retryAt,
  };
  const later = new Date(NOW.getTime() + 2 * DAY);
  const again = afterFirstDiscovery({ outcome: gone }, previous, { fingerprint: 'f1' }, () => later, false);
  assert.ok('outcome' in again);
  assert.equal(again.outcome.status, 'skipped');
  assert.equal(again.record?.extra.at, NOW.toISOString());
});

test('an update: re-sent only to a Webmention endpoint; a target without one, or gone, is settled; a failed discovery is not', () => {
  const webmention = { protocol: 'webmention' as const, url: 'http://wm.example/webmention', via: 'Link header' };
  assert.deepEqual(afterUpdateDiscovery({ endpoint: webmention }, 'post changed'), { kind: 'endpoint', endpoint: webmention });
  const pingback = { protocol: 'pingback' as const, url: 'http://pb.example/xmlrpc', via: 'X-Pingback header' };
  assert.deepEqual(afterUpdateDiscovery({ endpoint: pingback }, 'post changed'), {
    kind: 'not-updatable', endpoint: pingback,
    outcome: { status: 'skipped', code: 'already-done', message: 'post changed: the target takes pingback, which has no update semantics; not re-sent' },
  });
  const gone = afterUpdateDiscovery({ outcome: { status: 'failed', code: 'target-gone', message: 'HTTP 410', httpStatus: 410 } }, 'link removed');
  assert.deepEqual(gone, { kind: 'told', settle: true, outcome: { status: 'skipped', code: 'target-gone', httpStatus: 410, message: 'link removed: HTTP 410: the page is gone, nothing to update' } });
  const none = afterUpdateDiscovery({ outcome: { status: 'no-endpoint', code: 'no-endpoint', message: 'no endpoint' } }, 'post deleted');
  assert.equal(none.kind === 'told' && none.settle, true);
  const failed = afterUpdateDiscovery({ outcome: { status: 'failed', code: 'timeout', message: 'timed out' } }, 'post changed');
  assert.deepEqual(failed, { kind: 'told', settle: false, outcome: { status: 'failed', code: 'timeout', message: 'post changed: timed out' } });
});

test('an arXiv paper\'s endpoint is known by rule', () => {
  assert.deepEqual(arxivEndpoint({ kind: 'arxiv', url: 'https://arxiv.org/abs/1706.03762', id: '1706.03762', endpoint: 'http://arxiv.org/trackback/1706.03762' }),
    { protocol: 'trackback', url: 'http://arxiv.org/trackback/1706.03762', via: 'arXiv rule' });
});
