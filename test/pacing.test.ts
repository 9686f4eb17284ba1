// Host pacing, and "slow down" is never a refusal (issue 11, reproductions 1 and 2). The simulated receivers apply
// the real rules on a virtual clock shared with the sender (fixtures/virtual-clock.ts): an arXiv that serves a 403
// "Access Denied" page to a client faster than one request per 3 s, and a WordPress whose xmlrpc.php and
// wp-trackback.php refuse a second ping from one address within 15 s (whole seconds, as wp_check_comment_flood).
// What the receivers saw is checked on the wire.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send } from '../src/index.ts';
import type { LinkbackEvent, OptionsInput, SendReport } from '../src/index.ts';
import { createClientFor } from '../src/net/client.ts';
import { parseOptions } from '../src/options.ts';
import { VirtualClock } from './fixtures/virtual-clock.ts';
import { notify } from '../src/send/notify.ts';
import type { NetContext } from '../src/net/attempt.ts';
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../src/net/http.ts';
import { createLimiter } from '../src/net/limiter.ts';
import { DEFAULT_RETRY } from '../src/net/retry.ts';
import { DEFAULT_INTERVAL_MS, HostSchedule, arxivHostsFor } from '../src/ratelimit/host.ts';
import { createPacer } from '../src/ratelimit/pacer.ts';
import type { Post } from '../src/types.ts';

interface Hit {
  host: string;
  method: string;
  path: string;
  /** Virtual ms when it arrived. */
  at: number;
  /** What the receiver answered, in a word. */
  answer: string;
  body: string;
}

type Route = (req: IncomingMessage, res: ServerResponse, body: string, at: number) => string;

const ARXIV_OK = '<?xml version="1.0" encoding="UTF-8"?><response><error>0</error></response>';
const ACCESS_DENIED = '<!DOCTYPE html><html><head><title>Access Denied</title></head><body><h1>Access Denied</h1><p>Sadly, you do not currently appear to have permission to access this page.</p></body></html>';
const TOO_QUICKLY = 'You are posting comments too quickly. Slow down.';
const pingbackOk = '<?xml version="1.0"?><methodResponse><params><param><value><string>Pingback from the post registered.</string></value></param></params></methodResponse>';
const fault = (code: number, text: string) =>
  `<?xml version="1.0"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>${code}</int></value></member><member><name>faultString</name><value><string>${text}</string></value></member></struct></value></fault></methodResponse>`;

/** arXiv's rule: a client must leave 3 s between requests, else it gets the robot page (and that counts as a request). */
function arxiv(clock: VirtualClock, blockedUntil = { at: -Infinity }): Route {
  let last = -Infinity;
  return (_req, res, _body, at) => {
    const tooFast = at - last < 3000;
    last = at;
    if (tooFast || at < blockedUntil.at) {
      res.writeHead(403, { 'content-type': 'text/html' }).end(ACCESS_DENIED);
      return 'blocked';
    }
    res.writeHead(200, { 'content-type': 'text/xml' }).end(ARXIV_OK);
    void clock;
    return 'ok';
  };
}

/**
 * WordPress's flood check: a comment (pingback, trackback) from an address whose previous accepted one is less
 * than 15 whole seconds old is refused: fault 429 on xmlrpc.php (HTTP 200), HTTP 429 and wp_die's page on
 * wp-trackback.php. A refused ping stores nothing.
 */
function wordpress(): { pingback: Route; trackback: Route } {
  let lastStored = -Infinity; // whole seconds, as MySQL's comment_date_gmt
  const flood = (at: number) => Math.floor(at / 1000) - lastStored < 15;
  return {
    pingback: (_req, res, _body, at) => {
      if (flood(at)) {
        res.writeHead(200, { 'content-type': 'text/xml; charset=UTF-8' }).end(fault(429, TOO_QUICKLY));
        return 'flood';
      }
      lastStored = Math.floor(at / 1000);
      res.writeHead(200, { 'content-type': 'text/xml; charset=UTF-8' }).end(pingbackOk);
      return 'ok';
    },
    trackback: (_req, res, _body, at) => {
      if (flood(at)) {
        res.writeHead(429, { 'content-type': 'text/html; charset=utf-8' }).end(`<!DOCTYPE html><html><body><div class="wp-die-message">${TOO_QUICKLY}</div></body></html>`);
        return 'flood';
      }
      lastStored = Math.floor(at / 1000);
      res.writeHead(200, { 'content-type': 'text/xml; charset=UTF-8' }).end('<?xml version="1.0" encoding="utf-8"?>\n<response>\n<error>0</error>\n</response>\n');
      return 'ok';
    },
  };
}

