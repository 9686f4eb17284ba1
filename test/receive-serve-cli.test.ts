// `linkback serve` as a process: settings from a config file (and flags), clear usage errors, a clear error when the
// optional SQLite driver is missing, and SIGTERM: stop accepting, finish what is in flight, close the DB, exit 0.
// The SIGTERM test runs on SQLite (the default file next to the config) and on Postgres (the config's `database`);
// on Postgres, serve also runs without the SQLite driver. The usage errors come before any database is opened.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/receive/store/sqlite.ts';
import { root, sendWebmention, startServe } from './receive-helpers.ts';
import { forEachStore } from './receive-stores.ts';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-serve-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs `linkback serve …` expecting it to stop by itself (a usage or startup error). */
function run(args: string[], cwd: string, preload?: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LINKBACK_')));
    const child = spawn(process.execPath, [...(preload ? ['--require', preload] : []), '--import', import.meta.resolve('tsx'), join(root, 'src/cli/bin.ts'), 'serve', '--port', '0', ...args], { cwd, env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/** A preload that hides better-sqlite3 from require(), as on an install where the optional dependency failed to build. */
async function hideSqlite(dir: string): Promise<string> {
  const hide = join(dir, 'hide-sqlite.cjs');
  await writeFile(hide, `const Module = require('node:module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'better-sqlite3') throw Object.assign(new Error("Cannot find module 'better-sqlite3'"), { code: 'MODULE_NOT_FOUND' });
  return resolve.call(this, request, ...rest);
};`);
  return hide;
}

forEachStore((kind) => {
  test(`${kind.name}: settings from the config file; SIGTERM stops accepting, keeps what was accepted, closes the database and exits 0`, { timeout: 120_000 }, async (t) => {
    const dir = await tempDir(t);
    // SQLite: the default file, next to the config file. Postgres: the config file names the database.
    const postgres = kind.name === 'postgres' ? await kind.database(t) : undefined;
    await writeFile(join(dir, 'linkback.config.json'), JSON.stringify({ sites: ['https://blog.example/'], rateClient: 100, ...(postgres ? { database: postgres.where } : {}) }));
    const serve = await startServe([], { cwd: dir });
    t.after(() => serve.child.kill('SIGKILL'));
    assert.match(serve.stderr(), /receiving for https:\/\/blog\.example on/);
    const answer = await sendWebmention(`${serve.url}/blog.example/webmention`, 'https://other.example/a', 'https://blog.example/post');
    assert.ok(answer !== 'failed');
    assert.equal(answer.status, 202);
    serve.child.kill('SIGTERM');
    assert.equal(await serve.exited, 0, serve.stderr());
    assert.match(serve.stderr(), /stopped/);
    assert.equal(await sendWebmention(`${serve.url}/webmention`, 'https://other.example/b', 'https://blog.example/post'), 'failed', 'no longer accepting');
    const file = join(dir, '.linkback/mentions.db');
    // SQLite: closed cleanly, no WAL left behind (Postgres has no such trace of a clean close to check).
    if (!postgres) assert.equal(existsSync(`${file}-wal`), false, 'closed: the WAL was checkpointed and removed');
    assert.equal(existsSync(file), !postgres, 'the database is where the config file says');
    const store = await (postgres ? postgres.openStore() : openSqliteStore({ file, maxAttempts: 5 }));
    t.after(() => store.close());
    const stats = await store.queueStats();
    assert.deepEqual(stats.jobs, { queued: 1, running: 0, done: 0, dead: 0 }, 'the one accepted job, waiting');
    const id = Number(/^\/status\/(\d+)$/.exec(answer.location ?? '')?.[1]);
    assert.equal((await store.job(id))?.received.source, 'https://other.example/a');
  });

  if (kind.name === 'postgres') {
    test('postgres: serve runs without the optional SQLite driver', { timeout: 120_000 }, async (t) => {
      const dir = await tempDir(t);
      const { args } = await kind.database(t);
      const serve = await startServe(['--site', 'https://blog.example', ...args], { cwd: dir, preload: await hideSqlite(dir) });
      t.after(() => serve.child.kill('SIGKILL'));
      const answer = await sendWebmention(`${serve.url}/blog.example/webmention`, 'https://other.example/a', 'https://blog.example/post');
      assert.ok(answer !== 'failed');
      assert.equal(answer.status, 202, answer.body);
      serve.child.kill('SIGTERM');
      assert.equal(await serve.exited, 0, serve.stderr());
      assert.doesNotMatch(serve.stderr(), /better-sqlite3/);
    });
  }
});

test('usage errors exit 2: no site, a site that is not an origin, an unknown config key', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const none = await run([], dir);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no site to receive for: give its origin, e\.g\. --site https:\/\/blog\.example\.org/);
  const path = await run(['--site', 'https://blog.example/blog/'], dir);
  assert.equal(path.code, 2);
  assert.match(path.stderr, /"sites\.0" must be an origin/);
  await writeFile(join(dir, 'linkback.config.json'), JSON.stringify({ sites: ['https://blog.example'], ratelimit: 5 }));
  const unknown = await run([], dir);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option "ratelimit"/);
});

test('without the optional SQLite driver, serve says how to install it and exits 3', { timeout: 120_000 }, async (t) => {
  const dir = await tempDir(t);
  const missing = await run(['--site', 'https://blog.example'], dir, await hideSqlite(dir));
  assert.equal(missing.code, 3, missing.stderr);
  assert.match(missing.stderr, /needs the SQLite driver better-sqlite3.*npm install better-sqlite3/);
});
