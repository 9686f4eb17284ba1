// The state lock: one writing run at a time, across processes.
//
// The lock is a file holding its owner ({pid, hostname, startedAt, id}). It is written to a private temporary
// file first and then hard-linked into place: link() fails if the name exists (the O_EXCL guarantee) and,
// unlike open(O_EXCL) + write, nobody can ever see a lock file without its owner in it — a run killed at any
// instant leaves either no lock or a complete one, which the next run can judge.
//
// A lock whose owner is a dead process on this host is stale. To take it over, a run must first create
// `<lock>.break-<id of the stale lock>` (exclusively): only that run may delete the stale lock, and it checks
// the lock still holds that same id before deleting. So two runs racing for a stale lock cannot both delete
// it and both create their own. A breaker that dies mid-way leaves a break file with a dead owner: it is
// broken the same way (its own break file is named after its id).
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readdir, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { LinkbackError } from '../errors.ts';

export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Unique per acquisition: tells this lock from a later one by the same pid. */
  id: string;
}

export interface LockOptions {
  /** 'fail' (default): throw STATE_LOCKED at once; 'wait': poll until timeoutMs, then throw it. */
  mode?: 'wait' | 'fail';
  timeoutMs?: number;
  now?: () => Date;
  /** What the lock protects, for messages (default: the lock path). */
  subject?: string;
}

export interface Lock {
  readonly path: string;
  readonly owner: LockOwner;
  /** Deletes the lock if it is still ours. Idempotent. */
  release(): Promise<void>;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;
const POLL_MS = 100;
// A stale lock being broken by another run, or a lock released between our create and read, is a matter of
// microseconds; past this many quick retries, whoever holds it is reported.
const TRANSIENT_RETRIES = 100;
const TRANSIENT_PAUSE_MS = 5;

const ownerSchema = z.object({
  pid: z.int().positive(),
  hostname: z.string(),
  startedAt: z.string(),
  id: z.string().regex(/^[0-9a-f-]{36}$/), // it becomes part of a file name
});

type Holder = LockOwner | 'missing' | 'unreadable';

export async function acquireLock(lockPath: string, options: LockOptions = {}): Promise<Lock> {
  const mode = options.mode ?? 'fail';
  const timeoutMs = mode === 'wait' ? (options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS) : 0;
  const now = options.now ?? (() => new Date());
  const me: LockOwner = { pid: process.pid, hostname: hostname(), startedAt: now().toISOString(), id: randomUUID() };
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const holder = await tryAcquire(lockPath, me);
      if (holder === null) break;
      const left = deadline - Date.now();
      if (left <= 0) throw lockedError(options.subject ?? lockPath, lockPath, holder, timeoutMs);
      await sleep(Math.min(POLL_MS, left));
    }
  } catch (error) {
    if (error instanceof LinkbackError) throw error;
    throw new LinkbackError('STATE_UNWRITABLE', `cannot create the lock ${lockPath}: ${(error as Error).message}`, { cause: error });
  }
  await sweepLeftovers(lockPath).catch(() => {}); // tidiness only
  return heldLock(lockPath, me);
}

function heldLock(lockPath: string, me: LockOwner): Lock {
  let released = false;
  // A process that exits without close() (process.exit in a signal handler) still frees the lock.
  const onExit = (): void => {
    try {
      if (parseOwner(readFileSync(lockPath, 'utf8'))?.id === me.id) unlinkSync(lockPath);
    } catch {
      // Exiting anyway; the next run will find the lock stale.
    }
  };
  process.on('exit', onExit);
  return {
    path: lockPath,
    owner: me,
    async release() {
      if (released) return;
      released = true;
      process.off('exit', onExit);
      const holder = await readHolder(lockPath);
      if (typeof holder === 'object' && holder.id === me.id) await unlinkIfExists(lockPath);
    },
  };
}

