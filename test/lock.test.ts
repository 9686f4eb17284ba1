import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isLinkbackError } from '../src/errors.ts';
import { acquireLock } from '../src/state/lock.ts';
import type { LockOwner } from '../src/state/lock.ts';
import { transpileTree } from './fixtures/state/transpile.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-lock-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The pid of a process that has exited (so process.kill(pid, 0) fails with ESRCH). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  assert.ok(child.pid);
  return child.pid;
}

function ownerText(owner: Partial<LockOwner> = {}): string {
  return `${JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: '2020-01-02T03:04:05.000Z', id: randomUUID(), ...owner })}\n`;
}

async function lockedError(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  assert.ok(isLinkbackError(error, 'STATE_LOCKED'), `expected STATE_LOCKED, got ${String(error)}`);
  return error;
}

test('fail mode: a second acquirer is refused at once, told who holds the lock', async (t) => {
  const lockPath = join(await tempDir(t), 'state.json.lock');
  const first = await acquireLock(lockPath, { now: () => new Date('2024-05-06T07:08:09.000Z') });
  const error = await lockedError(acquireLock(lockPath, { mode: 'fail', subject: 'my-state.json' }));
  assert.match(error.message, new RegExp(`^my-state\\.json is locked by pid ${process.pid} on host ${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} since 2024-05-06T07:08:09\\.000Z`));
  assert.ok(error.message.includes(lockPath), 'the message says which file to delete');
  await first.release();
  const again = await acquireLock(lockPath);
  await again.release();
});

test('the lock file holds its owner, and release deletes it (twice is harmless)', async (t) => {
  const dir = await tempDir(t);
  const lockPath = join(dir, 'state.json.lock');
  const lock = await acquireLock(lockPath);
  const owner = JSON.parse(await readFile(lockPath, 'utf8')) as LockOwner;
  assert.deepEqual(owner, lock.owner);
  assert.equal(owner.pid, process.pid);
  assert.equal(owner.hostname, hostname());
  await lock.release();
  await lock.release();
  assert.deepEqual(await readdir(dir), []);
});

test('wait mode: gives up with STATE_LOCKED after lockTimeoutMs', async (t) => {
  const lockPath = join(await tempDir(t), 'state.json.lock');
  const holder = await acquireLock(lockPath);
  t.after(() => holder.release());
  const error = await lockedError(acquireLock(lockPath, { mode: 'wait', timeoutMs: 300 }));
  assert.match(error.message, /after waiting 0\.3 s/);
});

test('wait mode: gets the lock once its holder releases it', async (t) => {
  const lockPath = join(await tempDir(t), 'state.json.lock');
  const holder = await acquireLock(lockPath);
  const waiting = acquireLock(lockPath, { mode: 'wait', timeoutMs: 1500 });
  setTimeout(() => void holder.release(), 150);
  const lock = await waiting;
  assert.equal(JSON.parse(await readFile(lockPath, 'utf8')).id, lock.owner.id);
  await lock.release();
});

test('a lock left by a dead process on this host is taken over', async (t) => {
  const dir = await tempDir(t);
  const lockPath = join(dir, 'state.json.lock');
  await writeFile(lockPath, ownerText({ pid: await deadPid() }));
  const lock = await acquireLock(lockPath, { mode: 'fail' });
  assert.equal(JSON.parse(await readFile(lockPath, 'utf8')).id, lock.owner.id);
  await lock.release();
  assert.deepEqual(await readdir(dir), []);
});

test('a lock from another host is never taken over', async (t) => {
  const dir = await tempDir(t);
  const lockPath = join(dir, 'state.json.lock');
  const text = ownerText({ pid: await deadPid(), hostname: `not-${hostname()}` });
  await writeFile(lockPath, text);
  const error = await lockedError(acquireLock(lockPath));
  assert.match(error.message, new RegExp(`on host not-`));
  assert.equal(await readFile(lockPath, 'utf8'), text);
});

test('a lock file that does not name its owner is reported, not removed', async (t) => {
  const lockPath = join(await tempDir(t), 'state.json.lock');
  await writeFile(lockPath, 'garbage');
  const error = await lockedError(acquireLock(lockPath));
  assert.match(error.message, /does not say by whom/);
  assert.equal(await readFile(lockPath, 'utf8'), 'garbage');
});