/** A WordPress post page: pingback by X-Pingback (or, with `trackbackOnly`, trackback by its RDF block only). */
function wpPage(pingback: string | null, trackback?: string): Route {
  return (req, res) => {
    const url = `http://${req.headers.host}${req.url}`;
    const rdf = trackback
      ? `<!--<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/"><rdf:Description rdf:about="${url}" dc:identifier="${url}" dc:title="A post" trackback:ping="${trackback}" /></rdf:RDF>-->`
      : '';
    res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8', ...(pingback ? { 'x-pingback': pingback } : {}) });
    res.end(`<!DOCTYPE html><html><head><title>A post</title></head><body><article><h1>A post</h1>${rdf}<p>Text.</p></article></body></html>`);
    return 'page';
  };
}

/** One server for every host (connectTo "*"), routed by Host header and path. */
async function web(t: TestContext, clock: VirtualClock, routes: Record<string, Route>) {
  const hits: Hit[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const at = clock.ms();
      const host = req.headers.host ?? '';
      const path = req.url ?? '/';
      const route = routes[`${req.method} ${host}${path}`];
      if (!route) {
        res.writeHead(404).end();
        hits.push({ host, method: req.method ?? '', path, at, answer: '404', body });
        return;
      }
      hits.push({ host, method: req.method ?? '', path, at, answer: route(req, res, body, at), body });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  const port = (server.address() as AddressInfo).port;
  const posts = (host: string) => hits.filter((h) => h.method === 'POST' && h.host === host);
  return { hits, port, posts };
}

async function site(t: TestContext, links: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-pace-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'site/post'), { recursive: true });
  const anchors = links.map((href, i) => `<a href="${href}">link ${i}</a>`).join(', ');
  await writeFile(join(dir, 'site/post/index.html'), `<!doctype html><html><head><title>Post</title></head><body>
<article class="h-entry"><h1 class="p-name">Papers and posts</h1><time class="dt-published" datetime="2026-03-01">1 March</time>
<div class="e-content"><p>See ${anchors}.</p></div></article></body></html>`);
  return { site: join(dir, 'site'), state: join(dir, 'state.json') };
}

/** Everything the defaults do, on the virtual clock: only what a local test needs is set. */
async function run(t: TestContext, clock: VirtualClock, port: number, where: { site: string; state: string }, extra: Partial<OptionsInput> = {}) {
  const input: OptionsInput = {
    site: where.site, state: where.state, siteUrl: 'https://me.example/', allowPrivate: true,
    connectTo: { '*': `127.0.0.1:${port}` }, arxivEndpoint: 'http://arxiv.org/trackback/{id}',
    // The simulated hosts play the receivers only; our post is served by nobody (the live check: test/live.test.ts).
    checkLive: false, ...extra,
  };
  const client = clock.client(createClientFor(parseOptions(input)));
  t.after(() => client.close());
  const events: LinkbackEvent[] = [];
  const report = await send(input, { client, now: clock.now, sleep: clock.sleep, onEvent: (e) => events.push(e) });
  return { report, events };
}

const rows = (report: SendReport, status: string) => report.results.filter((r) => r.status === status);
const gaps = (hits: Hit[]) => hits.slice(1).map((h, i) => h.at - (hits[i]?.at ?? 0));

