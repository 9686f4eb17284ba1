// kill -9 at random instants: whatever put() acknowledged must survive, the state must always load, and the
// next run must take the dead run's lock over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { openState } from '../src/state/store.ts';
import type { StateStore } from '../src/state/store.ts';
import { transpileTree } from './fixtures/state/transpile.ts';

const CHILD_SOURCE = fileURLToPath(new URL('./fixtures/state/put-loop.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = 24;

interface Acks {
  /** key -> the last status put() acknowledged for it */
  notifications: Map<string, 'in-flight' | 'sent'>;
  posts: Set<string>;
  /** How long the child's openState took, when it got that far. */
  openMs: number | null;
}

interface Child {
  process: ChildProcessByStdio<Writable, Readable, Readable>;
  output: { stdout: string; stderr: string };
  ready: Promise<void>;
}

// Each child starts (plain node, on the compiled fixture) while the previous one runs, and waits on stdin
// for its turn.
function startChild(script: string): Child {
  const child = spawn(process.execPath, [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (): void => {
      if (!output.stdout.includes('ready\n')) return;
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    child.on('close', () => reject(new Error(`child exited before it was ready:\n${output.stderr}`)));
  });
  ready.catch(() => {}); // a child never used is killed at the end
  return { process: child, output, ready };
}

/**
 * Lets a ready child open the state and SIGKILLs it: at a random moment within `killWithinMs` of the start
 * when it is a number (aimed at the open), else within 150 ms of its first put.
 */
async function runAndKill(child: Child, statePath: string, name: string, killWithinMs: number | null): Promise<Acks> {
  await child.ready;
  const { process: proc, output } = child;
  const closed = new Promise<void>((resolve, reject) => {
    proc.on('close', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`child ended with ${code ?? signal} before it was killed:\n${output.stderr}`));
    });
  });
  const kill = (): void => void proc.kill('SIGKILL');
  if (killWithinMs !== null) {
    setTimeout(kill, Math.random() * killWithinMs);
  } else {
    const onData = (): void => {
      if (!output.stdout.includes('\nopen ')) return;
      proc.stdout.off('data', onData);
      setTimeout(kill, Math.random() * 150);
    };
    proc.stdout.on('data', onData);
  }
  proc.stdin.write(`${statePath} ${name}\n`);
  await closed;
  return parseAcks(output.stdout);
}

function parseAcks(stdout: string): Acks {
  const acks: Acks = { notifications: new Map(), posts: new Set(), openMs: null };
  const complete = stdout.slice(0, stdout.lastIndexOf('\n') + 1); // a line cut by the kill says nothing
  for (const line of complete.split('\n')) {
    const [kind, status, source, target] = line.split(' ');
    if (kind === 'open') acks.openMs = Number(source);
    if (kind !== 'ack' || !status || !source) continue;
    if (status === 'post') acks.posts.add(source);
    // in-flight is acknowledged before sent for the same key: never downgrade
    else if (target && acks.notifications.get(`${source} ${target}`) !== 'sent') {
      acks.notifications.set(`${source} ${target}`, status === 'sent' ? 'sent' : 'in-flight');
    }
  }
  return acks;
}

function assertAcknowledgedPresent(store: StateStore, acks: Pick<Acks, 'notifications' | 'posts'>, readOnly: boolean): void {
  for (const [key, status] of acks.notifications) {
    const [source = '', target = ''] = key.split(' ');
    const record = store.get(source, target);
    assert.ok(record, `acknowledged ${status} record lost: ${key}`);
    if (status === 'sent') assert.equal(record.status, 'sent', key);
    // An in-flight ack may since have become sent (durable, not yet printed), or uncertain once recovered.
    else assert.ok((readOnly ? ['in-flight', 'uncertain', 'sent'] : ['uncertain', 'sent']).includes(record.status), `${key}: ${record.status}`);
  }
  for (const url of acks.posts) assert.ok(store.getPost(url), `acknowledged post lost: ${url}`);
}

test(`records acknowledged before a SIGKILL at a random moment survive, ${ROUNDS} rounds`, { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-crash-'));
  const script = await transpileTree(CHILD_SOURCE, ROOT, join(dir, 'build'));
  const statePath = join(dir, 'state', 'state.json');
  let next = startChild(script);
  t.after(async () => {
    next.process.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });
  const all = { notifications: new Map<string, 'in-flight' | 'sent'>(), posts: new Set<string>() };
  let openMs = 30;
  let killedWhileOpening = 0;
  let killedWhilePutting = 0;

  for (let round = 0; round < ROUNDS; round++) {
    const child = next;
    next = startChild(script);
    // Even rounds mostly die while opening — taking over the lock of the previous child, recovering its
    // in-flight records and compacting the journal it left (the test only read it) — odd rounds while putting.
    const acks = await runAndKill(child, statePath, `r${round}`, round % 2 === 0 ? openMs * 2 : null);
    if (acks.openMs !== null) openMs = Math.max(acks.openMs, 5);
    if (acks.openMs === null) killedWhileOpening++;
    else if (acks.notifications.size > 0) killedWhilePutting++;
    for (const [key, status] of acks.notifications) all.notifications.set(key, status);
    for (const url of acks.posts) all.posts.add(url);

    // After odd rounds the test only reads, so the next child finds a stale lock and a journal to fold in;
    // after even rounds it reopens for writing itself, taking the lock over.
    const readOnly = round % 2 === 1;
    const store = await openState(statePath, readOnly ? { readOnly: true } : { lock: 'fail' });
    try {
      assertAcknowledgedPresent(store, acks, readOnly);
      for (const record of store.recovered) assert.equal(record.status, 'uncertain');
      if (!readOnly) {
        for (const record of store.notifications()) assert.notEqual(record.status, 'in-flight', `${record.source} still in-flight after open`);
      }
    } finally {
      await store.close();
    }
  }

  const store = await openState(statePath, { lock: 'fail' });
  try {
    assertAcknowledgedPresent(store, all, false);
  } finally {
    await store.close();
  }
  // Leftovers of killed runs (temporary files, lock, break files) are gone after a clean open and close.
  assert.deepEqual(await readdir(dirname(statePath)), ['state.json']);
  // The kills must have hit children at work, or this test proves nothing.
  assert.ok(killedWhileOpening >= 2, `only ${killedWhileOpening} children were killed while opening`);
  assert.ok(killedWhilePutting >= ROUNDS / 4, `only ${killedWhilePutting} children were killed while putting`);
});
