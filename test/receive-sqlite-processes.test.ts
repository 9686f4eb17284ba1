// Several processes on one SQLite file: two children loop enqueue / claim / complete through the real store at
// once. Every operation succeeds (writers take the write lock when their transaction begins and wait for it up to
// busy_timeout, instead of failing with "database is locked" when the other commits between their read and write),
// and the file ends with every job done and one mention per claim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { root } from './receive-helpers.ts';
import { openSqliteStore } from '../src/receive/store/sqlite.ts';

const LOOPS = 300;

function loop(file: string, name: string): Promise<{ done: number; errors: string[] }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'test/fixtures/receive/store-loop.ts'), file, name, String(LOOPS)],
      { cwd: root, timeout: 300_000 }, (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message}\n${stderr}`));
        resolve(JSON.parse(stdout) as { done: number; errors: string[] });
      });
  });
}

test('two processes loop enqueue/claim/complete on one SQLite file: no operation fails, nothing lost', { timeout: 600_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-sqlite-procs-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'mentions.db');
  // Migrated once before the race: the children then only open it.
  await (await openSqliteStore({ file, maxAttempts: 5 })).close();

  const results = await Promise.all([loop(file, 'one'), loop(file, 'two')]);
  for (const result of results) assert.deepEqual(result, { done: LOOPS, errors: [] });

  const db = new Database(file, { readonly: true });
  t.after(() => db.close());
  const states = db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all();
  // A job enqueued after its process's last claim can be left for nobody: at most one per process.
  const counts = Object.fromEntries((states as { state: string; n: number }[]).map((row) => [row.state, row.n]));
  assert.equal((counts.done ?? 0) + (counts.queued ?? 0), 2 * LOOPS, JSON.stringify(counts));
  assert.equal(Object.keys(counts).filter((state) => state !== 'done' && state !== 'queued').length, 0, JSON.stringify(counts));
  const mentions = db.prepare('SELECT count(*) AS n FROM mentions').get() as { n: number };
  assert.equal(mentions.n, counts.done);
});
