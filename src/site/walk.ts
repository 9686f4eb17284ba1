// Lists a built site's HTML files: sorted (plain code-unit order of the POSIX relative path),
// following symlinks but never looping, and never throwing for one bad entry: a broken link, a
// loop or an unreadable folder becomes a warning naming it.
//
// The file system calls are synchronous on purpose: a generator keeps one folder per post (Jekyll's
// slug/index.html), so a 10,000-post site is 13,000 folders, and each async call is a round trip
// through libuv's thread pool that cost 2-3x the CPU of the call itself and left the CPU idle waiting
// (measured: bench/scan.ts). A readdir or stat served from the page cache takes microseconds, so the
// event loop is never held for long.

import type { Dirent } from 'node:fs';
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const HTML = /\.html?$/i;

export type WalkWarn = (file: string, message: string) => void;

interface Entry {
  name: string;
  dir: boolean;
  /** What the folder's entries sort by: the name, "name/" for a folder (see walkDir). */
  key: string;
  /** A directory's identity, to notice a folder reached twice. */
  dev: number;
  ino: number;
}

/**
 * The folders walked so far, by identity: a symlink can lead into one of them again (or into its own
 * ancestor: a loop). Held as numbers, a few bytes a folder, not as paths: a generator keeps one folder per
 * post, and 50,000 paths were the one thing the scan held that grew with the site (about 220 bytes each).
 */
class Folders {
  private readonly byDevice = new Map<number, Set<number>>();
  /** The folders being walked now, root first: reaching one of them again is a loop. */
  readonly open: Array<{ dev: number; ino: number }> = [];

  has(dev: number, ino: number): boolean {
    return this.byDevice.get(dev)?.has(ino) === true;
  }

  add(dev: number, ino: number): void {
    let inodes = this.byDevice.get(dev);
    if (inodes === undefined) this.byDevice.set(dev, (inodes = new Set()));
    inodes.add(ino);
  }

  isOpen(dev: number, ino: number): boolean {
    return this.open.some((f) => f.dev === dev && f.ino === ino);
  }
}

export async function* walkHtmlFiles(root: string, warn: WalkWarn): AsyncGenerator<string> {
  const rootStat = await stat(root);
  const folders = new Folders();
  folders.add(rootStat.dev, rootStat.ino);
  folders.open.push({ dev: rootStat.dev, ino: rootStat.ino });
  yield* walkDir(root, '', folders, warn);
}

async function* walkDir(root: string, rel: string, folders: Folders, warn: WalkWarn): AsyncGenerator<string> {
  let dirents: Dirent[];
  try {
    dirents = readdirSync(join(root, rel), { withFileTypes: true });
  } catch (error) {
    warn(rel === '' ? '.' : rel, `folder not readable (${errorCode(error)}): skipped`);
    return;
  }
  const entries: Entry[] = [];
  for (const dirent of dirents) {
    const looked = entryOf(root, rel, dirent);
    if ('warning' in looked) warn(looked.path, looked.warning);
    else if (looked.entry !== null) entries.push(looked.entry);
  }
  // Sorting a folder's entries as "name/" for folders gives the global order of full paths. The key is made once
  // per entry, not twice per comparison (a site's root holds hundreds of page and tag folders).
  entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const entry of entries) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (!entry.dir) {
      yield path;
      continue;
    }
    if (folders.has(entry.dev, entry.ino)) {
      warn(path, folders.isOpen(entry.dev, entry.ino) ? 'symlink loop: skipped' : repeatMessage(root, path));
      continue;
    }
    folders.add(entry.dev, entry.ino);
    folders.open.push({ dev: entry.dev, ino: entry.ino });
    try {
      yield* walkDir(root, path, folders, warn);
    } finally {
      folders.open.pop();
    }
  }
}

/**
 * The warning for a folder reached twice, naming where it really is (relative to the site when inside it).
 * Worked out here, not kept for every folder: only a symlink leads to a folder twice, and that is rare.
 */
function repeatMessage(root: string, path: string): string {
  try {
    const real = realpathSync(join(root, path));
    const inside = relative(realpathSync(root), real);
    const where = inside !== '' && !inside.startsWith('..') && !isAbsolute(inside) ? inside.split(sep).join('/') : real;
    // The real folder itself, met after a symlink to it was read.
    if (where === path) return 'already read through a symlink to it: skipped';
    return `same folder as ${where}: skipped`;
  } catch {
    return 'a folder read before: skipped';
  }
}

type Looked = { entry: Entry | null } | { path: string; warning: string };

/** A plain file is known from its directory entry; folders (their identity) and symlinks (their target) need a stat. */
function entryOf(root: string, rel: string, dirent: Dirent): Looked {
  const name = dirent.name;
  if (dirent.isFile()) return { entry: HTML.test(name) ? { name, dir: false, key: name, dev: 0, ino: 0 } : null };
  if (isSpecial(dirent)) return { entry: null };
  const path = rel === '' ? name : `${rel}/${name}`;
  try {
    // stat, not lstat: a symlink counts as what it points to.
    const s = statSync(join(root, path));
    if (s.isDirectory()) return { entry: SKIPPED_DIRS.has(name) ? null : { name, dir: true, key: `${name}/`, dev: s.dev, ino: s.ino } };
    if (s.isFile() && HTML.test(name)) return { entry: { name, dir: false, key: name, dev: 0, ino: 0 } };
    return { entry: null };
  } catch (error) {
    if (HTML.test(name) || errorCode(error) === 'ELOOP') return { path, warning: `not readable (${errorCode(error)}): skipped` };
    return { entry: null };
  }
}

/** Sockets, FIFOs, devices: nothing to read. (Some file systems do not say what an entry is: then stat.) */
function isSpecial(dirent: Dirent): boolean {
  return dirent.isBlockDevice() || dirent.isCharacterDevice() || dirent.isFIFO() || dirent.isSocket();
}

export function errorCode(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}
