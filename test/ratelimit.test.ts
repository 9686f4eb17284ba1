// The pure parts of host pacing (src/ratelimit/host.ts) and of reading "slow down" (src/send/slow-down.ts), and
// the settings that drive them (`hosts`, --host-interval, maxHostWait) through the one options pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ARXIV_INTERVAL_MS, DEFAULT_INTERVAL_MS, HostSchedule, MAX_HELD_GAP_MS, WORDPRESS_INTERVAL_MS, arxivHostsFor, heldAcrossRuns,
  isWordPressEndpoint, nextPause,
} from '../src/ratelimit/host.ts';
import type { PaceRules } from '../src/ratelimit/host.ts';
import { slowDown } from '../src/send/slow-down.ts';
import { mergeLayers, parseOptions } from '../src/options.ts';
import { envLayer, fromString, parseHostIntervals } from '../src/config.ts';
import { formatWaits } from '../src/report/table.ts';
import type { SendReport } from '../src/linkback.ts';
import { createLimiter } from '../src/net/limiter.ts';
import { waitingLine } from '../src/cli/progress.ts';

const rules = (over: Partial<PaceRules> = {}): PaceRules => ({
  defaultInterval: DEFAULT_INTERVAL_MS, arxivHosts: arxivHostsFor('https://arxiv.org/trackback/{id}'), hosts: {},
  maxHostWait: 300_000, maxRetryAfter: 120_000, ...over,
});
const get = (url: string) => ({ url, notification: false });
const ping = (url: string) => ({ url, notification: true });

test('turns on one host are handed out an interval apart, in call order; other hosts do not wait', () => {
  const s = new HostSchedule(rules());
  assert.deepEqual([0, 1, 2].map(() => s.reserve(get('https://a.example/x'), 1000).at), [1000, 1100, 1200]);
  assert.equal(s.reserve(get('https://b.example/x'), 1000).at, 1000);
  assert.equal(s.reserve(get('https://a.example:8080/x'), 1000).at, 1000, 'host:port is its own host');
});

test('arXiv hosts, and the host of the arXiv endpoint whatever it is, are paced 3 s, GET or POST', () => {
  const s = new HostSchedule(rules({ arxivHosts: arxivHostsFor('http://tb.mirror.test:8080/trackback/{id}') }));
  for (const url of ['https://arxiv.org/trackback/1', 'https://export.arxiv.org/api/query', 'http://tb.mirror.test:8080/trackback/2', 'https://www.arxiv.org/tb/1']) {
    assert.equal(s.reserve(ping(url), 0).at, 0, url);
    assert.equal(s.reserve(get(url), 0).at, ARXIV_INTERVAL_MS, url);
  }
  assert.equal(s.interval('arxiv.org').reason, 'arXiv asks for 3 s between requests');
});

test('WordPress: notifications to xmlrpc.php, wp-trackback.php or a /trackback/ permalink are 16 s apart, counted from the answer; discovery GETs are not held to it', () => {
  assert.ok(isWordPressEndpoint('https://blog.example/xmlrpc.php'));
  assert.ok(isWordPressEndpoint('https://blog.example/wp/wp-trackback.php?p=3'));
  assert.ok(isWordPressEndpoint('https://blog.example/2026/03/a-post/trackback/'));
  assert.ok(!isWordPressEndpoint('https://arxiv.org/trackback/2401.00001'));
  assert.ok(!isWordPressEndpoint('https://webmention.io/blog.example/webmention'));
  const s = new HostSchedule(rules());
  const first = ping('https://blog.example/xmlrpc.php');
  assert.equal(s.reserve(first, 0).at, 0);
  assert.equal(s.start(first, 0), 0);
  s.answered(first, 2500); // WordPress stored the comment after fetching our post
  assert.equal(s.reserve(get('https://blog.example/other-post/'), 2500).at, 2500, 'a GET waits only for the default interval');
  assert.equal(s.reserve(ping('https://blog.example/wp-trackback.php?p=9'), 2500).at, 2500 + WORDPRESS_INTERVAL_MS);
});

