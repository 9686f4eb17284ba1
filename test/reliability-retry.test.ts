// The retry rules, on the wire: for each protocol and each way an attempt can fail, how many POSTs the server
// receives within one run, and whether a later run may send it again by itself (retryable) or must leave it
// (uncertain / failed on an answer). This is the table of the README's "Retries" section; see src/net/retry.ts
// and src/send/notify.ts for the reasons.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import net from 'node:net';
import { notify } from '../src/send/notify.ts';
import type { Notified } from '../src/send/notify.ts';
import type { NetContext } from '../src/net/attempt.ts';
import { sleep } from '../src/net/attempt.ts';
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../src/net/http.ts';
import { createLimiter } from '../src/net/limiter.ts';
import type { Endpoint, Outcome, Post, Protocol } from '../src/types.ts';
import { HostSchedule, arxivHostsFor } from '../src/ratelimit/host.ts';
import { createPacer } from '../src/ratelimit/pacer.ts';
import { VirtualClock } from './fixtures/virtual-clock.ts';

const POST: Post = {
  url: 'https://blog.example.org/post/', file: 'post/index.html', title: 'Post', excerpt: 'An excerpt.', blogName: 'Blog',
  published: '2026-01-01', links: [], hash: '0'.repeat(64),
};

type Fault = 'http-500' | 'http-503' | 'http-429' | 'http-400' | 'reset' | 'no-answer' | 'refused';

const SUCCESS: Record<Protocol, (res: ServerResponse) => void> = {
  webmention: (res) => res.writeHead(202).end(),
  pingback: (res) => res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0"?><methodResponse><params><param><value><string>ok</string></value></param></params></methodResponse>'),
  trackback: (res) => res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0"?><response><error>0</error></response>'),
};

/** A listener that meets every POST with `fault`, except the ones listed in `succeedOn` (1-based). */
async function listener(t: TestContext, protocol: Protocol, fault: Exclude<Fault, 'refused'>, succeedOn: number[] = []): Promise<{ url: string; posts: () => number }> {
  let posts = 0;
  const sockets = new Set<Socket>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      posts++;
      if (succeedOn.includes(posts)) return SUCCESS[protocol](res);
      switch (fault) {
        case 'http-500':
          return void res.writeHead(500).end('oops');
        case 'http-503':
          return void res.writeHead(503).end('busy');
        case 'http-429':
          return void res.writeHead(429, { 'retry-after': '0' }).end('slow down');
        case 'http-400':
          return void res.writeHead(400).end('no');
        case 'reset':
          return void req.socket.resetAndDestroy(); // after reading the whole request: it may have been processed
        case 'no-answer':
          return; // the time budget ends it
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/endpoint`, posts: () => posts };
}

/** A port nobody listens on: connection refused, nothing sent. */
async function closedPort(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/endpoint`;
}

/**
 * A host that keeps saying "slow down" is paused 1, 2, then 4 s (virtual: fixtures/virtual-clock.ts), and given up
 * when the next pause (8 s) would pass this budget: 4 POSTs in all.
 */
const HOST_BUDGET_MS = 10_000;

/**
 * The client's time budget: generous, because a loaded machine (the suite on 2 cores) can take longer than a few
 * hundred ms to connect and answer, and a request cut short by the budget is a different case (fewer POSTs, or
 * "uncertain"). Only the no-answer case waits for it to run out, so it alone gets a short one, still long enough for
 * the request to reach the server first.
 */
function context(t: TestContext, timeoutMs = 30_000): NetContext {
  const real = createHttpClient({ ...DEFAULT_HTTP_OPTIONS, userAgent: 'linkback-test', allowPrivate: true, timeoutMs, connectTimeoutMs: Math.min(timeoutMs, 10_000) });
  t.after(() => real.close());
  // Slow-down pauses on a virtual clock; the retry waits of --retries stay real (they are 1-5 ms here).
  const clock = new VirtualClock();
  const schedule = new HostSchedule({ defaultInterval: 0, arxivHosts: arxivHostsFor('https://arxiv.org/trackback/{id}'), hosts: {}, maxHostWait: HOST_BUDGET_MS, maxRetryAfter: 2000 });
  return {
    client: clock.client(real),
    limit: createLimiter({ concurrency: 4, perHost: 2 }),
    retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 2000 },
    now: () => Date.now(),
    sleep,
    pacer: createPacer(schedule, { now: clock.ms, sleep: clock.sleep }),
  };
}

interface Row {
  /** POSTs the server received in the run (retries included). */
  posts: number;
  /** Later runs: send again by themselves / leave it as uncertain. */
  retryable: boolean;
  uncertain: boolean;
}

