// The text for people (pure formatters): status, discover, and the send table's skipped rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pc from 'picocolors';
import { TABLE_ROWS, formatDiscovery, formatStatus, formatTable, tableRows } from '../src/index.ts';
import type { DiscoverReport, NotificationRecord, Result, SendReport, StateStatus } from '../src/index.ts';

const plain = pc.createColors(false);
const colour = pc.createColors(true);

function counts(values: Partial<Record<NotificationRecord['status'], number>> = {}): Record<NotificationRecord['status'], number> {
  return { sent: 0, failed: 0, uncertain: 0, 'no-endpoint': 0, 'in-flight': 0, ...values };
}

function status(fields: Partial<StateStatus>): StateStatus {
  return {
    path: '/site/.linkback/state.json', exists: true, notifications: 0, posts: 0, byStatus: counts(),
    byProtocol: { webmention: counts(), pingback: counts(), trackback: counts(), none: counts() },
    lastActivity: null, failed: [], uncertain: [], gone: [], lockedBy: null, ...fields,
  };
}

test('status: only the statuses and protocols that occur make columns and rows; the total adds up', () => {
  const text = formatStatus(status({
    notifications: 7, posts: 2, lastActivity: '2025-03-01T10:00:00.000Z',
    byStatus: counts({ sent: 5, 'no-endpoint': 2 }),
    byProtocol: { webmention: counts({ sent: 3 }), pingback: counts(), trackback: counts({ sent: 2 }), none: counts({ 'no-endpoint': 2 }) },
  }), plain, { now: new Date('2025-03-01T13:30:00.000Z') });
  const lines = text.split('\n');
  assert.ok(lines.includes('Last activity: 2025-03-01T10:00:00.000Z (3 hours ago)'), text);
  assert.ok(lines.includes('7 notifications recorded for 2 posts'));
  const header = lines.find((l) => l.includes('sent'));
  assert.deepEqual(header?.trim().split(/ {2,}/), ['sent', 'no endpoint']);
  const row = (name: string) => lines.find((l) => l.trimStart().startsWith(name))?.trim().split(/ +/).slice(-2);
  assert.deepEqual(row('webmention'), ['3', '-']);
  assert.deepEqual(row('trackback'), ['2', '-']);
  assert.deepEqual(row('(no endpoint)')?.slice(-2), ['-', '2']);
  assert.deepEqual(row('total'), ['5', '2']);
  assert.equal(row('pingback'), undefined, 'no row for a protocol never used');
  assert.ok(!text.includes('Failed'));
  assert.ok(!text.includes('\u001b['));
});

test('status: colours only when the paint has them; a clock behind the records is called out', () => {
  const s = status({ notifications: 1, posts: 1, lastActivity: '2025-03-01T10:00:00.000Z', byStatus: counts({ failed: 1 }),
    byProtocol: { webmention: counts({ failed: 1 }), pingback: counts(), trackback: counts(), none: counts() },
    failed: [{ source: 'https://a.example/p/', target: 'https://b.example/', protocol: 'webmention', endpoint: 'https://b.example/wm', status: 'failed', code: 'rejected', message: 'HTTP 400: bad source', at: '2025-03-01T10:00:00.000Z', attempts: 2, retryable: false }] });
  const coloured = formatStatus(s, colour, { now: new Date('2025-03-01T09:00:00.000Z') });
  assert.ok(coloured.includes('\u001b[31m'), 'red');
  assert.match(coloured, /in the future: check the clock/);
  const text = formatStatus(s, plain, { now: new Date('2025-03-03T10:00:00.000Z') });
  assert.match(text, /\(2 days ago\)/);
  assert.match(text, /webmention https:\/\/b\.example\/wm · 2025-03-01T10:00:00\.000Z · 2 attempts\n {6}rejected: HTTP 400: bad source/);
});

