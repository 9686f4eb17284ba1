// The published package, as a user gets it: the sources are built (tsconfig.build.json) into a copy of the
// package, packed with `npm pack`, unpacked into a fresh project's node_modules next to the declared dependencies
// only, and used by name — at run time (the README's library example, against the simulated web) and by the
// TypeScript compiler (the bundled .d.ts through the `exports` map).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIMULATED_CA, startSimulatedWeb } from '../example/web.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
};

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const node = (args: string[], cwd: string, env?: Record<string, string>) => run(process.execPath, args, cwd, env);
const tsc = (cwd: string) => node([join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], cwd);
// npm, kept off the network: nothing here needs the registry.
const NPM_OFFLINE = { npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };

let base = '';
let app = '';
let packed: string[] = [];

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'linkback-package-'));
  const pkg = join(base, 'pkg');
  await mkdir(pkg);
  await copyFile(join(root, 'package.json'), join(pkg, 'package.json'));
  await cp(join(root, 'bin'), join(pkg, 'bin'), { recursive: true });
  await copyFile(join(root, 'README.md'), join(pkg, 'README.md')).catch(() => {});
  await cp(join(root, 'netlify'), join(pkg, 'netlify'), { recursive: true });
  const built = await node([join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(pkg, 'dist')], root);
  assert.equal(built.code, 0, `the build failed:\n${built.stdout}${built.stderr}`);

  // --ignore-scripts: `prepare` would build into the repository's dist/; the copy is built already.
  const npm = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', base], pkg, NPM_OFFLINE);
  assert.equal(npm.code, 0, npm.stderr);
  const [info] = JSON.parse(npm.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  assert.ok(info);
  packed = info.files.map((f) => f.path).sort();

  // A fresh project: the unpacked tarball, and beside it only the dependencies package.json declares.
  app = join(base, 'app');
  const installed = join(app, 'node_modules/linkback');
  await mkdir(installed, { recursive: true });
  const untar = await run('tar', ['-xzf', join(base, info.filename), '-C', installed, '--strip-components=1'], base);
  assert.equal(untar.code, 0, untar.stderr);
  for (const dep of [...Object.keys(manifest.dependencies), '@types/node', 'undici-types']) {
    await mkdir(dirname(join(app, 'node_modules', dep)), { recursive: true });
    await symlink(join(root, 'node_modules', dep), join(app, 'node_modules', dep), 'dir');
  }
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'my-blog', private: true, type: 'module' }));
});

after(() => rm(base, { recursive: true, force: true }));

test('npm pack ships the built library, its declarations and the command; no sources or tests', () => {
  for (const file of ['package.json', 'bin/linkback.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/bin.js', 'dist/integrations/eleventy.js', 'dist/integrations/astro.d.ts', 'dist/integrations/netlify.js', 'dist/integrations/github.js', 'netlify/index.js', 'netlify/manifest.yml']) {
    assert.ok(packed.includes(file), `${file} is in the package`);
  }
  const stray = packed.filter((f) => !/^(package\.json|README\.md|LICENSE|netlify\/|bin\/|dist\/)/.test(f));
  assert.deepEqual(stray, []);
  // Every module has its declaration file next to it.
  const js = packed.filter((f) => f.endsWith('.js') && f.startsWith('dist/'));
  assert.deepEqual(js.filter((f) => !packed.includes(f.replace(/\.js$/, '.d.ts'))), []);
});

test('what the package imports, code and declarations alike, is its own files, a dependency or Node', async () => {
  const allowed = new Set(Object.keys(manifest.dependencies));
  const outside: string[] = [];
  for (const file of packed.filter((f) => /\.(js|d\.ts)$/.test(f))) {
    const text = await readFile(join(app, 'node_modules/linkback', file), 'utf8');
    for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.') || specifier.startsWith('node:') || isBuiltin(specifier)) continue;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? '');
      if (!allowed.has(name)) outside.push(`${file}: ${specifier}`);
    }
  }
  assert.deepEqual(outside, [], 'a devDependency (astro, @11ty/eleventy ...) would be missing for users');
});

test('the README\'s library example runs from the package by name: send, progress events, discover', async (t) => {
  const web = await startSimulatedWeb();
  t.after(() => web.close());
  await copyFile(join(root, 'docs/examples/library.mjs'), join(app, 'library.mjs'));
  await writeFile(join(app, 'linkback.config.json'), JSON.stringify({
    connectTo: { '*': `127.0.0.1:${web.port}` },
    allowPrivate: true,
    arxivEndpoint: 'http://arxiv.org/trackback/{id}',
    retries: 0,
  }));
  // The simulated web serves the example blog's https:// posts for the live check; the app trusts its certificate.
  const ran = await node(['library.mjs', join(root, 'example/site')], app, { NODE_EXTRA_CA_CERTS: SIMULATED_CA });
  // The example site holds one citation of an arXiv id that does not exist: one failure, exit code 1.
  assert.equal(ran.code, 1, ran.stderr);
  assert.match(ran.stdout, /^sent {8}https:\/\/blog\.example\.org\/2026\/10\/02\/attention-is-all-you-need\/ -> https:\/\/arxiv\.org\/abs\/1706\.03762$/m);
  assert.match(ran.stdout, /^3 posts, 8 sent, 1 failed$/m);
  assert.match(ran.stdout, /^no endpoint at http:\/\/plain\.example\/help\/arxiv-ids: /m);
  assert.equal(web.notifications().length, 9);
  // The state went where the config file's folder says.
  const state = await readFile(join(app, '.linkback/state.json'), 'utf8');
  assert.match(state, /attention-is-all-you-need/);
});

