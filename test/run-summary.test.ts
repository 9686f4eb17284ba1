// Step 6 of a run (src/run/summary.ts): the tally every step adds to, and the report the run returns.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTally, finishReport, row, withWhy, wouldSend } from '../src/run/summary.ts';
import type { LinkbackEvent } from '../src/run/types.ts';
import type { Post } from '../src/types.ts';
import type { NotificationRecord } from '../src/state/format.ts';
import type { NetContext } from '../src/net/attempt.ts';
import { LinkbackError } from '../src/errors.ts';

const POST: Post = { url: 'http://blog.example/a/', file: 'a/index.html', title: 'A', excerpt: '', blogName: 'B', published: null, links: [], hash: 'h' };

const left = (status: NotificationRecord['status']): NotificationRecord => ({
  source: POST.url, target: `http://t.example/${status}`, protocol: 'webmention', endpoint: 'http://t.example/wm', status,
  code: 'uncertain', message: 'in flight', at: '2026-01-01T00:00:00.000Z', attempts: 1, retryable: status !== 'uncertain',
});

test('the tally counts every result and emits it, but keeps only those asked for', () => {
  const events: LinkbackEvent[] = [];
  const tally = createTally([left('uncertain'), left('failed'), left('failed')], (r) => r.status !== 'skipped', (e) => void events.push(e));
  assert.equal(tally.summary.recoveredUncertain, 1);
  assert.equal(tally.summary.recoveredResend, 2);
  const sent = row(POST, 'http://t.example/1', 'webmention', 'http://t.example/wm', { status: 'sent', code: 'ok', message: 'HTTP 202', httpStatus: 202 });
  const skipped = row(POST, 'http://t.example/2', null, null, { status: 'skipped', code: 'already-done', message: 'already sent' });
  tally.report(sent);
  tally.report(skipped);
  tally.warn({ file: 'b/index.html', message: 'two canonical links' });
  assert.deepEqual(tally.results, [sent]);
  assert.equal(tally.summary.sent, 1);
  assert.equal(tally.summary.skipped, 1);
  assert.deepEqual(tally.warnings, [{ file: 'b/index.html', message: 'two canonical links' }]);
  assert.deepEqual(events.map((e) => e.type), ['result', 'result', 'warning']);
  assert.equal(sent.httpStatus, 202);
  assert.equal('location' in sent, false);
});

test('rows: a dry run says what it would send, an update says why', () => {
  const dry = wouldSend(POST, 'http://arxiv.org/abs/1', { protocol: 'trackback', url: 'http://arxiv.org/trackback/1', via: 'arXiv rule' }, 'post changed');
  assert.deepEqual(dry, {
    source: POST.url, target: 'http://arxiv.org/abs/1', protocol: 'trackback', endpoint: 'http://arxiv.org/trackback/1',
    status: 'dry-run', code: 'dry-run', message: 'post changed: would send trackback (arXiv rule)',
  });
  assert.equal(withWhy(null, 'HTTP 202'), 'HTTP 202');
  assert.equal(withWhy('link removed', 'HTTP 202'), 'link removed: HTTP 202');
});

test('the report: host waits of 1 s or more and every host that said "slow down", longest first; the fatal error', () => {
  const tally = createTally([], () => true, () => {});
  const net = {
    pacer: {
      waits: () => [{ host: 'quick.example', ms: 200, reason: 'pacing' }, { host: 'slow.example', ms: 1500, reason: 'pacing' }, { host: 'busy.example', ms: 300, reason: 'slow down' }],
      schedule: { stats: () => [{ host: 'busy.example', slowDowns: 2 }] },
    },
  } as unknown as NetContext; // only the pacer's figures are read
  const report = finishReport(tally, {
    dryRun: false, interrupted: false, fatal: new LinkbackError('STATE_UNWRITABLE', 'cannot write state.json'), net,
    startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:05.000Z',
  });
  assert.deepEqual(report.hostWaits, [
    { host: 'slow.example', ms: 1500, reason: 'pacing', slowDowns: 0 },
    { host: 'busy.example', ms: 300, reason: 'slow down', slowDowns: 2 },
  ]);
  assert.deepEqual(report.error, { code: 'STATE_UNWRITABLE', message: 'cannot write state.json' });
  assert.equal(report.summary, tally.summary);
  assert.equal(report.finishedAt, '2026-01-01T00:00:05.000Z');
});