test('status: gone targets have their own column and section (since when, next check), not the failed ones', () => {
  const gone: NotificationRecord = { source: 'https://a.example/p/', target: 'https://dead.example/x', protocol: null, endpoint: null, status: 'failed', code: 'target-gone', message: 'target page answered HTTP 404', at: '2025-03-01T10:00:00.000Z', attempts: 0, retryable: true, httpStatus: 404, retryAt: '2025-03-02T10:00:00.000Z' };
  const text = formatStatus(status({ notifications: 2, posts: 1, lastActivity: '2025-03-01T10:00:00.000Z', byStatus: counts({ sent: 1, failed: 1 }),
    byProtocol: { webmention: counts({ sent: 1 }), pingback: counts(), trackback: counts(), none: counts({ failed: 1 }) }, gone: [gone] }), plain, { now: new Date('2025-03-01T12:00:00.000Z') });
  const lines = text.split('\n');
  assert.deepEqual(lines.find((l) => l.includes('sent'))?.trim().split(/ {2,}/), ['sent', 'gone'], 'no failed column: nothing to act on');
  assert.deepEqual(lines.find((l) => l.trimStart().startsWith('total'))?.trim().split(/ +/), ['total', '1', '1']);
  assert.ok(!text.includes('Failed'));
  assert.match(text, /Gone targets \(1\)\n.*\n {2}- https:\/\/dead\.example\/x\n {6}linked from https:\/\/a\.example\/p\/\n {6}gone \(HTTP 404\) since 2025-03-01T10:00:00\.000Z; next check after 2025-03-02T10:00:00\.000Z/);
});

test('status: no state file yet', () => {
  const text = formatStatus(status({ exists: false }), plain, { now: new Date() });
  assert.match(text, /No state yet/);
  assert.ok(!text.includes('Last activity'));
});

function discovery(fields: Partial<DiscoverReport>): DiscoverReport {
  return { url: 'http://a.example/x', target: 'http://a.example/x', rule: 'page', arxivId: null, fetched: null, requests: 1, endpoint: null, outcome: null, notes: [], excludedBy: null, ...fields };
}

test('discover: the redirect chain, the final URL and where the endpoint was found; notes that repeat are not listed', () => {
  const text = formatDiscovery(discovery({
    fetched: { finalUrl: 'https://a.example/y', redirects: ['http://a.example/x', 'https://a.example/x'], httpStatus: 200, contentType: 'text/html', bytes: 1234, truncated: false },
    endpoint: { protocol: 'pingback', url: 'https://a.example/xmlrpc', via: 'X-Pingback header' },
    notes: ['skipped Link header rel="webmention" with unusable target "mailto:x" (not an http(s) URL)', 'pingback endpoint https://a.example/xmlrpc (from X-Pingback header)'],
  }), plain);
  assert.match(text, /redirected: http:\/\/a\.example\/x\n {10}then: https:\/\/a\.example\/x\n {2}final URL: +https:\/\/a\.example\/y/);
  assert.match(text, /answered: +HTTP 200, text\/html, 1234 bytes/);
  assert.match(text, /✓ pingback endpoint https:\/\/a\.example\/xmlrpc\n {2}found in: X-Pingback header/);
  assert.match(text, /Also seen:\n {2}- skipped Link header/);
  assert.ok(!text.includes('(from X-Pingback header)'), 'the found-endpoint note is not repeated');
});

test('discover: a failure gets its hint; an excluded target gets a note', () => {
  const text = formatDiscovery(discovery({
    outcome: { status: 'failed', code: 'timeout', message: 'no answer within 300 ms' }, notes: ['no answer within 300 ms'], excludedBy: 'excludeHosts "a.example"',
  }), plain);
  assert.match(text, /✗ timeout: no answer within 300 ms\n {2}--timeout allows more time/);
  assert.ok(!text.includes('Seen on the way'), 'the outcome message is not repeated as a note');
  assert.match(text, /your settings exclude this target \(excludeHosts "a\.example"\)/);
});

function report(results: Result[]): SendReport {
  return {
    results, warnings: [], dryRun: false, interrupted: false, error: null, startedAt: '', finishedAt: '',
    summary: { pages: 1, posts: 1, unchangedPosts: 0, targets: results.length, sent: 0, failed: 0, skipped: results.length, noEndpoint: 0, dryRun: 0, recoveredUncertain: 0 },
  } as unknown as SendReport; // the summary fields formatTable does not read are left out
}