/** null when acquired; otherwise who holds it. */
async function tryAcquire(lockPath: string, me: LockOwner): Promise<LockOwner | 'unreadable' | null> {
  let holder: Holder = 'missing';
  for (let retry = 0; retry < TRANSIENT_RETRIES; retry++) {
    if (await createExclusive(lockPath, lockPath, me)) return null;
    holder = await readHolder(lockPath);
    if (holder === 'missing') continue;
    if (holder === 'unreadable' || isAlive(holder)) return holder;
    if (!(await removeStale(lockPath, lockPath, holder, me))) await sleep(TRANSIENT_PAUSE_MS);
  }
  return holder === 'missing' ? 'unreadable' : holder;
}

/** Deletes `file` if it still holds `stale` (whose owner is dead). False when another run is doing it. */
async function removeStale(lockPath: string, file: string, stale: LockOwner, me: LockOwner, depth = 0): Promise<boolean> {
  const guard = `${lockPath}.break-${stale.id}`;
  if (await createExclusive(lockPath, guard, me)) {
    try {
      const current = await readHolder(file);
      if (typeof current === 'object' && current.id === stale.id) await unlinkIfExists(file);
    } finally {
      await unlinkIfExists(guard);
    }
    return true;
  }
  const breaker = await readHolder(guard);
  if (breaker === 'missing') return true;
  if (breaker === 'unreadable' || isAlive(breaker) || depth >= 3) return false;
  return removeStale(lockPath, guard, breaker, me, depth + 1);
}

/** Creates `target` holding `owner`, atomically; false if it exists. */
async function createExclusive(lockPath: string, target: string, owner: LockOwner): Promise<boolean> {
  const text = `${JSON.stringify(owner)}\n`;
  const temp = `${lockPath}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  await writeSynced(temp, text);
  try {
    await link(temp, target);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    if (!LINK_UNSUPPORTED.has(errorCode(error) ?? '')) throw error;
  } finally {
    await unlinkIfExists(temp);
  }
  // A file system without hard links: plain O_EXCL. A run killed between create and write leaves an empty
  // lock, which is reported as unreadable (never taken over by guesswork).
  try {
    await writeSynced(target, text);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

async function writeSynced(file: string, text: string): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readHolder(file: string): Promise<Holder> {
  try {
    return parseOwner(await readFile(file, 'utf8')) ?? 'unreadable';
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'missing';
    throw error;
  }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const result = ownerSchema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

/** Only a process on this host can be checked; a lock from another host is never taken over automatically. */
function isAlive(owner: Pick<LockOwner, 'pid' | 'hostname'>): boolean {
  if (owner.hostname !== hostname()) return true;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== 'ESRCH'; // EPERM: alive, owned by another user
  }
}

/** Temporary and break files left by killed runs. Safe while we hold the lock: no live run needs them. */
async function sweepLeftovers(lockPath: string): Promise<void> {
  const dir = dirname(lockPath);
  const prefix = `${basename(lockPath)}.`;
  for (const name of await readdir(dir)) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const file = join(dir, name);
    const temp = /^tmp-(\d+)-[0-9a-f]+$/.exec(rest);
    if (temp) {
      if (!isAlive({ pid: Number(temp[1]), hostname: hostname() })) await unlinkIfExists(file);
    } else if (rest.startsWith('break-')) {
      const breaker = await readHolder(file);
      if (breaker === 'unreadable' || (typeof breaker === 'object' && !isAlive(breaker))) await unlinkIfExists(file);
    }
  }
}

function lockedError(subject: string, lockPath: string, holder: LockOwner | 'unreadable', waitedMs: number): LinkbackError {
  const waited = waitedMs > 0 ? ` (still, after waiting ${formatSeconds(waitedMs)})` : '';
  const who = holder === 'unreadable'
    ? `is locked${waited}: ${lockPath} exists but does not say by whom`
    : `is locked by pid ${holder.pid} on host ${holder.hostname} since ${holder.startedAt}${waited}`;
  return new LinkbackError('STATE_LOCKED',
    `${subject} ${who}. Another linkback run is using it; if no run is active, delete ${lockPath}.`);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

async function unlinkIfExists(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
