// A dead link (issue 11, reproduction 6): a target page answering 404/410 is reported once as a failure (that run
// exits 1), then checked again only on a widening schedule, as old news (exit 0), and notified once it comes
// back. The clock is injected: "days" pass without waiting. Assertions are on what the servers received.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { readStatus, send } from '../src/index.ts';
import type { OptionsInput, SendReport } from '../src/index.ts';
import { openState } from '../src/state/store.ts';
import type { NotificationRecord } from '../src/state/format.ts';
import { localRun } from './fixtures/lifecycle/web.ts';
import type { TestWeb } from './fixtures/lifecycle/web.ts';
import { build, postUrl } from './fixtures/lifecycle/blog.ts';
import type { PostSpec } from './fixtures/lifecycle/blog.ts';
import { runCli } from './fixtures/cli/run.ts';

const DEAD = 'http://dead.example/page';
const DAY = 24 * 60 * 60 * 1000;
const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (ms: number) => () => new Date(ms);

const POST: PostSpec = {
  slug: 'a',
  title: 'On scaling',
  date: '2024-05-01',
  body: `<p>See <a href="http://wm.example/one">one</a> and <a href="${DEAD}">a page that died</a>.</p>`,
};

/** dead.example: answers `status` (404 by default); 200 is a page advertising wm.example's Webmention endpoint. */
async function deadHost(t: TestContext): Promise<{ port: number; gets: () => number; set: (status: number) => void }> {
  let status = 404;
  let gets = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      gets++;
      if (status !== 200) return void res.writeHead(status, { 'content-type': 'text/plain' }).end('not here');
      res.writeHead(200, { 'content-type': 'text/html', link: '<http://wm.example/webmention>; rel="webmention"' }).end('<p>Back.</p>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, gets: () => gets, set: (s) => void (status = s) };
}

async function setup(t: TestContext) {
  const run = await localRun(t, 'dead');
  const dead = await deadHost(t);
  const site = join(run.dir, 'site');
  await build(site, [POST], 'T1');
  const options: OptionsInput = { ...run.options, site, connectTo: { ...run.options.connectTo, 'dead.example': `127.0.0.1:${dead.port}` } };
  const record = async (): Promise<NotificationRecord | undefined> => {
    const state = await openState(options.state as string, { readOnly: true });
    const found = state.get(postUrl('a'), DEAD);
    await state.close();
    return found;
  };
  // The same settings as command-line flags.
  const flags = ['--state', options.state as string, '--allow-private', '--retries', '0',
    '--connect-to', `*=127.0.0.1:${run.web.port}`, '--connect-to', `dead.example=127.0.0.1:${dead.port}`];
  return { web: run.web, dead, site, options, record, flags };
}

const deadRow = (report: SendReport) => report.results.find((r) => r.target === DEAD);
const webmentions = (web: TestWeb) => web.posts().filter((r) => new URLSearchParams(r.body).get('target') === DEAD).length;

test('a dead link is a failure once; then old news: skipped without a request until its next check, the file unparsed', async (t) => {
  const { dead, site, options, record } = await setup(t);
  const first = await send(options, { now: at(T0) });
  assert.equal(dead.gets(), 1);
  assert.deepEqual([deadRow(first)?.status, deadRow(first)?.code], ['failed', 'target-gone']);
  assert.equal(first.summary.failed, 1, 'a new failure: this run exits 1');
  assert.equal(first.summary.sent, 1, 'the other target is notified');
  const saved = await record();
  assert.deepEqual([saved?.status, saved?.code, saved?.retryable, saved?.at, saved?.retryAt],
    ['failed', 'target-gone', true, new Date(T0).toISOString(), new Date(T0 + DAY).toISOString()]);

  // An hour later, same files: the post is not even parsed.
  const unchanged = await send(options, { now: at(T0 + 3_600_000) });
  assert.equal(dead.gets(), 1);
  assert.equal(unchanged.summary.unchangedPosts, 1);
  assert.equal(unchanged.summary.failed, 0);

  // A rebuild (every file differs): parsed, the dead link reported as old news, still no request.
  await build(site, [POST], 'T2');
  const rebuilt = await send(options, { now: at(T0 + 7_200_000) });
  assert.equal(dead.gets(), 1);
  assert.equal(rebuilt.summary.failed, 0, 'old news keeps CI green');
  assert.equal(deadRow(rebuilt)?.status, 'skipped');
  assert.equal(deadRow(rebuilt)?.code, 'target-gone');
  assert.equal(deadRow(rebuilt)?.message, `gone (HTTP 404) since ${new Date(T0).toISOString()}; next check after ${new Date(T0 + DAY).toISOString()}`);
});

test('past its next check the unchanged post is parsed and the page fetched once; still gone: old news, and the wait widens', async (t) => {
  const { dead, options, record } = await setup(t);
  await send(options, { now: at(T0) });
  const checks: number[] = [];
  let clock = T0;
  for (let i = 0; i < 6; i++) {
    const saved = await record();
    clock = Date.parse(saved?.retryAt ?? '') + 60_000; // a run a minute after each next check
    const before = dead.gets();
    const report = await send(options, { now: at(clock) });
    assert.equal(dead.gets(), before + 1, 'one check');
    assert.equal(report.summary.unchangedPosts, 0, 'parsed again for the check');
    assert.equal(report.summary.failed, 0, 'still gone is old news');
    assert.equal(deadRow(report)?.status, 'skipped');
    assert.match(deadRow(report)?.message ?? '', /^still gone \(HTTP 404\) since 2026-03-01T12:00:00\.000Z; next check after /);
    const next = await record();
    assert.equal(next?.at, new Date(T0).toISOString(), 'gone since the first time it was found gone');
    checks.push(Math.round((Date.parse(next?.retryAt ?? '') - clock) / DAY));
  }
  assert.deepEqual(checks, [2, 4, 8, 16, 32, 32], 'days to the next check: a day more than it has been gone, at most 32');
});

test('linkback status lists a dead link under gone targets, not under failed', async (t) => {
  const { options } = await setup(t);
  await send(options, { now: at(T0) });
  const status = await readStatus(options.state as string);
  assert.deepEqual(status.failed, []);
  assert.deepEqual(status.gone.map((r) => [r.target, r.retryAt]), [[DEAD, new Date(T0 + DAY).toISOString()]]);
});

test('a dead link that comes back (after its next check) is discovered and notified normally, once', async (t) => {
  const { web, dead, options, record } = await setup(t);
  await send(options, { now: at(T0) });
  dead.set(200);
  const early = await send(options, { now: at(T0 + DAY / 2) });
  assert.equal(dead.gets(), 1, 'not looked at before its next check');
  assert.equal(webmentions(web), 0);
  assert.equal(early.summary.sent, 0);

  const back = await send(options, { now: at(T0 + DAY + 1) });
  assert.equal(dead.gets(), 2);
  assert.equal(webmentions(web), 1);
  assert.deepEqual([deadRow(back)?.status, back.summary.failed], ['sent', 0]);
  const saved = await record();
  assert.deepEqual([saved?.status, saved?.retryAt], ['sent', undefined]);
  await send(options, { now: at(T0 + 10 * DAY) });
  assert.equal(webmentions(web), 1, 'never twice');
});

test('410 Gone is a dead link too', async (t) => {
  const { dead, options } = await setup(t);
  dead.set(410);
  const first = await send(options, { now: at(T0) });
  assert.deepEqual([deadRow(first)?.status, deadRow(first)?.code, deadRow(first)?.httpStatus], ['failed', 'target-gone', 410]);
});

test('a Webmention target gone when the post changes is not told (nothing left to update) and not fetched again', async (t) => {
  const { web, dead, site, options } = await setup(t);
  dead.set(200);
  await send(options, { now: at(T0) });
  assert.equal(webmentions(web), 1);
  dead.set(404);
  await build(site, [{ ...POST, title: 'On scaling, revised' }], 'T2');
  const changed = await send(options, { now: at(T0 + DAY) });
  assert.equal(dead.gets(), 2);
  assert.equal(webmentions(web), 1);
  assert.equal(changed.summary.failed, 0);
  assert.deepEqual([deadRow(changed)?.status, deadRow(changed)?.code], ['skipped', 'target-gone']);
  await build(site, [{ ...POST, title: 'On scaling, revised' }], 'T3');
  await send(options, { now: at(T0 + 2 * DAY) });
  assert.equal(dead.gets(), 2, 'settled: not fetched again');
});

test('through the command line: the run that finds a dead link exits 1, the next one exits 0 without fetching it', async (t) => {
  const { dead, site, flags } = await setup(t);
  const args = ['send', site, ...flags];
  const first = await runCli(args);
  assert.equal(first.code, 1, first.stderr);
  assert.equal(dead.gets(), 1);
  const second = await runCli(args);
  assert.equal(second.code, 0, second.stderr + second.stdout);
  assert.equal(dead.gets(), 1);
});
