// Ctrl-C and SIGTERM during a real `send` (the CLI as a child process, against a slow local trackback
// listener): no new request starts, the ones on the wire finish within a short grace and are recorded, the
// state is saved, exit 130 / 143; a second Ctrl-C quits at once and the next run finds those uncertain.
// Then the grace itself, in-process: a POST on the wire is cut STOP_GRACE_MS after the stop, a GET at once.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openState } from '../src/state/store.ts';
import { STOP_GRACE_MS, requestWithRetry } from '../src/net/attempt.ts';
import type { NetContext } from '../src/net/attempt.ts';
import { DEFAULT_RETRY } from '../src/net/retry.ts';
import { discoverPage } from '../src/targets/discover-page.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../src/net/types.ts';
import { FetchError } from '../src/net/types.ts';
import { localWeb, runCli, startCli, until, writePosts } from './fixtures/chaos/cli.ts';

const PAPERS = ['2402.00001', '2402.00002', '2402.00003', '2402.00004', '2402.00005', '2402.00006'];

interface Listener {
  port: number;
  /** Paper ids whose trackback arrived, in order. */
  arrived: string[];
  /** Answers written out whole. */
  answered: string[];
  /** null: never answer. */
  delayMs: number | null;
  /** While set, answers also wait for it. */
  gate: Promise<void> | null;
}

