// `linkback discover` and `linkback status`, through the real command line, against local servers and
// real state files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedWeb } from '../example/web.ts';
import { openState } from '../src/state/store.ts';
import type { NotificationRecord } from '../src/state/format.ts';
import type { DiscoverReport, Result, StateStatus } from '../src/index.ts';
import { cliRunners, exampleSite, simulatedWebArgs } from './fixtures/cli/run.ts';

// 17 CLI children: compiled, not through tsx (test/compiled.ts).
const { runCli } = cliRunners({ compiled: true });

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-cli-commands-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Seen {
  method: string;
  host: string;
  path: string;
}

/** A small web of its own: a redirect to a page with a relative <link rel=webmention>, a PDF, a page that never answers. */
async function startTargets(t: { after: (fn: () => Promise<void>) => void }): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method ?? '', host: (req.headers.host ?? '').replace(/:\d+$/, ''), path: req.url ?? '' });
    if (req.url === '/old') {
      res.writeHead(301, { location: '/moved/new' });
      return void res.end();
    }
    if (req.url === '/moved/new') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end('<html><head><link rel="webmention" href="wm"></head><body><p>Moved here.</p></body></html>');
    }
    if (req.url === '/paper.pdf') {
      res.writeHead(200, { 'content-type': 'application/pdf' });
      return void res.end('%PDF-1.4 not really');
    }
    if (req.url === '/slow') return; // never answers
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { port: (server.address() as AddressInfo).port, seen };
}

test('discover follows redirects, resolves the endpoint against the final URL and says where it was found', async (t) => {
  const web = await startTargets(t);
  const args = ['discover', 'http://blog.test/old', '--connect-to', `*=127.0.0.1:${web.port}`, '--allow-private'];
  const json = await runCli([...args, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as DiscoverReport;
  assert.deepEqual(report.endpoint, { protocol: 'webmention', url: 'http://blog.test/moved/wm', via: '<link rel="webmention">' });
  assert.equal(report.fetched?.finalUrl, 'http://blog.test/moved/new');
  assert.deepEqual(report.fetched?.redirects, ['http://blog.test/old']);
  assert.equal(report.fetched?.httpStatus, 200);

  const text = await runCli(args);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /redirected: http:\/\/blog\.test\/old/);
  assert.match(text.stdout, /final URL: +http:\/\/blog\.test\/moved\/new/);
  assert.match(text.stdout, /✓ webmention endpoint http:\/\/blog\.test\/moved\/wm\n {2}found in: <link rel="webmention">/);
  assert.ok(web.seen.every((r) => r.method === 'GET'), 'discover never sends a notification');
});

test('discover with no endpoint says what was looked for, and exits 1', async (t) => {
  const web = await startTargets(t);
  const ran = await runCli(['discover', 'http://docs.test/paper.pdf', '--connect-to', `*=127.0.0.1:${web.port}`, '--allow-private']);
  assert.equal(ran.code, 1, ran.stderr);
  assert.match(ran.stdout, /✗ no endpoint: /);
  assert.match(ran.stdout, /looked for: Link rel="webmention" or X-Pingback header — found none/);
  assert.match(ran.stdout, /application\/pdf, not HTML: only its HTTP headers were checked/);
});

test('discover on an arXiv URL applies the rule without any request; the endpoint template is a setting', async (t) => {
  const web = await startTargets(t);
  const ran = await runCli(['discover', 'https://arxiv.org/pdf/1706.03762v7', '--arxiv-endpoint', 'http://arxiv.test/tb/{id}', '--connect-to', `*=127.0.0.1:${web.port}`, '--json']);
  assert.equal(ran.code, 0, ran.stderr);
  const report = JSON.parse(ran.stdout) as DiscoverReport;
  assert.equal(report.rule, 'arxiv');
  assert.equal(report.target, 'https://arxiv.org/abs/1706.03762');
  assert.deepEqual(report.endpoint, { protocol: 'trackback', url: 'http://arxiv.test/tb/1706.03762', via: 'arXiv rule' });
  assert.equal(web.seen.length, 0);
});

test('discover keeps send\'s guards: private addresses need --allow-private; --timeout bounds the wait', async (t) => {
  const web = await startTargets(t);
  const guarded = await runCli(['discover', `http://127.0.0.1:${web.port}/old`, '--json']);
  assert.equal(guarded.code, 1);
  const report = JSON.parse(guarded.stdout) as DiscoverReport;
  assert.equal(report.outcome?.code, 'private-address');
  assert.equal(web.seen.length, 0, 'not contacted');
  const text = await runCli(['discover', `http://127.0.0.1:${web.port}/old`]);
  assert.match(text.stdout, /--allow-private contacts it anyway/);

  const slow = await runCli(['discover', 'http://slow.test/slow', '--connect-to', `*=127.0.0.1:${web.port}`, '--allow-private', '--timeout', '300', '--retries', '0', '--json']);
  assert.equal(slow.code, 1);
  assert.equal((JSON.parse(slow.stdout) as DiscoverReport).outcome?.code, 'timeout');
});

test('discover reads the config file like send does, and says when the settings exclude the target', async (t) => {
  const web = await startSimulatedWeb();
  t.after(() => web.close());
  const dir = await tempDir(t);
  await writeFile(join(dir, 'linkback.config.json'), JSON.stringify({
    connectTo: { '*': `127.0.0.1:${web.port}` }, allowPrivate: true, excludeHosts: ['*.example'], site: '_site',
  }));
  const ran = await runCli(['discover', 'http://pingback.example/posts/attention', '--verbose'], { cwd: dir });
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, /✓ pingback endpoint http:\/\/pingback\.example\/xmlrpc\.php\n {2}found in: X-Pingback header/);
  assert.match(ran.stdout, /your settings exclude this target \(excludeHosts "\*\.example"\)/);
  assert.match(ran.stderr, /config .*linkback\.config\.json/);
});

