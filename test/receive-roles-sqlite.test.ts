// `serve --role web` and `serve --role worker` as two processes on one SQLite file (one machine): what the web process
// accepts, the worker process verifies. Checked on the wire (the source is fetched only once the worker runs, once per
// webmention) and in the file (every job done, one mention per source and target). Also the one SQLite database two
// processes cannot share, :memory:, refused as a usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseSettings } from '../src/options.ts';
import { startReceiver } from '../src/receive/serve.ts';
import { close, listen, sendWebmention, startServe } from './receive-helpers.ts';
import type { ServeChild } from './receive-helpers.ts';

const SITE = 'https://blog.example';
const target = (i: number) => `${SITE}/posts/${i}`;

/** The value of one sample in a Prometheus text answer. */
async function metric(serve: ServeChild, name: string): Promise<number> {
  const text = await (await fetch(`${serve.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} in\n${text}`);
  return Number(line.slice(name.length + 1));
}

test('a web and a worker serve process on one SQLite file: the worker fetches and verifies what the web process accepted', { timeout: 300_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-roles-sqlite-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'mentions.db');
  const fetched: string[] = [];
  const source = await listen((req, res) => {
    fetched.push(req.url ?? '');
    const i = Number(/\/post\/(\d+)$/.exec(req.url ?? '')?.[1]);
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><p>See <a href="${target(i)}">this post</a>.</p>`);
  });
  t.after(() => close(source.server));
  const common = ['--site', SITE, '--db', file, '--allow-private', '--rate-client', '0', '--rate-source', '0'];

  const web = await startServe([...common, '--role', 'web'], { cwd: dir });
  t.after(() => web.child.kill('SIGKILL'));
  assert.match(web.stderr(), /, role web\)/);
  const send = async (from: number, to: number) => {
    await Promise.all(Array.from({ length: to - from }, async (_, k) => {
      const i = from + k;
      const answer = await sendWebmention(`${web.url}/webmention`, `${source.origin}/post/${i}`, target(i));
      assert.ok(answer !== 'failed');
      assert.equal(answer.status, 202, answer.body);
    }));
  };
  // Until the queue figures (the file's, whichever process reads them) say every job is done.
  const allDone = async (n: number) => {
    while (await metric(web, 'linkback_jobs{state="done"}') < n) await new Promise((resolve) => setTimeout(resolve, 100));
  };

  const FIRST = 20;
  await send(0, FIRST);
  assert.equal(await metric(web, 'linkback_queue_depth'), FIRST);
  assert.deepEqual(fetched, [], 'a web process fetches no source');

  const worker = await startServe([...common, '--role', 'worker', '--verify-workers', '2'], { cwd: dir });
  t.after(() => worker.child.kill('SIGKILL'));
  assert.equal((await sendWebmention(`${worker.url}/webmention`, `${source.origin}/post/0`, target(0)) as { status: number }).status, 404, 'a worker accepts nothing');
  await allDone(FIRST);
  // More while both run: the two processes write the file at once (the web its jobs, the worker its verdicts).
  const TOTAL = 40;
  await send(FIRST, TOTAL);
  await allDone(TOTAL);

  assert.equal(await metric(web, 'linkback_accepted_total'), TOTAL);
  assert.equal(await metric(web, 'linkback_verified_total'), 0);
  assert.equal(await metric(worker, 'linkback_verified_total'), TOTAL);
  assert.equal(await metric(worker, 'linkback_accepted_total'), 0);
  for (const serve of [web, worker]) serve.child.kill('SIGTERM');
  for (const serve of [web, worker]) assert.equal(await serve.exited, 0, serve.stderr());
  assert.doesNotMatch(web.stderr() + worker.stderr(), /locked|SQLITE_BUSY|worker:/);

  assert.deepEqual([...new Set(fetched)].sort(), Array.from({ length: TOTAL }, (_, i) => `/post/${i}`).sort(), 'the worker fetched every source');
  const db = new Database(file, { readonly: true });
  t.after(() => db.close());
  const jobs = db.prepare('SELECT id, state, last_error FROM jobs').all() as { id: number; state: string; last_error: string | null }[];
  assert.equal(jobs.length, TOTAL);
  for (const job of jobs) assert.deepEqual([job.state, job.last_error], ['done', null], `job ${job.id}`);
  const mentions = db.prepare('SELECT source, target FROM mentions').all() as { source: string; target: string }[];
  assert.equal(mentions.length, TOTAL, 'one mention per source and target');
  const pairs = new Set(mentions.map((m) => `${m.source} ${m.target}`));
  for (let i = 0; i < TOTAL; i++) assert.ok(pairs.has(`${source.origin}/post/${i} ${target(i)}`), `mention ${i}`);
});

test('--role web or worker on an in-memory SQLite database is a usage error: no other process can open it', async () => {
  for (const role of ['web', 'worker'] as const) {
    await assert.rejects(startReceiver(parseSettings({ sites: [SITE], port: 0, db: ':memory:', role })), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'USAGE');
      assert.match(error.message, new RegExp(`--role ${role} needs a database another process can open`));
      return true;
    });
  }
});