test('the exports map is the only way in, and the command runs from the package', async () => {
  const deep = await node(['--input-type=module', '-e', "await import('linkback/dist/linkback.js')"], app);
  assert.match(deep.stderr, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
  const version = await node([join(app, 'node_modules/linkback/bin/linkback.js'), '--version'], app);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), manifest.version);
});

test('TypeScript sees the bundled declarations through the exports map (NodeNext, strict)', async () => {
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify({
    // skipLibCheck as most projects have it (and 3x faster); what the declarations import is checked above.
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: true },
    files: ['consumer.ts'],
  }));
  await writeFile(join(app, 'consumer.ts'), [
    "import { discover, isLinkbackError, send } from 'linkback';",
    "import type { DiscoverReport, LinkbackEvent, OptionsInput, SendReport } from 'linkback';",
    '',
    "const options: OptionsInput = { site: '_site', siteUrl: 'https://blog.example.org', concurrency: 4 };",
    'const onEvent = (event: LinkbackEvent): void => void (event.type === "result" && event.result.status);',
    'export const report: Promise<SendReport> = send(options, { onEvent });',
    "export const found: Promise<DiscoverReport> = discover('https://example.org/post');",
    'export const fatal = (error: unknown): string | null => (isLinkbackError(error) ? error.code : null);',
    '// The types are real, not any: each of these must be an error.',
    '// @ts-expect-error not an option',
    "void send({ site: '_site', concurency: 4 });",
    '// @ts-expect-error concurrency is a number',
    "void send({ site: '_site', concurrency: '4' });",
    '// @ts-expect-error a status that does not exist',
    "export const status: SendReport['results'][number]['status'] = 'done';",
    '',
  ].join('\n'));
  const checked = await tsc(app);
  assert.equal(checked.code, 0, checked.stdout);
});

const subpaths = manifest.exports['./eleventy'] !== undefined && manifest.exports['./astro'] !== undefined;

test('linkback/eleventy and linkback/astro load by name (without Astro or Eleventy installed) and type-check', {
  todo: subpaths ? false : 'package.json needs the "./eleventy" and "./astro" exports (see the integrations report)',
}, async () => {
  const loaded = await node(['--input-type=module', '-e', [
    "const { default: eleventy } = await import('linkback/eleventy');",
    "const { default: astro } = await import('linkback/astro');",
    'console.log(typeof eleventy, astro({}).name);',
  ].join('\n')], app);
  assert.equal(loaded.stdout.trim(), 'function linkback', loaded.stderr);

  await symlink(join(root, 'node_modules/astro'), join(app, 'node_modules/astro'), 'dir').catch(() => {});
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'], skipLibCheck: true },
    files: ['integrations.ts'],
  }));
  await writeFile(join(app, 'integrations.ts'), [
    "import type { AstroIntegration } from 'astro';",
    "import astro from 'linkback/astro';",
    "import eleventy from 'linkback/eleventy';",
    "import type { EleventyConfigLike } from 'linkback/eleventy';",
    '',
    "export const integration: AstroIntegration = astro({ siteUrl: 'https://blog.example.org', failOnError: true });",
    'export const plugin = (config: EleventyConfigLike): void => eleventy(config, { runDuringServe: false });',
    '// @ts-expect-error runDuringServe is an Eleventy option only',
    'astro({ runDuringServe: true });',
    '',
  ].join('\n'));
  const checked = await tsc(app);
  assert.equal(checked.code, 0, checked.stdout);
});

test('Netlify\'s build runner loads `package = "./node_modules/linkback/netlify"` from the package, with its manifest.yml', async (t) => {
  const web = await startSimulatedWeb();
  t.after(() => web.close());
  const site = join(base, 'netlify-site');
  await mkdir(site);
  await cp(join(root, 'example/site'), join(site, 'public'), { recursive: true });
  // The site's own node_modules: linkback as installed above.
  await symlink(join(app, 'node_modules'), join(site, 'node_modules'), 'dir');
  await writeFile(join(site, 'netlify.toml'), '[build]\n  publish = "public"\n\n[[plugins]]\n  package = "./node_modules/linkback/netlify"\n  [plugins.inputs]\n  dryRun = true\n');
  await writeFile(join(site, 'linkback.config.json'), JSON.stringify({ connectTo: { '*': `127.0.0.1:${web.port}` }, allowPrivate: true, retries: 0 }));
  const built = await node([join(root, 'node_modules/@netlify/build/bin.js'), '--offline', '--cwd', site, '--repositoryRoot', site, '--context', 'production'], site, {
    NODE_EXTRA_CA_CERTS: SIMULATED_CA, URL: 'https://blog.example.org', BUILD_TELEMETRY_DISABLED: '1', NO_COLOR: '1',
  });
  assert.equal(built.code, 0, built.stdout + built.stderr);
  assert.match(built.stdout, /- \.\/node_modules\/linkback\/netlify@\d[^ ]* from netlify\.toml/);
  assert.match(built.stdout, /0 sent, 0 failed, 0 held \(dry run: 9 would be sent\)/, built.stdout);
  assert.equal(web.notifications().length, 0, 'a dry run sends nothing');
});

test('the GitHub Action\'s step runs from the package as action.yml runs it (node <package>/dist/integrations/github.js)', async () => {
  const script = join(app, 'node_modules/linkback/dist/integrations/github.js');
  const output = join(base, 'github-output');
  await writeFile(output, '');
  const ran = await node([script], app, { GITHUB_OUTPUT: output, GITHUB_WORKSPACE: app, INPUT_SITE: '' });
  assert.equal(ran.code, 2, ran.stderr);
  assert.match(ran.stdout, /^::error title=linkback::input "site" is required/m);
  assert.match(await readFile(output, 'utf8'), /^exit-code=2$/m);
});