test('one post citing 4 arXiv papers and 3 posts of one WordPress blog: all 7 accepted exactly once, arXiv never blocked (defaults)', async (t) => {
  const clock = new VirtualClock();
  const wp = wordpress();
  // One listener for the four papers: arXiv's rule is per client, not per paper.
  const arxivRoute = arxiv(clock);
  const routes = ['2401.00001', '2401.00002', '2402.00003', '2403.00004'];
  const where = await site(t, [
    ...routes.map((id) => `https://arxiv.org/abs/${id}`),
    'http://blog.example.org/one/', 'http://blog.example.org/two/', 'http://blog.example.org/three/',
  ]);
  const server = await web(t, clock, {
    ...Object.fromEntries(routes.map((id) => [`POST arxiv.org/trackback/${id}`, arxivRoute])),
    'GET blog.example.org/one/': wpPage('http://blog.example.org/xmlrpc.php'),
    'GET blog.example.org/two/': wpPage('http://blog.example.org/xmlrpc.php'),
    'GET blog.example.org/three/': wpPage(null, 'http://blog.example.org/wp-trackback.php?p=3'),
    'POST blog.example.org/xmlrpc.php': wp.pingback,
    'POST blog.example.org/wp-trackback.php?p=3': wp.trackback,
  });
  const { report, events } = await run(t, clock, server.port, where);

  const toArxiv = server.posts('arxiv.org');
  assert.equal(toArxiv.length, 4, 'one trackback per paper');
  assert.deepEqual(toArxiv.map((h) => h.answer), ['ok', 'ok', 'ok', 'ok'], 'arXiv never served its robot page');
  assert.ok(gaps(toArxiv).every((gap) => gap >= 3000), `3 s between arXiv requests: ${gaps(toArxiv).join(', ')}`);
  const toBlog = server.posts('blog.example.org');
  assert.equal(toBlog.length, 3, 'one ping per post: none refused, none repeated');
  assert.deepEqual(toBlog.map((h) => h.answer), ['ok', 'ok', 'ok']);
  assert.equal(new Set(toBlog.map((h) => h.body)).size, 3);
  assert.equal(report.summary.sent, 7);
  assert.equal(report.summary.failed + report.summary.held, 0);
  assert.equal(rows(report, 'sent').length, 7);
  // The run said what it waited for: WordPress's window and arXiv's 3 s.
  const waits = events.filter((e) => e.type === 'waiting');
  assert.ok(waits.some((e) => e.host === 'blog.example.org' && /WordPress flood window/.test(e.reason) && e.ms >= 15_000));
  assert.ok(waits.some((e) => e.host === 'arxiv.org' && /arXiv/.test(e.reason)));
  assert.deepEqual(report.hostWaits.map((h) => h.host).sort(), ['arxiv.org', 'blog.example.org']);
});

test('reproduction 1: a WordPress not known by its path answers fault 429 and HTTP 429 "too quickly": waited out, accepted later in the same run, never recorded as rejected', async (t) => {
  const clock = new VirtualClock();
  const wp = wordpress();
  // A WordPress behind rewrites: its endpoints do not say xmlrpc.php or wp-trackback.php, so only its answers tell.
  const server = await web(t, clock, {
    'GET wp.example.net/a/': wpPage('http://wp.example.net/rpc'),
    'GET wp.example.net/b/': wpPage('http://wp.example.net/rpc'),
    'GET wp.example.net/c/': wpPage(null, 'http://wp.example.net/ping/c'),
    'POST wp.example.net/rpc': wp.pingback,
    'POST wp.example.net/ping/c': wp.trackback,
  });
  const where = await site(t, ['http://wp.example.net/a/', 'http://wp.example.net/b/', 'http://wp.example.net/c/']);
  const { report, events } = await run(t, clock, server.port, where);

  const pings = server.posts('wp.example.net');
  assert.ok(pings.some((h) => h.answer === 'flood'), 'the receiver did say "too quickly" (else this test proves nothing)');
  assert.deepEqual(pings.filter((h) => h.answer === 'ok').map((h) => h.path).sort(), ['/ping/c', '/rpc', '/rpc'], 'each accepted exactly once');
  const accepted = pings.filter((h) => h.answer === 'ok');
  assert.ok(gaps(accepted).every((gap) => gap >= 15_000), `the retries came after the 15 s window: ${gaps(accepted).join(', ')}`);
  // No repeat inside the window once the host is known as WordPress: at most one flood per pause.
  assert.ok(pings.filter((h) => h.answer === 'flood').length <= 2, `floods: ${pings.map((h) => h.answer).join(', ')}`);
  assert.equal(report.summary.sent, 3);
  assert.equal(report.summary.failed + report.summary.held, 0);
  const state = await readFile(where.state, 'utf8');
  assert.doesNotMatch(state, /"rejected"/);
  assert.ok(events.some((e) => e.type === 'waiting' && e.slowDown && e.host === 'wp.example.net'), 'the pause was told');
  assert.ok(report.hostWaits.some((h) => h.host === 'wp.example.net' && h.slowDowns >= 1));
});

