// The Astro integration, with real Astro builds of a tiny site (test/fixtures/integrations/astro) copied to a
// temporary folder, against the simulated web (example/web.ts). Nothing may leave the machine: the offline guard
// refuses (and lists) any connection that is not to loopback, in this process and in the `astro build` child.
import { blockedAttempts } from './fixtures/integrations/offline.ts';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'astro';
import linkbackAstro from '../src/integrations/astro.ts';
import type { AstroOptions } from '../src/integrations/astro.ts';
import { simulatedRun } from './fixtures/simulated-run.ts';
import { compiled } from './compiled.ts';
import type { SimulatedWeb } from '../example/web.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixture = join(root, 'test/fixtures/integrations/astro');
const SITE = { site: 'https://lab.example.org', base: '/log' };
const POST = 'https://lab.example.org/log/posts/scaling/';
const NO_TELEMETRY = { ASTRO_TELEMETRY_DISABLED: '1' };
Object.assign(process.env, NO_TELEMETRY);

after(() => assert.deepEqual(blockedAttempts, [], 'nothing but loopback was contacted'));

interface Site {
  dir: string;
  web: SimulatedWeb;
  options: AstroOptions;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<Site> {
  const { web, dir, options } = await simulatedRun(t, 'astro', '.linkback/state.json');
  await cp(join(fixture, 'src'), join(dir, 'src'), { recursive: true });
  // A real folder with astro linked in: Astro and Vite write their caches under the project's node_modules.
  await mkdir(join(dir, 'node_modules'));
  await symlink(join(root, 'node_modules/astro'), join(dir, 'node_modules/astro'), 'dir');
  return { dir, web, options };
}

const sent = (web: SimulatedWeb) => web.notifications().map((r) => `${r.host}${r.path}`).sort();

test('`astro build` with the integration in astro.config.mjs notifies the post; Astro\'s site + base give its URL', async (t) => {
  const { dir, web, options } = await setup(t);
  // The astro command runs the integration compiled: nothing in its process goes through tsx (test/compiled.ts).
  const integration = (await compiled()).module('integrations/astro.ts');
  await writeFile(join(dir, 'astro.config.mjs'), [
    "import { defineConfig } from 'astro/config';",
    `import linkback from ${JSON.stringify(integration)};`,
    '',
    'export default defineConfig({',
    `  site: ${JSON.stringify(SITE.site)},`,
    `  base: ${JSON.stringify(SITE.base)},`,
    `  integrations: [linkback(${JSON.stringify(options)})],`,
    '});',
    '',
  ].join('\n'));

  const ran = await astroCli(dir, ['build']);
  assert.equal(ran.code, 0, ran.stderr);
  assert.doesNotMatch(ran.stderr, /offline guard/);

  assert.deepEqual(sent(web), ['arxiv.org/trackback/2001.08361', 'webmention.example/webmention?via=a']);
  const tb = new URLSearchParams(web.notifications().find((r) => r.host === 'arxiv.org')?.body);
  assert.equal(tb.get('url'), POST, 'no canonical link in the page: the URL is site + base + path');
  assert.equal(tb.get('title'), 'Scaling laws, revisited');
  assert.equal(tb.get('blog_name'), 'Lab Log');
  assert.equal(tb.get('excerpt'), 'Notes on two scaling papers.');
  const wm = web.notifications().find((r) => r.host === 'webmention.example');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(wm?.body)), { source: POST, target: 'http://webmention.example/2026/scaling-commentary' });
  assert.ok(!web.requests.some((r) => r.host === 'github.com' || r.path === '/licence'), 'the site chrome is not content');

  // What the user sees: linkback's lines under Astro's [linkback] label, the summary last, before Astro's "Complete!".
  const ours = ran.stdout.split('\n').filter((l) => l.includes('[linkback]'));
  assert.ok(ours.some((l) => l.endsWith(`[linkback] sent trackback ${POST} -> https://arxiv.org/abs/2001.08361`)), ran.stdout);
  assert.match(ours.at(-1) ?? '', /\[linkback\] 1 post read · 2 targets · 2 sent · 0 failed · 0 without endpoint · 0 skipped$/);
  assert.ok(ran.stdout.indexOf('[linkback] 1 post read') < ran.stdout.indexOf('Complete!'));
});

test('a failed notification is logged and the build succeeds, unless failOnError is set', async (t) => {
  const { dir, web, options } = await setup(t);
  // 2101.99999 is a paper the arXiv-like listener does not know: HTTP 200 with <error>1</error>.
  await writeFile(join(dir, 'src/pages/posts/unknown.md'), '---\nlayout: ../../layouts/Post.astro\ntitle: Not there\ndate: 2026-03-01\n---\nSee [this](https://arxiv.org/abs/2101.99999).\n');
  const logged: string[] = [];
  const spy = { name: 'spy', hooks: { 'astro:build:done': () => void logged.push('build done') } };
  const astro = (integration: ReturnType<typeof linkbackAstro>) =>
    build({ root: dir, configFile: false, logLevel: 'silent', ...SITE, integrations: [integration, spy] });
  // Astro puts its intermediate server build under the working folder when the output folder is outside it.
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await astro(linkbackAstro(options));
    assert.equal(web.notifications().filter((r) => r.path === '/trackback/2101.99999').length, 1);
    assert.deepEqual(logged, ['build done'], 'the build went on to its end');

    await assert.rejects(astro(linkbackAstro({ ...options, failOnError: true, retryFailed: true })), /linkback: 1 notification failed \(failOnError is set\)/);
    assert.equal(web.notifications().filter((r) => r.path === '/trackback/2101.99999').length, 2);
  } finally {
    process.chdir(cwd);
  }
});

test('options are checked when the integration is created', () => {
  assert.throws(() => linkbackAstro({ concurency: 2 } as AstroOptions), /invalid linkback Astro integration options: unknown option "concurency"/);
  assert.throws(() => linkbackAstro({ site: 'dist' } as AstroOptions), /"site" is not an option here/);
  assert.throws(() => linkbackAstro({ runDuringServe: true } as AstroOptions), /unknown option "runDuringServe"/);
});

test('option values are checked by the one schema once Astro has its configuration, before anything is built', async () => {
  const integration = linkbackAstro({ concurrency: 0, siteUrl: 'ftp://x' });
  await assert.rejects(
    integration.hooks['astro:config:done']({ config: { base: '/' } }),
    /invalid linkback Astro integration options: "siteUrl" must be an absolute http\(s\) URL; "concurrency" expected number to be >0/,
  );
});

/** Runs the real `astro` command with the offline guard preloaded. */
async function astroCli(cwd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cmd = join(root, 'node_modules/astro/astro.js');
  const { guard } = await compiled();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', guard, cmd, ...args], {
      cwd,
      env: { ...process.env, ...NO_TELEMETRY, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
