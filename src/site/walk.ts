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
import { readdirSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

const SKIPPED_DIRS = new Set(['node_modules', '.git']);
const HTML = /\.html?$/i;

export type WalkWarn = (file: string, message: string) => void;

interface Entry {
  name: string;
  dir: boolean;
  /** dev:ino of a directory, to notice a folder reached twice. */
  id: string;
}

export async function* walkHtmlFiles(root: string, warn: WalkWarn): AsyncGenerator<string> {
  const rootStat = await stat(root);
  // Folder identity -> the relative path it was first scanned under.
  const seen = new Map<string, string>([[`${rootStat.dev}:${rootStat.ino}`, '']]);
  yield* walkDir(root, '', seen, warn);
}

async function* walkDir(root: string, rel: string, seen: Map<string, string>, warn: WalkWarn): AsyncGenerator<string> {
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
  // Sorting a folder's entries as "name/" for folders gives the global order of full paths.
  const key = (e: Entry): string => (e.dir ? `${e.name}/` : e.name);
  entries.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  for (const entry of entries) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (!entry.dir) {
      yield path;
      continue;
    }
    const first = seen.get(entry.id);
    if (first !== undefined) {
      const isAncestor = first === '' || path.startsWith(`${first}/`);
      warn(path, isAncestor ? 'symlink loop: skipped' : `same folder as ${first}: skipped`);
      continue;
    }
    seen.set(entry.id, path);
    yield* walkDir(root, path, seen, warn);
  }
}

type Looked = { entry: Entry | null } | { path: string; warning: string };

/** A plain file is known from its directory entry; folders (their identity) and symlinks (their target) need a stat. */
function entryOf(root: string, rel: string, dirent: Dirent): Looked {
  const name = dirent.name;
  if (dirent.isFile()) return { entry: HTML.test(name) ? { name, dir: false, id: '' } : null };
  if (isSpecial(dirent)) return { entry: null };
  const path = rel === '' ? name : `${rel}/${name}`;
  try {
    // stat, not lstat: a symlink counts as what it points to.
    const s = statSync(join(root, path));
    if (s.isDirectory()) return { entry: SKIPPED_DIRS.has(name) ? null : { name, dir: true, id: `${s.dev}:${s.ino}` } };
    if (s.isFile() && HTML.test(name)) return { entry: { name, dir: false, id: '' } };
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