test('a host recognised as WordPress from its answers paces its notifications by the flood window from then on', () => {
  const s = new HostSchedule(rules());
  const url = 'https://wp.example/rpc';
  assert.equal(s.commentInterval('wp.example', ping(url)), null);
  s.slowedDown(url, 0, null, true);
  assert.equal(s.commentInterval('wp.example', ping(url))?.ms, WORDPRESS_INTERVAL_MS);
  assert.equal(s.commentInterval('wp.example', get(url)), null);
});

test('a host\'s own interval replaces the built-in rules (arXiv\'s, WordPress\'s)', () => {
  const s = new HostSchedule(rules({ hosts: { 'arxiv.org': { interval: 500 }, 'blog.example': { interval: 0 } } }));
  s.reserve(get('https://arxiv.org/a'), 0);
  assert.equal(s.reserve(get('https://arxiv.org/b'), 0).at, 500);
  s.reserve(ping('https://blog.example/xmlrpc.php'), 0);
  assert.equal(s.reserve(ping('https://blog.example/xmlrpc.php'), 0).at, 0);
});

test('a start that slipped past its turn still keeps the interval on the wire', () => {
  const s = new HostSchedule(rules());
  const a = ping('https://arxiv.org/trackback/1');
  const b = ping('https://arxiv.org/trackback/2');
  assert.equal(s.reserve(a, 0).at, 0);
  assert.equal(s.reserve(b, 0).at, 3000);
  assert.equal(s.start(a, 1000), 0, 'a started late (a slow state write)');
  assert.equal(s.start(b, 3000), 1000, 'b waits 1 s more');
  assert.equal(s.start(b, 4000), 0);
});

test('"slow down": escalating pauses from the interval (at least 1 s), Retry-After honoured, joined while paused, given up past the budget', () => {
  assert.deepEqual([0, 1, 2, 3].map((n) => nextPause(n, 100, null)), [1000, 2000, 4000, 8000]);
  assert.deepEqual([0, 1, 2].map((n) => nextPause(n, ARXIV_INTERVAL_MS, null)), [3000, 6000, 12_000]);
  assert.equal(nextPause(0, 100, 40_000), 40_000);
  const s = new HostSchedule(rules({ maxHostWait: 20_000 }));
  const url = 'https://arxiv.org/trackback/1';
  assert.deepEqual(s.slowedDown(url, 0, null, false), { retry: true, until: 3000, pauseMs: 3000, escalated: true });
  assert.deepEqual(s.slowedDown(url, 10, null, false), { retry: true, until: 3000, pauseMs: 2990, escalated: false }, 'a second answer to the same burst joins the pause');
  assert.equal(s.reserve(ping(url), 10).at, 3000, 'requests wait for the pause');
  assert.deepEqual(s.slowedDown(url, 3000, null, false), { retry: true, until: 9000, pauseMs: 6000, escalated: true });
  const over = s.slowedDown(url, 9000, null, false); // 9 s paused; 12 s more would pass 20 s
  assert.equal(over.retry, false);
  assert.ok(s.givenUp(url));
  assert.equal(s.slowDowns(url), 4);
  assert.deepEqual(s.stats(), [{ host: 'arxiv.org', slowDowns: 4, pausedMs: 9000, givenUp: true }]);
  const far = new HostSchedule(rules());
  assert.equal(far.slowedDown('https://x.example/', 0, 121_000, false).retry, false, 'a Retry-After over maxRetryAfter');
});

test('held across runs: the next run sends it; held again, 1 h, then doubling; past 7 days given up', () => {
  const at = '2026-03-01T00:00:00.000Z';
  const t = Date.parse(at);
  const held = { status: 'failed', retryable: true, code: 'rate-limited', at };
  assert.deepEqual(heldAcrossRuns(undefined, t), { retryAt: null });
  assert.deepEqual(heldAcrossRuns({ ...held, code: 'unreachable' }, t), { retryAt: null });
  assert.deepEqual(heldAcrossRuns(held, t), { retryAt: '2026-03-01T01:00:00.000Z' });
  assert.deepEqual(heldAcrossRuns({ ...held, retryAt: '2026-03-01T01:00:00.000Z' }, t), { retryAt: '2026-03-01T02:00:00.000Z' });
  // A host that blocks every run: runs come as soon as allowed; the tenth held run gives up, 10.6 days on.
  let previous: typeof held & { retryAt?: string } = held;
  let now = t + 60_000;
  let runs = 1;
  for (;;) {
    const next = heldAcrossRuns(previous, now);
    runs++;
    if ('giveUp' in next) break;
    assert.ok(next.retryAt !== null);
    previous = { ...held, at: new Date(now).toISOString(), retryAt: next.retryAt };
    now = Date.parse(next.retryAt);
  }
  assert.equal(runs, 10);
  assert.ok((now - t) / 86_400_000 > 10);
  assert.ok(MAX_HELD_GAP_MS === 7 * 24 * 3_600_000);
});

