// The benchmarks measure linkback as users run it: compiled JavaScript, not TypeScript through a loader
// (tsx alone adds about 40 MB of RSS and start-up time). This compiles src/ and bench/child/ into
// bench/out/build (git-ignored) with the project's own compiler settings, incrementally.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function build(repo: string): string {
  const out = join(repo, 'bench', 'out');
  const dir = join(out, 'build');
  mkdirSync(dir, { recursive: true });
  // Generated, in the ignored output folder: the repository's tsconfig files stay as they are.
  const config = join(out, 'tsconfig.bench.json');
  writeFileSync(config, JSON.stringify({
    extends: '../../tsconfig.json',
    compilerOptions: { noEmit: false, outDir: 'build', rootDir: '../..', declaration: false, sourceMap: false, incremental: true, tsBuildInfoFile: 'build/.tsbuildinfo' },
    include: ['../../src', '../../bench/child'],
  }, null, 2));
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', config], { cwd: repo, encoding: 'utf8' });
  // src/version.ts reads ../package.json, and the compiled files are ES modules.
  copyFileSync(join(repo, 'package.json'), join(dir, 'package.json'));
  if (result.status !== 0) {
    const errors = `${result.stdout}${result.stderr}`.trim().split('\n').slice(0, 5).join('\n');
    if (!existsSync(join(dir, 'src', 'index.js'))) throw new Error(`bench: compiling failed:\n${errors}`);
    console.warn(`bench: the compiler reported errors (results may not reflect them):\n${errors}`);
  }
  return dir;
}
