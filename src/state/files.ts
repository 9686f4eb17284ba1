// The state store's file operations (./store.ts), each durable when it resolves: appends fdatasync'd, a file
// replaced atomically (temporary file, fsync, rename, fsync of the folder), and errors turned into the store's
// LinkbackErrors.
import { randomBytes } from 'node:crypto';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { LinkbackError } from '../errors.ts';

export async function readIfExists(file: string): Promise<Buffer | null> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new LinkbackError('STATE_CORRUPT', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

/** Creates the journal if needed and proves it can be written before anything is sent. */
export async function openJournal(path: string): Promise<FileHandle> {
  const handle = await open(`${path}.journal`, 'a');
  try {
    await handle.datasync();
    await fsyncFolder(dirname(path));
    return handle;
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
}

export async function appendDurably(handle: FileHandle, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
  await handle.datasync();
}

/** Atomically replaces `file` with `text`: readers (and a crash) see the old file or the new one, whole. */
export async function replaceFile(file: string, text: string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await writeSynced(temp, text, 'wx');
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await fsyncFolder(dirname(file));
}

/** Before the first rewrite of an older version, keep the original (an existing backup is the older one). */
export async function writeBackup(path: string, version: number, bytes: Buffer): Promise<void> {
  try {
    await writeSynced(`${path}.bak-v${version}`, bytes, 'wx');
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  await fsyncFolder(dirname(path));
}

async function writeSynced(file: string, data: string | Buffer, flag: 'wx'): Promise<void> {
  const handle = await open(file, flag);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Left by a run killed during compaction; we hold the lock, so nobody is writing them. */
export async function removeTemporaryFiles(path: string): Promise<void> {
  const prefix = `${basename(path)}.tmp-`;
  for (const name of await readdir(dirname(path))) {
    if (name.startsWith(prefix)) await unlink(join(dirname(path), name)).catch(() => {});
  }
}

// A new or renamed directory entry is durable only once the folder itself is fsync'd.
async function fsyncFolder(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms (Windows) cannot open or fsync a folder; there is nothing more to do there.
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes(errorCode(error) ?? '')) throw error;
  } finally {
    await handle?.close();
  }
}

export function unwritable(path: string, error: unknown): LinkbackError {
  if (error instanceof LinkbackError) return error;
  return new LinkbackError('STATE_UNWRITABLE', `cannot write the state ${path}: ${(error as Error).message}`, { cause: error });
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