test('status before any run: no state yet, exit 0', async (t) => {
  const dir = await tempDir(t);
  const ran = await runCli(['status', '--state', join(dir, 'state.json')]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, /No state yet/);
  const json = JSON.parse((await runCli(['status', '--state', join(dir, 'state.json'), '--json'])).stdout) as StateStatus;
  assert.equal(json.exists, false);
  assert.equal(json.notifications, 0);
});

test('status after a run counts what the run reported, by status and protocol, and lists the failure', async (t) => {
  const web = await startSimulatedWeb();
  t.after(() => web.close());
  const dir = await tempDir(t);
  const state = join(dir, 'state.json');
  const sent = await runCli(['send', exampleSite, '--state', state, '--json', ...simulatedWebArgs(web.port)]);
  const results = (JSON.parse(sent.stdout) as { results: Result[] }).results;

  const json = await runCli(['status', '--state', state, '--json']);
  assert.equal(json.code, 0, json.stderr);
  const status = JSON.parse(json.stdout) as StateStatus;
  const count = (filter: (r: Result) => boolean) => results.filter(filter).length;
  assert.equal(status.notifications, results.length);
  assert.equal(status.byStatus.sent, count((r) => r.status === 'sent'));
  assert.equal(status.byStatus.failed, count((r) => r.status === 'failed'));
  assert.equal(status.byStatus['no-endpoint'], count((r) => r.status === 'no-endpoint'));
  for (const protocol of ['webmention', 'pingback', 'trackback'] as const) {
    assert.equal(status.byProtocol[protocol].sent, count((r) => r.protocol === protocol && r.status === 'sent'), protocol);
  }
  assert.equal(status.posts, new Set(results.map((r) => r.source)).size);
  assert.ok(status.lastActivity !== null);
  const failure = results.find((r) => r.status === 'failed');
  assert.ok(failure);
  assert.deepEqual(status.failed.map((r) => [r.source, r.target, r.message]), [[failure.source, failure.target, failure.message]]);

  const text = await runCli(['status', '--state', state]);
  assert.match(text.stdout, new RegExp(`${results.length} notifications recorded for ${status.posts} posts`));
  assert.match(text.stdout, /Failed \(1\)/);
  assert.ok(text.stdout.includes(failure.message));
  assert.match(text.stdout, /`linkback send --retry-failed` sends it again/);
  assert.match(text.stdout, /^ {2}trackback +\d+ +1/m, 'the trackback row shows its failure');
});

function record(i: number, fields: Partial<NotificationRecord>): NotificationRecord {
  return {
    source: 'https://blog.example.org/post/', target: `https://t${String(i).padStart(2, '0')}.example/`, protocol: 'webmention',
    endpoint: 'https://t.example/wm', status: 'sent', code: 'ok', message: 'accepted', at: new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(),
    attempts: 1, retryable: false, ...fields,
  };
}

test('status lists uncertain ones and failed ones with what the next run will do; the newest 10 unless --verbose', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.json');
  const store = await openState(path);
  for (let i = 0; i < 12; i++) await store.put(record(i, { status: 'failed', code: 'server-error', message: `HTTP 503 number ${i}`, retryable: true }));
  await store.put(record(20, { status: 'uncertain', code: 'uncertain', message: 'no answer before the timeout', protocol: 'pingback' }));
  await store.put(record(21, {}));
  await store.close();

  const ran = await runCli(['status', '--state', path]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stdout, /Failed \(12\)/);
  assert.match(ran.stdout, /HTTP 503 number 11/, 'the newest first');
  assert.ok(!ran.stdout.includes('HTTP 503 number 1\n'), 'the oldest are not listed');
  assert.match(ran.stdout, /… and 2 more \(--verbose lists them all\)/);
  assert.match(ran.stdout, /sent again by the next run on its own/);
  assert.match(ran.stdout, /Uncertain \(1\)[\s\S]*no answer before the timeout[\s\S]*`linkback send --retry-uncertain` sends it again/);
  assert.match(ran.stdout, /Last activity: 2025-01-01T00:21:00\.000Z/);

  const verbose = await runCli(['status', '--state', path, '--verbose']);
  for (let i = 0; i < 12; i++) assert.ok(verbose.stdout.includes(`HTTP 503 number ${i}\n`), `number ${i}`);
});

test('status while a run holds the lock says so; a corrupt state exits 3 naming the file', async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, 'state.json');
  const store = await openState(path);
  await store.put(record(1, {}));
  const locked = await runCli(['status', '--state', path]).finally(() => store.close());
  assert.equal(locked.code, 0, locked.stderr);
  assert.match(locked.stdout, new RegExp(`Locked by pid ${process.pid} `));
  assert.match(locked.stdout, /1 notification recorded/, 'the journal of the running run is read too');

  const bad = join(dir, 'bad.json');
  await writeFile(bad, '{"format": "something-else"}');
  const corrupt = await runCli(['status', '--state', bad]);
  assert.equal(corrupt.code, 3);
  assert.ok(corrupt.stderr.includes(bad), corrupt.stderr);
  assert.equal(corrupt.stdout, '');
});