test('reproduction 2: arXiv\'s robot page (403 HTML) holds the host, not refused; after the per-host budget what is left is held, retryable, and the next run sends it', async (t) => {
  const clock = new VirtualClock();
  // Blocked by an earlier burst (another client on this address): every request gets the robot page for 20 min.
  const blockedUntil = { at: clock.ms() + 20 * 60_000 };
  const arxivRoute = arxiv(clock, blockedUntil);
  const ids = ['2401.00001', '2401.00002', '2402.00003'];
  const server = await web(t, clock, Object.fromEntries(ids.map((id) => [`POST arxiv.org/trackback/${id}`, arxivRoute])));
  const where = await site(t, ids.map((id) => `https://arxiv.org/abs/${id}`));

  const first = await run(t, clock, server.port, where);
  const blocked = server.posts('arxiv.org');
  assert.ok(blocked.length >= 2 && blocked.every((h) => h.answer === 'blocked'), `all answered by the robot page: ${blocked.length}`);
  // Escalating pauses from arXiv's 3 s (3, 6, … 96 s: 189 s within the default 5 min budget; 192 s more would
  // pass it): 7 requests in all, then the host is given up for the run.
  assert.equal(blocked.length, 7, `requests while blocked: ${blocked.map((h) => `${h.at - (blocked[0]?.at ?? 0)} ${/url=([^&]*)/.exec(h.body)?.[1]} ${h.path}`).join(", ")}`);
  // The n-th pause is 3 s x 2^n. Two pairs hold the host's places (the in-flight gate, perHost 2) and take turns; a
  // turn reserved before a pause began may start one interval (3 s) after the pause ends, depending on which
  // pair's answer is recorded first. So each gap is the pause, or the pause plus one interval: never less.
  const timeline = blocked.map((h) => `${h.at - (blocked[0]?.at ?? 0)} ${h.path}`).join(', ');
  gaps(blocked).forEach((gap, n) => {
    const pause = 3000 * 2 ** n;
    assert.ok(gap === pause || gap === pause + 3000, `gap ${n}: ${gap} ms, pause ${pause} ms: ${timeline}`);
  });
  assert.equal(first.report.summary.held, 3);
  assert.equal(first.report.summary.failed, 0, 'held is not a failure');
  for (const row of rows(first.report, 'held')) {
    assert.equal(row.code, 'rate-limited');
    assert.match(row.message, /^held by arxiv\.org: rate-limited \(asked to slow down 7 times.*the next run sends it\)$/);
  }
  const records = (await readFile(where.state, 'utf8')).split('\n').filter((line) => line.includes('arxiv.org/abs') && line.includes('"code"'));
  assert.equal(records.length, 3);
  for (const line of records) {
    assert.match(line, /"status":\s*"failed"/);
    assert.match(line, /"retryable":\s*true/);
    assert.match(line, /"code":\s*"rate-limited"/);
    assert.doesNotMatch(line, /retryAt/, 'held for the first time: the very next run sends it');
  }

  // The block is over: the next run sends each one by itself, once, 3 s apart.
  blockedUntil.at = -Infinity;
  const before = server.posts('arxiv.org').length;
  const second = await run(t, clock, server.port, where);
  const sent = server.posts('arxiv.org').slice(before);
  assert.deepEqual(sent.map((h) => h.answer), ['ok', 'ok', 'ok']);
  assert.deepEqual(sent.map((h) => h.path).sort(), ids.map((id) => `/trackback/${id}`));
  assert.equal(second.report.summary.sent, 3);
});

test('Retry-After is honoured: the host is paused that long, and the notification goes again in the same run', async (t) => {
  const clock = new VirtualClock();
  let asked = 0;
  const server = await web(t, clock, {
    'GET busy.example/page': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', link: '</wm>; rel="webmention"' }).end('<p>page</p>');
      return 'page';
    },
    'POST busy.example/wm': (_req, res) => {
      if (asked++ === 0) {
        res.writeHead(429, { 'retry-after': '40' }).end();
        return 'slow down';
      }
      res.writeHead(202).end();
      return 'ok';
    },
  });
  const where = await site(t, ['http://busy.example/page']);
  const { report } = await run(t, clock, server.port, where);
  const posts = server.posts('busy.example');
  assert.deepEqual(posts.map((h) => h.answer), ['slow down', 'ok']);
  assert.ok(gaps(posts)[0]! >= 40_000, `the second POST waited for Retry-After: ${gaps(posts).join(', ')}`);
  assert.equal(report.summary.sent, 1);
});