const answer = (status: number, body: string, type = 'text/xml', headers: Record<string, string[]> = {}) =>
  ({ status, headers: { 'content-type': [type], ...headers }, body: Buffer.from(body) });
const refused = { status: 'failed' as const };
const NOW = Date.UTC(2026, 2, 1);

test('slow-down: HTTP 429 and 503 (Retry-After read), fault 429, "too quickly" in any protocol', () => {
  assert.deepEqual(slowDown(answer(429, '', 'text/plain', { 'retry-after': ['20'] }), 'webmention', refused, false, NOW), { reason: 'HTTP 429', retryAfterMs: 20_000, wordpress: false });
  assert.equal(slowDown(answer(503, 'busy'), 'trackback', refused, false, NOW)?.reason, 'HTTP 503');
  const flood = slowDown(answer(200, '<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>429</int></value></member></struct></value></fault></methodResponse>'), 'pingback', refused, false, NOW);
  assert.equal(flood?.wordpress, true);
  assert.match(flood?.reason ?? '', /fault 429/);
  const tb = slowDown(answer(200, '<response><error>1</error><message>You are posting comments too quickly. Slow down.</message></response>'), 'trackback', refused, false, NOW);
  assert.equal(tb?.wordpress, true);
  assert.equal(slowDown(answer(429, '<p>You are posting comments too quickly. Slow down.</p>', 'text/html'), 'trackback', refused, false, NOW)?.wordpress, true);
});

test('slow-down: a 403 HTML page to a pingback or trackback is a robot block; to a webmention a refusal, unless the host already asked to slow down', () => {
  const page = answer(403, '<!DOCTYPE html><html><title>Access Denied</title></html>', 'text/html');
  assert.match(slowDown(page, 'trackback', refused, false, NOW)?.reason ?? '', /robot-block page/);
  assert.match(slowDown(answer(403, '<html><body>denied</body></html>', ''), 'pingback', refused, false, NOW)?.reason ?? '', /robot-block page/);
  assert.equal(slowDown(page, 'webmention', refused, false, NOW), null);
  assert.equal(slowDown(answer(403, '<response><error>1</error></response>'), 'trackback', refused, false, NOW), null, 'an XML 403 is the listener\'s refusal');
  assert.match(slowDown(page, 'webmention', refused, true, NOW)?.reason ?? '', /asked to slow down/);
});

test('slow-down: never for an accepted answer, a plain refusal, or another fault', () => {
  assert.equal(slowDown(answer(200, 'You are posting comments too quickly. Slow down.'), 'webmention', { status: 'sent' }, false, NOW), null);
  assert.equal(slowDown(answer(400, 'Could not fetch source URL', 'text/html'), 'webmention', refused, false, NOW), null);
  assert.equal(slowDown(answer(200, '<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>17</int></value></member></struct></value></fault></methodResponse>'), 'pingback', refused, false, NOW), null);
  assert.equal(slowDown(answer(404, ''), 'trackback', refused, true, NOW), null);
});