test('a run that died while breaking a stale lock does not block the next one; leftovers are swept', async (t) => {
  const dir = await tempDir(t);
  const lockPath = join(dir, 'state.json.lock');
  const staleId = randomUUID();
  await writeFile(lockPath, ownerText({ pid: await deadPid(), id: staleId }));
  await writeFile(`${lockPath}.break-${staleId}`, ownerText({ pid: await deadPid() }));
  await writeFile(`${lockPath}.tmp-${await deadPid()}-abcdef`, ownerText());
  const lock = await acquireLock(lockPath);
  assert.deepEqual(await readdir(dir), ['state.json.lock']);
  await lock.release();
});

test('release leaves alone a lock that is no longer ours', async (t) => {
  const lockPath = join(await tempDir(t), 'state.json.lock');
  const lock = await acquireLock(lockPath);
  const other = ownerText({ pid: process.pid + 1 });
  await writeFile(lockPath, other);
  await lock.release();
  assert.equal(await readFile(lockPath, 'utf8'), other);
});

test('a process that exits without closing the store still frees the lock', async (t) => {
  const dir = await tempDir(t);
  const script = join(dir, 'exit.mjs');
  const lockModule = await transpileTree(fileURLToPath(new URL('../src/state/lock.ts', import.meta.url)), ROOT, join(dir, 'build'));
  await writeFile(script, `import { acquireLock } from ${JSON.stringify(pathToFileURL(lockModule).href)};\n` +
    `await acquireLock(${JSON.stringify(join(dir, 'x.lock'))});\nconsole.log('held');\nprocess.exit(0);\n`);
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  assert.equal(await new Promise((resolve) => child.on('exit', resolve)), 0);
  assert.equal(stdout, 'held\n');
  assert.ok(!(await readdir(dir)).includes('x.lock'));
});

// ---- two runs at once, in two processes -------------------------------------------------------------------

type Racer = { process: ChildProcessByStdio<Writable, Readable, null>; lines: string[]; waiters: Array<() => void> };

function startRacer(script: string): Racer {
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const racer: Racer = { process: child, lines: [], waiters: [] };
  let buffer = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      racer.lines.push(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
      racer.waiters.splice(0).forEach((wake) => wake());
    }
  });
  return racer;
}

async function nextLine(racer: Racer): Promise<string> {
  while (racer.lines.length === 0) await new Promise<void>((resolve) => racer.waiters.push(resolve));
  return racer.lines.shift() as string;
}

test('two runs opening the same state at the same moment: exactly one wins, also over a stale lock', { timeout: 20_000 }, async (t) => {
  const dir = await tempDir(t);
  const script = await transpileTree(fileURLToPath(new URL('./fixtures/state/open-race.ts', import.meta.url)), ROOT, join(dir, 'build'));
  const racers = [startRacer(script), startRacer(script)];
  t.after(() => racers.forEach((racer) => racer.process.kill()));
  for (const racer of racers) assert.equal(await nextLine(racer), 'ready');

  for (let round = 0; round < 12; round++) {
    const statePath = join(dir, `round${round}`, 'state.json');
    // Half the rounds start from a lock left by a dead run: both racers then try to take it over.
    if (round % 2 === 1) {
      await mkdir(dirname(statePath));
      await writeFile(`${statePath}.lock`, ownerText({ pid: await deadPid() }));
    }
    for (const racer of racers) racer.process.stdin.write(`go ${statePath}\n`);
    const results = await Promise.all(racers.map(nextLine));
    assert.deepEqual([...results].sort(), ['lost STATE_LOCKED', 'won'], `round ${round}: ${results.join(', ')}`);
    for (const racer of racers) racer.process.stdin.write('release\n');
    for (const racer of racers) assert.equal(await nextLine(racer), 'released');
  }
});


test('acquirers racing for a stale lock in one process (interleaved at every await): exactly one wins', async (t) => {
  const dir = await tempDir(t);
  const stalePid = await deadPid();
  for (let round = 0; round < 100; round++) {
    const lockPath = join(dir, `state${round}.json.lock`);
    await writeFile(lockPath, ownerText({ pid: stalePid }));
    // Staggered starts vary which steps of the takeover overlap from round to round.
    const results = await Promise.allSettled([0, 1, 2].map(async () => {
      await sleep(Math.random() * 3);
      return acquireLock(lockPath);
    }));
    const won = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    assert.equal(won.length, 1, `round ${round}: ${won.length} acquirers hold the lock`);
    for (const result of results) {
      if (result.status === 'rejected') assert.ok(isLinkbackError(result.reason, 'STATE_LOCKED'), String(result.reason));
    }
    assert.equal(JSON.parse(await readFile(lockPath, 'utf8')).id, won[0]?.owner.id);
    await won[0]?.release();
  }
});
