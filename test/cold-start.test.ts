// What loading an entry point pulls in. Every Eleventy or Astro build loads the plugin with the site's
// configuration (also `eleventy --serve`, where it then does nothing), so the plugin modules load only what
// registering needs: the heavy dependencies (zod, undici, htmlparser2 …) wait until a build is sent. Time is
// measured in bench/ (cold start); this test pins the cause, which a timing assertion would only guess at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const recorder = join(root, 'test/fixtures/cold/record-loads.mjs');
const HEAVY = ['zod', 'undici', 'htmlparser2', 'fast-xml-parser', 'feedsmith', 'commander', 'cli-progress', 'p-limit', 'ipaddr.js'];

/** The package names (under node_modules) a script's imports resolved to, and its stdout. */
async function loads(script: string): Promise<{ packages: Set<string>; files: string[]; stdout: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-loads-'));
  try {
    const file = join(dir, 'loads.txt');
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', recorder, '--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: root, env: { ...process.env, COLD_LOADS_FILE: file },
      }, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)));
    });
    const urls = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    const packages = new Set<string>();
    for (const url of urls) {
      const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
      if (match?.[1] && match[1] !== 'tsx' && !url.includes('/node_modules/tsx/')) packages.add(match[1]);
    }
    const files = urls.filter((u) => u.startsWith('file:') && u.includes('/src/')).map((u) => u.slice(u.indexOf('/src/') + 1));
    return { packages, files, stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const entry of ['eleventy', 'astro', 'netlify'] as const) {
  test(`importing the ${entry} integration loads none of the heavy dependencies`, async () => {
    const { packages, files } = await loads(`await import('./src/integrations/${entry}.ts');`);
    assert.ok(files.includes(`src/integrations/${entry}.ts`), `the recorder saw the import: ${files.join(', ')}`);
    const heavy = HEAVY.filter((name) => packages.has(name));
    assert.deepEqual(heavy, [], `loaded at import: ${[...packages].join(', ')}; files: ${files.join(', ')}`);
  });
}

test('`linkback --version` and `--help` load commander and no other heavy dependency', async () => {
  for (const args of [['--version'], ['--help']]) {
    const { packages, stdout } = await loads(`process.argv = [process.execPath, 'linkback', ...${JSON.stringify(args)}]; await import('./src/cli/bin.ts');`);
    assert.ok(stdout.length > 0, 'it printed');
    assert.deepEqual(HEAVY.filter((name) => packages.has(name)), ['commander'], `${args.join(' ')} loaded: ${[...packages].join(', ')}`);
  }
  const { stdout } = await loads(`process.argv = [process.execPath, 'linkback', '--help']; await import('./src/cli/bin.ts');`);
  for (const name of ['send', 'discover', 'status', 'baseline', 'verify']) assert.match(stdout, new RegExp(`^  ${name}\\b`, 'm'), stdout);
});

test('the recorder sees a heavy dependency when one is loaded (the check above can fail)', async () => {
  const { packages } = await loads(`await import('./src/options.ts');`);
  assert.ok(packages.has('zod'), [...packages].join(', '));
});

test('`send --dry-run --quiet --no-check-live` on a site folder loads no feed, progress-bar or XML parser', async () => {
  const site = await mkdtemp(join(tmpdir(), 'linkback-cold-site-'));
  try {
    await writeFile(join(site, 'post.html'), '<!doctype html><html><head><title>A post</title></head><body><article class="h-entry">' +
      '<time class="dt-published" datetime="2026-01-02">2 January 2026</time><div class="e-content">' +
      '<p>See <a href="https://blog.example.org/older.html">this</a>.</p></div></article></body></html>');
    // Its one link is to the site itself, so the dry run reads and plans the post but asks no one anything
    // (a test never touches the real network); a run that makes requests loads undici where it makes them.
    const args = ['send', site, '--site-url', 'https://blog.example.org', '--state', join(site, 'state.json'), '--dry-run', '--quiet', '--no-check-live'];
    const { packages, stdout } = await loads(`process.argv = [process.execPath, 'linkback', ...${JSON.stringify(args)}]; await import('./src/cli/bin.ts');`);
    assert.match(stdout, /^1 post read\b/m, `the dry run read the post: ${stdout}`);
    assert.ok(packages.has('htmlparser2'), `the recorder saw the run: ${[...packages].join(', ')}`);
    const lazy = ['feedsmith', 'cli-progress', 'fast-xml-parser', 'undici'];
    assert.deepEqual(lazy.filter((name) => packages.has(name)), [], `send --dry-run loaded: ${[...packages].sort().join(', ')}`);
  } finally {
    await rm(site, { recursive: true, force: true });
  }
});
