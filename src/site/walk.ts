// Lists a built site's HTML files: sorted (plain code-unit order of the POSIX relative path),
// following symlinks but never looping, and never throwing for one bad entry: a broken link, a
// loop or an unreadable folder becomes a warning naming it.

import { readdir, stat } from 'node:fs/promises';
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
  let names: string[];
  try {
    names = await readdir(join(root, rel));
  } catch (error) {
    warn(rel === '' ? '.' : rel, `folder not readable (${errorCode(error)}): skipped`);
    return;
  }
  const entries: Entry[] = [];
  for (const name of names) {
    const path = rel === '' ? name : `${rel}/${name}`;
    try {
      // stat, not lstat: a symlink counts as what it points to.
      const s = await stat(join(root, path));
      if (s.isDirectory()) {
        if (!SKIPPED_DIRS.has(name)) entries.push({ name, dir: true, id: `${s.dev}:${s.ino}` });
      } else if (s.isFile() && HTML.test(name)) {
        entries.push({ name, dir: false, id: '' });
      }
    } catch (error) {
      if (HTML.test(name) || errorCode(error) === 'ELOOP') {
        warn(path, `not readable (${errorCode(error)}): skipped`);
      }
    }
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

export function errorCode(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}
