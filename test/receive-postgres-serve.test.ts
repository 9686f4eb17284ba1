// `linkback serve --database postgres://…` as processes: the setting comes through the one options pipeline (flag,
// config key, LINKBACK_DATABASE); two `serve` processes on one Postgres share the queue and verify every
// acknowledged webmention into exactly one row; a database that cannot be reached is a clear error without the
// password. Against a real Postgres started by this file (skipped, naming the package, when it is not installed).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { envLayer } from '../src/config.ts';
import { close, listen, sendWebmention, startServe } from './receive-helpers.ts';
import type { ServeChild } from './receive-helpers.ts';
import { POSTGRES_MISSING, postgresBin, startPostgres } from './postgres-fixture.ts';
import type { PostgresServer } from './postgres-fixture.ts';

const SITE = 'https://blog.example';
const target = (i: number) => `${SITE}/posts/${i}`;

test('LINKBACK_DATABASE is the database setting; another scheme is refused naming the variable', () => {
  assert.deepEqual(envLayer({ LINKBACK_DATABASE: 'postgres://u:p@db.internal:5432/linkback' }), { database: 'postgres://u:p@db.internal:5432/linkback' });
  assert.throws(() => envLayer({ LINKBACK_DATABASE: 'mysql://db.internal/linkback' }), /LINKBACK_DATABASE.*postgres:\/\//s);
});

const bin = postgresBin();
describe('serve on Postgres', { skip: bin ? false : POSTGRES_MISSING }, () => {
  let server: PostgresServer | undefined;
  after(() => server?.stop());

  test('two serve processes on one Postgres (config key and flag): every acknowledged webmention verified into one row, SIGTERM exits 0', { timeout: 300_000 }, async (t) => {
    server = await startPostgres(bin!);
    const url = await server.createDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'linkback-pg-serve-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const source = await listen((req, res) => {
      const i = Number(/\/post\/(\d+)$/.exec(req.url ?? '')?.[1]);
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><p>See <a href="${target(i)}">this post</a>.</p>`);
    });
    t.after(() => close(source.server));
    const common = ['--site', SITE, '--allow-private', '--rate-client', '0', '--rate-source', '0', '--verify-workers', '2'];
    // One takes the database from its config file, the other from the flag: both through the options pipeline.
    await writeFile(join(dir, 'linkback.config.json'), JSON.stringify({ database: url }));
    const elsewhere = await mkdtemp(join(tmpdir(), 'linkback-pg-serve-'));
    t.after(() => rm(elsewhere, { recursive: true, force: true }));
    const serves: ServeChild[] = [await startServe(common, { cwd: dir }), await startServe([...common, '--database', url], { cwd: elsewhere })];
    for (const serve of serves) {
      t.after(() => serve.child.kill('SIGKILL'));
      assert.match(serve.stderr(), new RegExp(`\\(database ${url.replace(/[/.]/g, '\\$&')}\\)`));
    }

    const FLOOD = 60;
    const acked = new Map<number, number>();
    await Promise.all(Array.from({ length: FLOOD }, async (_, i) => {
      const answer = await sendWebmention(`${serves[i % 2]!.url}/webmention`, `${source.origin}/post/${i}`, target(i));
      assert.ok(answer !== 'failed');
      assert.equal(answer.status, 202, answer.body);
      acked.set(i, Number(/^\/status\/(\d+)$/.exec(answer.location ?? '')?.[1]));
    }));
    assert.equal(new Set(acked.values()).size, FLOOD, 'one job each, numbered by the one database');

    const reader = new pg.Client({ connectionString: url });
    await reader.connect();
    t.after(() => reader.end());
    // Event-free but bounded by the test's timeout: the queue empties as the two processes' workers verify.
    const waiting = async () => Number((await reader.query("select count(*) n from jobs where state in ('queued', 'running')")).rows[0].n);
    while (await waiting() > 0) await new Promise((resolve) => setTimeout(resolve, 200));
    for (const serve of serves) serve.child.kill('SIGTERM');
    for (const serve of serves) assert.equal(await serve.exited, 0, serve.stderr());

    const jobs = (await reader.query<{ id: number; state: string; last_error: string | null }>('select id, state, last_error from jobs')).rows;
    assert.equal(jobs.length, FLOOD);
    for (const job of jobs) assert.deepEqual([job.state, job.last_error], ['done', null], `job ${job.id}`);
    const mentions = (await reader.query<{ source: string; target: string }>('select source, target from mentions')).rows;
    assert.equal(mentions.length, FLOOD, 'one mention per source and target');
    const pairs = new Set(mentions.map((m) => `${m.source} ${m.target}`));
    for (let i = 0; i < FLOOD; i++) assert.ok(pairs.has(`${source.origin}/post/${i} ${target(i)}`), `mention ${i}`);
  });
});

test('a database that cannot be reached exits 3 naming it without its password; a non-Postgres URL is a usage error', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-pg-serve-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // Port 9 (discard) on loopback: nothing listens there in a test environment, so the connection is refused.
  const unreachable = await startServe(['--site', SITE, '--database', 'postgres://linkback:hunter2@127.0.0.1:9/linkback'], { cwd: dir }).then(
    () => assert.fail('serve started without its database'),
    (error: Error) => error.message,
  );
  assert.match(unreachable, /exited \(3\)/);
  assert.match(unreachable, /cannot connect to the mentions database postgres:\/\/linkback:\*\*\*@127\.0\.0\.1:9\/linkback/);
  assert.doesNotMatch(unreachable, /hunter2/);
  const wrong = await startServe(['--site', SITE, '--database', 'mysql://127.0.0.1/linkback'], { cwd: dir }).then(
    () => assert.fail('serve started with a MySQL URL'),
    (error: Error) => error.message,
  );
  assert.match(wrong, /exited \(2\)/);
  assert.match(wrong, /must be a postgres:\/\/ URL/);
});
