// test/compiled.ts, on a small project of its own in a temp folder (the project's files that shape the output, and
// two sources): test files compiling at once share one complete folder, a changed source gives a new folder, and
// what is in it runs under plain node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSources } from './compiled.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

async function project(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-compiled-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'test/compiled.ts', 'test/fixtures/integrations/offline.ts']) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await copyFile(join(root, file), join(dir, file));
  }
  // Its own node_modules (the cache goes there), with the project's TypeScript in it.
  await mkdir(join(dir, 'node_modules'));
  await symlink(join(root, 'node_modules/typescript'), join(dir, 'node_modules/typescript'), 'dir');
  await mkdir(join(dir, 'src/cli'), { recursive: true });
  await writeFile(join(dir, 'src/greeting.ts'), "export const greeting: string = 'hello';\n");
  await writeFile(join(dir, 'src/cli/bin.ts'), "import { greeting } from '../greeting.ts';\nconst name: string = process.argv[2] ?? 'nobody';\nconsole.log(`${greeting} ${name}`);\n");
  return dir;
}

const node = (file: string, ...args: string[]) =>
  new Promise<string>((resolve, reject) => execFile(process.execPath, [file, ...args], { timeout: 120_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))));

const cacheOf = (dir: string) => join(dir, 'node_modules/.cache/linkback-compiled');

test('compilations at once end in one complete folder, no temporary one left; its CLI runs under plain node', { timeout: 300_000 }, async (t) => {
  const dir = await project(t);
  const folders = await Promise.all([compileSources(dir), compileSources(dir), compileSources(dir)]);
  assert.equal(new Set(folders).size, 1, folders.join('\n'));
  assert.deepEqual(await readdir(cacheOf(dir)), [folders[0]?.slice(cacheOf(dir).length + 1)]);
  const [folder = ''] = folders;
  assert.deepEqual((await readdir(folder)).sort(), ['dist', 'offline.mjs', 'package.json']);
  assert.equal(await node(join(folder, 'dist/cli/bin.js'), 'world'), 'hello world\n');
  // The relative import was rewritten to the .js file and the types are gone.
  assert.match(await readFile(join(folder, 'dist/cli/bin.js'), 'utf8'), /from ["']\.\.\/greeting\.js["']/);
  assert.equal(await compileSources(dir), folder, 'the same sources: the same folder, found');
});

test('a changed source gives a new folder with the change in it; the old one stays for whoever uses it', { timeout: 300_000 }, async (t) => {
  const dir = await project(t);
  const before = await compileSources(dir);
  await writeFile(join(dir, 'src/greeting.ts'), "export const greeting: string = 'goodbye';\n");
  const after = await compileSources(dir);
  assert.notEqual(after, before);
  assert.equal(await node(join(after, 'dist/cli/bin.js'), 'world'), 'goodbye world\n');
  assert.equal(await node(join(before, 'dist/cli/bin.js'), 'world'), 'hello world\n');
  // A new source file counts too.
  await writeFile(join(dir, 'src/unused.ts'), 'export {};\n');
  assert.notEqual(await compileSources(dir), after);
});
