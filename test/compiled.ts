// Our sources as plain JavaScript, for the processes a test starts that should not run through tsx: third-party
// builds that load our code (Eleventy, Astro, Netlify) and CLI children a test starts by the dozen. Under tsx
// (NODE_OPTIONS or --import), every such process gets tsx's loader thread and an esbuild service; Netlify's
// build runner once hung for good on a loaded machine when that service exited, and each process pays ~40 MB and
// a slower start for it.
//
// The sources are transpiled (TypeScript's transpileModule, file by file, as tsc emits them with
// isolatedModules; no type check: `tsc --noEmit` does that) into node_modules/.cache/linkback-compiled/<hash>,
// where <hash> covers every file under src/ plus what shapes the output, so a changed source gives a new folder
// and a test always runs the current sources. The folder is written under a temporary name and renamed into
// place, which is atomic: test files running at once (and worktrees sharing node_modules) either find a complete
// folder or build their own, and the loser of a rename race drops its copy. It lives under node_modules so that
// its imports find the project's packages.
import { createHash, randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const GUARD = 'test/fixtures/integrations/offline.ts';
/** Besides src/: what else decides the output (this file included: its rules for building). */
const ALSO_HASHED = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'node_modules/typescript/package.json', GUARD, 'test/compiled.ts'];
/** A folder unused this long belongs to sources long gone (another worktree's, an old commit's). */
const UNUSED_FOR = 24 * 3600_000;
/** A temporary folder this old was left by a run that died while building. */
const ABANDONED_AFTER = 3600_000;

export interface Compiled {
  /** The folder: package.json, dist/ (src/ as JavaScript, laid out as in the package), offline.mjs. */
  dir: string;
  /** dist/cli/bin.js, for plain `node`. */
  bin: string;
  /** The file: URL of the compiled form of a source, named by its path under src/ ('integrations/eleventy.ts'). */
  module(source: string): string;
  /** The file: URL of the offline guard (test/fixtures/integrations/offline.ts), for `node --import`. */
  guard: string;
}

let once: Promise<Compiled> | undefined;

/** The compiled sources, built if no test file has built these sources yet; once per process. */
export function compiled(): Promise<Compiled> {
  once ??= compileSources(projectRoot).then((dir) => ({
    dir,
    bin: join(dir, 'dist/cli/bin.js'),
    module: (source) => pathToFileURL(join(dir, 'dist', source.replace(/\.ts$/, '.js'))).href,
    guard: pathToFileURL(join(dir, 'offline.mjs')).href,
  }));
  return once;
}

/**
 * The folder holding the project's sources at `root` compiled, built if missing: node_modules/.cache/
 * linkback-compiled/<hash of the sources> (tests pass a small project of their own as `root`).
 */
export async function compileSources(root: string): Promise<string> {
  const cache = join(root, 'node_modules/.cache/linkback-compiled');
  // Read once: the files hashed are the files compiled, even if one changes meanwhile.
  const sources = await readSources(root);
  const hash = createHash('sha256');
  for (const [path, text] of [...sources, ...(await Promise.all(ALSO_HASHED.map(async (p) => [p, await readFile(join(root, p), 'utf8')] as const)))]) {
    hash.update(`${path}\0${text.length}\0${text}\0`);
  }
  const dir = join(cache, hash.digest('hex').slice(0, 16));
  if (await isDir(dir)) {
    // Marks it in use, for the pruning below.
    const now = new Date();
    await utimes(dir, now, now);
    return dir;
  }
  const tmp = join(cache, `.tmp-${randomUUID()}`);
  try {
    await build(root, tmp, sources);
    await rename(tmp, dir);
  } catch (error) {
    await rm(tmp, { recursive: true, force: true });
    // Another test file renamed the same sources into place first: theirs is as good.
    if (!((error as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (error as NodeJS.ErrnoException).code === 'EEXIST') || !(await isDir(dir))) throw error;
  }
  await prune(cache, dir);
  return dir;
}

/** Every file under src/, by path relative to the project, in a stable order. */
async function readSources(root: string): Promise<Array<[string, string]>> {
  const files = (await readdir(join(root, 'src'), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)))
    .sort();
  return Promise.all(files.map(async (f) => [f, await readFile(join(root, f), 'utf8')] as [string, string]));
}

async function build(root: string, out: string, sources: Array<[string, string]>): Promise<void> {
  const ts = (await import('typescript')).default;
  const config = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!config) throw new Error('tsconfig.build.json could not be read');
  // NodeNext would make transpileModule emit CommonJS (it cannot see package.json's "type": "module"): ESNext
  // emits what tsc emits for this ESM package.
  const options = { ...config.options, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, noEmit: false, declaration: false, sourceMap: false };
  for (const [path, text] of sources) {
    if (!path.endsWith('.ts')) continue;
    const file = join(out, 'dist', path.slice('src/'.length).replace(/\.ts$/, '.js'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, ts.transpileModule(text, { compilerOptions: options, fileName: join(root, path) }).outputText);
  }
  // As in the package: package.json beside dist/ (src/version.ts reads it).
  await copyFile(join(root, 'package.json'), join(out, 'package.json'));
  const guard = await readFile(join(root, GUARD), 'utf8');
  await writeFile(join(out, 'offline.mjs'), ts.transpileModule(guard, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
}

/** Drops the folders of sources nobody has tested for a day, and temporary folders of builds that died. */
async function prune(cache: string, keep: string): Promise<void> {
  const now = Date.now();
  for (const name of await readdir(cache)) {
    const path = join(cache, name);
    if (path === keep) continue;
    const age = now - (await stat(path).catch(() => ({ mtimeMs: now }))).mtimeMs;
    if (age > (name.startsWith('.tmp-') ? ABANDONED_AFTER : UNUSED_FOR)) await rm(path, { recursive: true, force: true });
  }
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => null))?.isDirectory() === true;
}