test('send table: pairs done in earlier runs are one line unless verbose', () => {
  const skipped = (n: number): Result => ({ source: 'https://a.example/p/', target: `https://t${n}.example/`, protocol: 'webmention', endpoint: 'https://t.example/wm', status: 'skipped', code: 'already-done', message: 'already sent 2025-01-01' });
  const r = report([skipped(1), skipped(2), skipped(3)]);
  const terse = formatTable(r, plain);
  assert.match(terse, /^3 already done in earlier runs \(--verbose lists them\)$/m);
  assert.ok(!terse.includes('https://t1.example/'));
  const verbose = formatTable(r, plain, { verbose: true });
  assert.match(verbose, /^Skipped \(3\)$/m);
  for (const n of [1, 2, 3]) assert.ok(verbose.includes(`-> https://t${n}.example/`));
});

test('send table: the first TABLE_ROWS of a status, then "… and N more" counted from the summary', () => {
  const row = (n: number): Result => ({ source: 'https://a.example/p/', target: `https://t${n}.example/`, protocol: 'trackback', endpoint: `https://t${n}.example/tb`, status: 'dry-run', code: 'dry-run', message: 'would send trackback' });
  const total = TABLE_ROWS + 37;
  const all = Array.from({ length: total }, (_, n) => row(n));
  const r = { ...report(all), summary: { ...report(all).summary, skipped: 0, dryRun: total } } as SendReport;
  const text = formatTable(r, plain);
  assert.match(text, new RegExp(`^Would send \\(dry run\\) \\(${total}\\)$`, 'm'));
  assert.ok(text.includes(`-> https://t${TABLE_ROWS - 1}.example/\n`));
  assert.ok(!text.includes(`-> https://t${TABLE_ROWS}.example/\n`), 'row past the limit not listed');
  assert.match(text, /^ {2}… and 37 more \(--verbose or --json lists every one\)$/m);
  assert.ok(formatTable(r, plain, { verbose: true }).includes(`-> https://t${total - 1}.example/\n`));

  // What tableRows keeps is exactly what the table lists: the same text from far fewer rows held.
  const keep = tableRows();
  const held = all.filter((x) => keep(x));
  assert.equal(held.length, TABLE_ROWS);
  assert.equal(formatTable({ ...r, results: held }, plain), text);
});

test('send table: tableRows drops rows only counted (done in earlier runs) and, with statuses, other sections', () => {
  const done = (n: number): Result => ({ source: 'https://a.example/p/', target: `https://d${n}.example/`, protocol: 'webmention', endpoint: 'https://d.example/wm', status: 'skipped', code: 'already-done', message: 'already sent' });
  const failed: Result = { source: 'https://a.example/p/', target: 'https://f.example/', protocol: 'trackback', endpoint: 'https://f.example/tb', status: 'failed', code: 'rejected', message: 'error 1' };
  const all = [done(1), failed, done(2), done(3)];
  const r = { ...report(all), summary: { ...report(all).summary, skipped: 3, failed: 1 } } as SendReport;
  const keep = tableRows();
  const held = all.filter((x) => keep(x));
  assert.deepEqual(held, [failed]);
  const text = formatTable({ ...r, results: held }, plain);
  assert.equal(text, formatTable(r, plain));
  assert.match(text, /^3 already done in earlier runs \(--verbose lists them\)$/m);

  const quiet = tableRows({ statuses: ['failed'] });
  assert.deepEqual(all.filter((x) => quiet(x)), [failed]);
  const quietText = formatTable({ ...r, results: [failed] }, plain, { statuses: ['failed'] });
  assert.ok(!quietText.includes('already done'), 'quiet lists failures only');
  assert.match(quietText, /^Failed \(1\)$/m);
  const verbose = tableRows({ verbose: true });
  assert.equal(all.filter((x) => verbose(x)).length, 4);
});