// The table. `posts: 3` = the first attempt and both retries.
const TABLE: Record<Fault, Record<Protocol, Row>> = {
  'http-500': {
    webmention: { posts: 3, retryable: true, uncertain: false },
    pingback: { posts: 3, retryable: true, uncertain: false },
    trackback: { posts: 1, retryable: false, uncertain: false },
  },
  // "Slow down" is not retried within --retries: the host is paused (1, 2, 4 s) and the notification goes again
  // until the host's budget is spent; then it is held, and a later run sends it.
  'http-503': {
    webmention: { posts: 4, retryable: true, uncertain: false },
    pingback: { posts: 4, retryable: true, uncertain: false },
    trackback: { posts: 4, retryable: true, uncertain: false },
  },
  'http-429': {
    webmention: { posts: 4, retryable: true, uncertain: false },
    pingback: { posts: 4, retryable: true, uncertain: false },
    trackback: { posts: 4, retryable: true, uncertain: false },
  },
  'http-400': {
    webmention: { posts: 1, retryable: false, uncertain: false },
    pingback: { posts: 1, retryable: false, uncertain: false },
    trackback: { posts: 1, retryable: false, uncertain: false },
  },
  reset: {
    webmention: { posts: 3, retryable: true, uncertain: false },
    pingback: { posts: 3, retryable: true, uncertain: false },
    trackback: { posts: 1, retryable: false, uncertain: true },
  },
  'no-answer': {
    webmention: { posts: 3, retryable: true, uncertain: false },
    pingback: { posts: 3, retryable: true, uncertain: false },
    trackback: { posts: 1, retryable: false, uncertain: true },
  },
  refused: {
    webmention: { posts: 0, retryable: true, uncertain: false },
    pingback: { posts: 0, retryable: true, uncertain: false },
    trackback: { posts: 0, retryable: true, uncertain: false },
  },
};

for (const [fault, row] of Object.entries(TABLE) as Array<[Fault, Record<Protocol, Row>]>) {
  for (const [protocol, expected] of Object.entries(row) as Array<[Protocol, Row]>) {
    test(`${protocol}, ${fault}: ${expected.posts} POST(s) in the run; later runs ${expected.retryable ? 'send it again' : expected.uncertain ? 'leave it uncertain' : 'leave it failed'}`, async (t) => {
      const server = fault === 'refused' ? { url: await closedPort(), posts: () => 0 } : await listener(t, protocol, fault);
      const endpoint: Endpoint = { protocol, url: server.url, via: 'test' };
      const got: Notified = await notify(context(t, fault === 'no-answer' ? 2_000 : undefined), POST, 'http://target.example/', endpoint);
      assert.equal(server.posts(), expected.posts, 'POSTs on the wire');
      assert.notEqual(got.outcome.status, 'sent');
      if (fault === 'http-429' || fault === 'http-503') assert.deepEqual([got.outcome.status, got.outcome.code], ['held', 'rate-limited'], 'a "slow down" is never a refusal');
      assert.equal(got.retryable, expected.retryable, `retryable: ${got.outcome.code} ${got.outcome.message}`);
      assert.equal(got.uncertain, expected.uncertain, `uncertain: ${got.outcome.code} ${got.outcome.message}`);
    });
  }
}

test('a retry that succeeds: sent, after exactly the attempts it took', async (t) => {
  const server = await listener(t, 'trackback', 'http-429', [3]);
  const got = await notify(context(t), POST, 'http://target.example/', { protocol: 'trackback', url: server.url, via: 'test' });
  assert.equal(got.outcome.status, 'sent');
  assert.equal(server.posts(), 3);
});

// ---- what the sender is told between attempts -----------------------------------------------------------

async function hooks(t: TestContext, protocol: Protocol, url: string): Promise<{ calls: string[]; got: Notified }> {
  const calls: string[] = [];
  const got = await notify(context(t), POST, 'http://target.example/', { protocol, url, via: 'test' },
    async () => void calls.push('in-flight'),
    async (held: Outcome) => void calls.push(`held ${held.code}`));
  return { calls, got };
}

test('429 / 503 before a retry: the sender is told the attempt was not processed, and "in flight" again before the next', async (t) => {
  const server = await listener(t, 'trackback', 'http-429', [2]);
  const { calls, got } = await hooks(t, 'trackback', server.url);
  assert.deepEqual(calls, ['in-flight', 'held rate-limited', 'in-flight']);
  assert.equal(got.outcome.status, 'sent');
  const busy = await listener(t, 'pingback', 'http-503');
  // Paused three times, then given up: the last answer is not followed by a wait, so no hold is told for it.
  assert.deepEqual((await hooks(t, 'pingback', busy.url)).calls, ['in-flight', 'held rate-limited', 'in-flight', 'held rate-limited', 'in-flight', 'held rate-limited', 'in-flight']);
});

test('a connection refused before a retry: held as unreachable (nothing was sent)', async (t) => {
  const { calls, got } = await hooks(t, 'trackback', await closedPort());
  assert.deepEqual(calls, ['in-flight', 'held unreachable', 'in-flight', 'held unreachable', 'in-flight']);
  assert.equal(got.outcome.code, 'unreachable');
});

test('a 5xx or a reset before a Webmention retry is not "held": the server may have processed it, it stays in flight', async (t) => {
  const failing = await listener(t, 'webmention', 'http-500');
  assert.deepEqual((await hooks(t, 'webmention', failing.url)).calls, ['in-flight']);
  const reset = await listener(t, 'webmention', 'reset');
  assert.deepEqual((await hooks(t, 'webmention', reset.url)).calls, ['in-flight']);
});

test('without the hold hook, "in flight" is made durable once, before the first attempt', async (t) => {
  const server = await listener(t, 'trackback', 'http-429', [3]);
  const calls: string[] = [];
  await notify(context(t), POST, 'http://target.example/', { protocol: 'trackback', url: server.url, via: 'test' }, async () => void calls.push('in-flight'));
  assert.deepEqual(calls, ['in-flight']);
  assert.equal(server.posts(), 3);
});