/** An arXiv-like trackback listener that answers each POST after `delayMs` (or never). */
async function slowListener(t: TestContext, delayMs: number | null): Promise<Listener> {
  const sockets = new Set<Socket>();
  const listener: Listener = { port: 0, arrived: [], answered: [], delayMs, gate: null };
  const server = createServer((req, res: ServerResponse) => {
    const id = /^\/trackback\/(.+)$/.exec(req.url ?? '')?.[1] ?? '?';
    req.resume();
    req.on('end', () => {
      listener.arrived.push(id);
      const delay = listener.delayMs;
      if (delay === null) return;
      const answer = (): void => void setTimeout(() => {
        res.on('finish', () => listener.answered.push(id));
        res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0"?><response><error>0</error></response>');
      }, delay);
      if (listener.gate) void listener.gate.then(answer);
      else answer();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listener.port = (server.address() as AddressInfo).port;
  t.after(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return listener;
}

async function setup(t: TestContext, delayMs: number | null, papers = PAPERS): Promise<{ listener: Listener; args: string[]; state: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-signals-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writePosts(join(dir, 'site'), { slow: `<p>${papers.map((id) => `<a href="https://arxiv.org/abs/${id}">${id}</a>`).join(' ')}</p>` });
  const listener = await slowListener(t, delayMs);
  const state = join(dir, 'state.json');
  // Two at a time: when the signal comes, exactly two trackbacks are on the wire and four wait.
  const args = ['send', join(dir, 'site'), '--state', state, ...localWeb(listener.port), '--concurrency', '2', '--per-host', '2', '--retries', '0'];
  return { listener, args, state };
}

async function records(state: string): Promise<Map<string, string>> {
  const store = await openState(state, { readOnly: true });
  const byPaper = new Map<string, string>();
  for (const record of store.notifications()) byPaper.set(record.target.replace('https://arxiv.org/abs/', ''), record.status);
  await store.close();
  return byPaper;
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test(`${signal}: no new request starts, the two on the wire finish and are recorded sent, exit ${code}`, async (t) => {
    const { listener, args, state } = await setup(t, 200);
    // The two answers wait until the run has taken the signal in, so they are certainly still on the wire then.
    let open = (): void => {};
    listener.gate = new Promise((resolve) => (open = resolve));
    const run = startCli([...args, '--timeout', '10000']);
    await until(() => listener.arrived.length === 2);
    run.child.kill(signal);
    await until(() => run.output.stderr.includes('finishing requests in flight'));
    listener.gate = null;
    open();
    const ended = await run.ended;
    assert.equal(ended.code, code, ended.stderr);
    assert.match(ended.stderr, new RegExp(`${signal}: finishing requests in flight`));
    assert.equal(listener.arrived.length, 2, 'nothing started after the signal');
    assert.deepEqual(listener.answered.sort(), listener.arrived.slice().sort(), 'the two on the wire were answered');
    const recorded = await records(state);
    for (const id of listener.arrived) assert.equal(recorded.get(id), 'sent', `${id} finished within the grace and was recorded`);
    assert.equal(recorded.size, 2, `nothing else recorded: ${[...recorded].join(', ')}`);

    // The next run sends the four that never started, and nothing twice.
    const next = await runCli([...args, '--timeout', '10000']);
    assert.equal(next.code, 0, next.stderr);
    assert.deepEqual(listener.arrived.slice().sort(), PAPERS);
  });
}

test('a second SIGINT exits at once; the next run finds the two on the wire uncertain and does not send them again', async (t) => {
  // The listener never answers and the time budget is long: only the second Ctrl-C can end this run.
  const { listener, args, state } = await setup(t, null);
  const run = startCli([...args, '--timeout', '600000']);
  await until(() => listener.arrived.length === 2);
  run.child.kill('SIGINT');
  await until(() => run.output.stderr.includes('finishing requests in flight'));
  run.child.kill('SIGINT');
  const ended = await run.ended;
  assert.equal(ended.code, 130, ended.stderr);
  assert.match(ended.stderr, /stopped at once/);
  const inFlight = [...(await records(state))];
  assert.deepEqual(inFlight.map(([, status]) => status), ['in-flight', 'in-flight']);

  listener.delayMs = 0;
  const next = await runCli([...args, '--timeout', '10000', '--json']);
  assert.equal(next.code, 0, next.stderr);
  const report = JSON.parse(next.stdout) as { summary: { recoveredUncertain: number; sent: number } };
  assert.equal(report.summary.recoveredUncertain, 2);
  assert.equal(report.summary.sent, 4);
  const recorded = await records(state);
  for (const [id] of inFlight) assert.equal(recorded.get(id), 'uncertain', id);
  assert.equal(listener.arrived.length, 6, 'the two uncertain ones were not sent again');
  assert.deepEqual([...new Set(listener.arrived)].sort(), PAPERS);
});

test('a stopped run whose requests outlive the time budget records them uncertain, not sent and not lost', async (t) => {
  const { listener, args, state } = await setup(t, null, PAPERS.slice(0, 2));
  const run = startCli([...args, '--timeout', '1500']);
  await until(() => listener.arrived.length === 2);
  run.child.kill('SIGINT');
  const ended = await run.ended;
  assert.equal(ended.code, 130, ended.stderr);
  const recorded = await records(state);
  assert.deepEqual([...recorded.values()], ['uncertain', 'uncertain']);
  assert.deepEqual([...recorded.keys()].sort(), listener.arrived.slice().sort());
});

// ---- the grace, in-process ------------------------------------------------------------------------------

/** A client whose requests never answer: they end only when their signal fires. */
function hangingClient(seen: Array<{ req: HttpRequest; abortedAt: number | null }>, now: () => number): HttpClient {
  return {
    request(req: HttpRequest): Promise<HttpResponse> {
      const entry = { req, abortedAt: null as number | null };
      seen.push(entry);
      return new Promise((_resolve, reject) => {
        req.signal?.addEventListener('abort', () => {
          entry.abortedAt = now();
          reject(new FetchError('aborted', 'request', req.url, 'aborted'));
        });
      });
    },
    close: async () => {},
  };
}

test(`after the stop, a POST on the wire is cut only after STOP_GRACE_MS (${STOP_GRACE_MS} ms), a GET at once; nothing new starts`, async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  const seen: Array<{ req: HttpRequest; abortedAt: number | null }> = [];
  const stop = new AbortController();
  const ctx: NetContext = {
    client: hangingClient(seen, () => Date.now()),
    limit: (_host, fn) => fn(),
    retry: { ...DEFAULT_RETRY, retries: 3 },
    now: () => Date.now(),
    sleep: (ms, signal) => new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    }),
    signal: stop.signal,
  };
  const post = requestWithRetry(ctx, { method: 'POST', url: 'http://listener.example/tb', body: 'url=x' }, true);
  const get = requestWithRetry(ctx, { method: 'GET', url: 'http://page.example/' }, true);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(seen.length, 2);
  const stoppedAt = Date.now();
  stop.abort(new Error('SIGINT'));
  const gotGet = await get;
  assert.ok('error' in gotGet && gotGet.error.code === 'aborted');
  assert.equal(seen[1]?.abortedAt, stoppedAt, 'the GET is cut at once');
  t.mock.timers.tick(STOP_GRACE_MS - 1);
  assert.equal(seen[0]?.abortedAt, null, 'the POST still has its grace');
  t.mock.timers.tick(1);
  const gotPost = await post;
  assert.ok('error' in gotPost && gotPost.error.code === 'aborted');
  assert.equal(seen[0]?.abortedAt, stoppedAt + STOP_GRACE_MS);
  assert.equal(gotPost.attempts, 1, 'no retry after the stop');
  assert.equal(seen.length, 2, 'no new request after the stop');
  // And a request asked for after the stop never reaches the client.
  const late = await requestWithRetry(ctx, { method: 'POST', url: 'http://listener.example/tb', body: 'url=y' }, true);
  assert.ok('error' in late && late.error.code === 'aborted' && late.error.phase === 'connect');
  assert.equal(seen.length, 2);
});

test('many requests waiting on one stop signal do not trip the listener-leak warning', async () => {
  const warnings: string[] = [];
  const onWarning = (warning: Error): void => void warnings.push(warning.name);
  process.on('warning', onWarning);
  try {
    const stop = new AbortController();
    const realSleep = (await import('../src/net/attempt.ts')).sleep;
    let sleeping = 0;
    let allWaiting = (): void => {};
    const waiting = new Promise<void>((resolve) => (allWaiting = resolve));
    const ok: HttpResponse = { url: 'http://x/', status: 503, headers: {}, body: Buffer.alloc(0), truncated: false, redirects: [] };
    const ctx: NetContext = {
      client: { request: async () => ok, close: async () => {} },
      limit: (_host, fn) => fn(),
      retry: { ...DEFAULT_RETRY, retries: 1, baseDelayMs: 60_000 },
      now: () => Date.now(),
      sleep: (ms, signal) => {
        if (++sleeping === 50) allWaiting();
        return realSleep(ms, signal);
      },
      signal: stop.signal,
    };
    // 50 requests answered 503, all waiting to retry at once: the stop comes once the 50th has begun its wait (not
    // after a fixed delay, which a loaded machine can outlast).
    const waits = Array.from({ length: 50 }, (_, i) => requestWithRetry(ctx, { method: 'POST', url: `http://h${i}.example/`, body: '' }, true));
    await waiting;
    stop.abort(new Error('stop'));
    const results = await Promise.all(waits);
    assert.ok(results.every((r) => 'response' in r && r.response.status === 503 && r.attempts === 1));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings.filter((name) => name === 'MaxListenersExceededWarning'), []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('a page being read when the run stops is skipped, not a failure of the target (the next run reads it)', async () => {
  const seen: Array<{ req: HttpRequest; abortedAt: number | null }> = [];
  const stop = new AbortController();
  const ctx: NetContext = {
    client: hangingClient(seen, () => Date.now()),
    limit: (_host, fn) => fn(),
    retry: DEFAULT_RETRY,
    now: () => Date.now(),
    sleep: (await import('../src/net/attempt.ts')).sleep,
    signal: stop.signal,
  };
  const found = discoverPage(ctx, 'http://page.example/post', true);
  await new Promise((resolve) => setImmediate(resolve));
  stop.abort(new Error('SIGINT'));
  const got = await found;
  assert.ok('outcome' in got);
  assert.equal(got.outcome.status, 'skipped', got.outcome.message);
  assert.equal(seen.length, 1);
});