test('a Retry-After longer than maxRetryAfter is not waited for in this run: held for the next', async (t) => {
  const clock = new VirtualClock();
  const server = await web(t, clock, {
    'GET busy.example/page': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', link: '</wm>; rel="webmention"' }).end('<p>page</p>');
      return 'page';
    },
    'POST busy.example/wm': (_req, res) => {
      res.writeHead(503, { 'retry-after': '7200' }).end();
      return 'busy';
    },
  });
  const where = await site(t, ['http://busy.example/page']);
  const { report } = await run(t, clock, server.port, where);
  assert.equal(server.posts('busy.example').length, 1);
  assert.equal(report.summary.held, 1);
  assert.match(rows(report, 'held')[0]?.message ?? '', /held by busy\.example: rate-limited .*asks to come back in 120 min/);
});

test('a stop (Ctrl-C) cuts a slow-down pause: the run ends, and the waiting notification is recorded retryable, not in flight', async (t) => {
  const clock = new VirtualClock();
  const server = await web(t, clock, {
    'GET busy.example/page': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', link: '</wm>; rel="webmention"' }).end('<p>page</p>');
      return 'page';
    },
    'POST busy.example/wm': (_req, res) => {
      res.writeHead(429, { 'retry-after': '100' }).end();
      return 'slow down';
    },
  });
  const where = await site(t, ['http://busy.example/page']);
  const stop = new AbortController();
  const input: OptionsInput = { site: where.site, state: where.state, siteUrl: 'https://me.example/', allowPrivate: true, connectTo: { '*': `127.0.0.1:${server.port}` }, checkLive: false };
  const client = clock.client(createClientFor(parseOptions(input)));
  t.after(() => client.close());
  const report = await send(input, {
    client, now: clock.now, sleep: clock.sleep, signal: stop.signal,
    onEvent: (e) => {
      if (e.type === 'waiting' && e.slowDown) stop.abort();
    },
  });
  assert.equal(report.interrupted, true);
  assert.equal(server.posts('busy.example').length, 1, 'nothing more was sent');
  const record = (await readFile(where.state, 'utf8')).split('\n').find((line) => line.includes('"code"') && line.includes('busy.example/page'));
  assert.match(record ?? '', /"status":\s*"failed"/);
  assert.match(record ?? '', /"retryable":\s*true/);
  assert.match(record ?? '', /"code":\s*"rate-limited"/);
});

test('a notification waiting for its host\'s turn is not "in flight": that is written only once the turn came', async (t) => {
  const clock = new VirtualClock();
  const arrivals: number[] = [];
  const ids = ['2401.00001', '2401.00002', '2401.00003'];
  const server = await web(t, clock, Object.fromEntries(ids.map((id) => [`POST arxiv.org/trackback/${id}`, (_req: IncomingMessage, res: ServerResponse, _body: string, at: number) => {
    arrivals.push(at);
    res.writeHead(200, { 'content-type': 'text/xml' }).end(ARXIV_OK);
    return 'ok';
  }])));
  const real = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, userAgent: 'linkback-test', allowPrivate: true, connectTo: { '*': `127.0.0.1:${server.port}` } });
  t.after(() => real.close());
  const schedule = new HostSchedule({ defaultInterval: DEFAULT_INTERVAL_MS, arxivHosts: arxivHostsFor('http://arxiv.org/trackback/{id}'), hosts: {}, maxHostWait: 300_000, maxRetryAfter: 120_000 });
  const ctx: NetContext = {
    client: clock.client(real), limit: createLimiter({ concurrency: 8, perHost: 2 }), retry: DEFAULT_RETRY,
    now: clock.ms, sleep: clock.sleep, pacer: createPacer(schedule, { now: clock.ms, sleep: clock.sleep }),
  };
  const post: Post = { url: 'https://me.example/post/', file: 'post/index.html', title: 'T', excerpt: 'E', blogName: 'B', published: null, links: [], hash: '0'.repeat(64) };
  const inFlightAt: number[] = [];
  const got = await Promise.all(ids.map((id) => notify(ctx, post, `https://arxiv.org/abs/${id}`, { protocol: 'trackback', url: `http://arxiv.org/trackback/${id}`, via: 'test' },
    async () => void inFlightAt.push(clock.ms()))));
  assert.deepEqual(got.map((n) => n.outcome.status), ['sent', 'sent', 'sent']);
  assert.deepEqual(gaps(arrivals.map((at) => ({ at }) as Hit)), [3000, 3000]);
  assert.deepEqual(inFlightAt, arrivals, '"in flight" is written when the request goes out, not while it waits its 3 s');
});