test('settings: `hosts` in a config layer, --host-interval / LINKBACK_HOSTS, merged host by host; unknown keys rejected', () => {
  const options = parseOptions({ site: 'x', hosts: { 'example.org': { interval: 2000, perHost: 1 } }, maxHostWait: 60_000 });
  assert.deepEqual(options.hosts, { 'example.org': { interval: 2000, perHost: 1 } });
  assert.equal(parseOptions({ site: 'x' }).maxHostWait, 300_000);
  assert.throws(() => parseOptions({ site: 'x', hosts: { 'example.org': { intervall: 5 } } }), /intervall/);
  assert.throws(() => parseOptions({ site: 'x', hosts: { 'example.org': { interval: -1 } } }), /hosts\.example\.org\.interval/);
  assert.deepEqual(parseHostIntervals(['Arxiv.org=5000', 'blog.example:8080=0']), { 'arxiv.org': { interval: 5000 }, 'blog.example:8080': { interval: 0 } });
  assert.throws(() => parseHostIntervals(['arxiv.org']), /--host-interval wants HOST=MILLISECONDS/);
  assert.deepEqual(fromString('hosts', 'a.example=100,b.example=200'), { 'a.example': { interval: 100 }, 'b.example': { interval: 200 } });
  assert.deepEqual(envLayer({ LINKBACK_HOSTS: 'a.example=100' }), { hosts: { 'a.example': { interval: 100 } } });
  assert.throws(() => envLayer({ LINKBACK_HOSTS: 'a.example=soon' }), /LINKBACK_HOSTS/);
  const merged = mergeLayers({ hosts: { 'a.example': { interval: 2000, perHost: 1 } } }, { hosts: { 'a.example': { interval: 500 } } });
  assert.deepEqual(merged.hosts, { 'a.example': { interval: 500, perHost: 1 } });
});

test('the report says what the run waited for, by host (above the summary line)', () => {
  const report = {
    results: [], warnings: [], dryRun: false, interrupted: false, error: null, startedAt: '', finishedAt: '',
    summary: { pages: 1, posts: 1, unchangedPosts: 0, targets: 2, sent: 2, failed: 0, held: 0, skipped: 0, noEndpoint: 0, dryRun: 0, recoveredUncertain: 0, recoveredResend: 0, resent: 0, marked: 0, beforeSince: 0, undated: 0, deletedPosts: 0, undatedPages: 0, undatedExample: null },
    hostWaits: [{ host: 'blog.example.org', ms: 32_000, reason: 'asked to slow down (WordPress flood window)', slowDowns: 1 }, { host: 'arxiv.org', ms: 9000, reason: 'arXiv asks for 3 s between requests', slowDowns: 0 }],
  } satisfies SendReport;
  const plain = { red: String, green: String, yellow: String, dim: String, bold: String };
  assert.match(formatWaits(report, plain) ?? '', /^waited 32 s for blog\.example\.org \(asked to slow down \(WordPress flood window\), asked to slow down once\); 9 s for arxiv\.org \(arXiv asks for 3 s between requests\)/);
});

test('a host\'s own perHost bounds its requests in flight; the turn runs in the host slot, before the overall one', async () => {
  const limit = createLimiter({ concurrency: 1, perHost: 2, perHostFor: (host) => (host === 'one.example' ? 1 : undefined) });
  let running = 0;
  let most = 0;
  const order: string[] = [];
  const task = (name: string) => async () => {
    running++;
    most = Math.max(most, running);
    order.push(name);
    await new Promise((resolve) => setImmediate(resolve));
    running--;
  };
  // While one.example's second task waits for its turn (holding only its host slot), other.example gets the overall slot.
  let release: () => void = () => {};
  const turn = () => new Promise<void>((resolve) => (release = resolve));
  const all = [limit('one.example', task('one-1')), limit('one.example', task('one-2'), turn), limit('other.example', task('other-1'))];
  // Until two tasks have run (event turns, not a fixed delay: a timer can fire first on a loaded machine).
  for (let turns = 0; order.length < 2 && turns < 10_000; turns++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, ['one-1', 'other-1']);
  release();
  await Promise.all(all);
  assert.deepEqual(order, ['one-1', 'other-1', 'one-2']);
  assert.equal(most, 1);
});

test('the progress line tells the wait in words', () => {
  assert.equal(waitingLine({ host: 'blog.example.org', ms: 16_000, reason: 'WordPress flood window' }), 'waiting 16 s for blog.example.org (WordPress flood window)');
  assert.equal(waitingLine({ host: 'arxiv.org', ms: 189_000, reason: 'asked to slow down' }), 'waiting 3 min 9 s for arxiv.org (asked to slow down)');
});
