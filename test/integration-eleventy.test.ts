// The Eleventy plugin, with real Eleventy builds of a tiny site (test/fixtures/integrations/eleventy) copied to
// a temporary folder, against the simulated web (example/web.ts). Assertions are on what the servers received
// and on what Eleventy's logger printed. The offline guard refuses (and lists) any connection not to loopback.
import { blockedAttempts } from './fixtures/integrations/offline.ts';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import linkbackEleventy from '../src/integrations/eleventy.ts';
import type { EleventyConfigLike, EleventyOptions } from '../src/integrations/eleventy.ts';
import { send } from '../src/index.ts';
import { simulatedRun } from './fixtures/simulated-run.ts';
import { compiled } from './compiled.ts';
import type { SimulatedWeb } from '../example/web.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixture = join(root, 'test/fixtures/integrations/eleventy');
const POST = 'https://notes.example.net/posts/attention/';

interface Eleventy {
  write(): Promise<unknown>;
}
type EleventyCtor = new (input: string, output: string, options: Record<string, unknown>) => Eleventy;
type UserConfig = EleventyConfigLike & {
  addPlugin(plugin: unknown, options: unknown): void;
  logger: EleventyConfigLike['logger'] & { overrideLogger(logger: Record<'log' | 'warn' | 'error' | 'info', (m: string) => void>): void };
};

// Eleventy ships no type declarations; a computed specifier keeps TypeScript from looking for them.
const ELEVENTY = '@11ty/eleventy';
const { default: Eleventy } = (await import(ELEVENTY)) as { default: EleventyCtor };

interface Site {
  dir: string;
  web: SimulatedWeb;
  options: EleventyOptions;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<Site> {
  const { web, dir, options } = await simulatedRun(t, 'eleventy', '.linkback/state.json');
  await cp(join(fixture, 'src'), join(dir, 'src'), { recursive: true });
  return { dir, web, options };
}

/** A programmatic build, as `npx @11ty/eleventy` makes it; returns what Eleventy's logger printed. */
async function build(dir: string, options: EleventyOptions, runMode: 'build' | 'serve' | 'watch' = 'build'): Promise<string[]> {
  const lines: string[] = [];
  const capture = (m: string) => void lines.push(stripVTControlCharacters(m));
  const eleventy = new Eleventy(join(dir, 'src'), join(dir, '_site'), {
    quietMode: false,
    runMode,
    config(eleventyConfig: UserConfig) {
      eleventyConfig.logger.overrideLogger({ log: capture, info: capture, warn: capture, error: capture });
      eleventyConfig.addPlugin(linkbackEleventy, options);
    },
  });
  try {
    await eleventy.write();
  } catch (error) {
    throw Object.assign(error as Error, { lines });
  }
  return lines;
}

after(() => assert.deepEqual(blockedAttempts, [], 'nothing but loopback was contacted'));

const sent = (web: SimulatedWeb) => web.notifications().map((r) => `${r.host}${r.path}`).sort();

test('after a build, the post in Eleventy\'s results is notified: arXiv trackback and Webmention', async (t) => {
  const { dir, web, options } = await setup(t);
  const lines = await build(dir, options);

  assert.deepEqual(sent(web), ['arxiv.org/trackback/1706.03762', 'webmention.example/webmention']);
  const tb = web.notifications().find((r) => r.host === 'arxiv.org');
  const fields = new URLSearchParams(tb?.body);
  assert.equal(fields.get('url'), POST);
  assert.equal(fields.get('title'), 'Reading “Attention Is All You Need”');
  assert.equal(fields.get('blog_name'), 'Field Notes');
  assert.equal(fields.get('excerpt'), 'What the transformer paper says, in one page.');
  const wm = web.notifications().find((r) => r.host === 'webmention.example');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(wm?.body)), { source: POST, target: 'http://webmention.example/2025/notes-on-transformers' });
  // The site's chrome (nav, footer) is not content: never fetched.
  assert.ok(!web.requests.some((r) => r.host === 'github.com' || r.path === '/licence'));

  const ours = lines.filter((l) => l.startsWith('[11ty/linkback]'));
  assert.ok(ours.some((l) => l.includes(`sent trackback ${POST} -> https://arxiv.org/abs/1706.03762`)), ours.join('\n'));
  assert.ok(ours.some((l) => l.includes(`sent webmention ${POST} -> http://webmention.example/2025/notes-on-transformers`)));
  assert.match(ours.at(-1) ?? '', /1 post read · 2 targets · 2 sent · 0 failed/);
});

test('the pages come from Eleventy\'s results, not from a scan of the output folder', async (t) => {
  const { dir, web, options } = await setup(t);
  // A stale post left in the output folder by an earlier build (Eleventy does not empty it): a scan would send for it.
  await mkdir(join(dir, '_site/posts/stale'), { recursive: true });
  await writeFile(join(dir, '_site/posts/stale/index.html'), '<!doctype html><html><head><title>Stale</title><link rel="canonical" href="https://notes.example.net/posts/stale/"></head><body><article><h1>Stale</h1><time datetime="2025-01-01">1 Jan</time><p><a href="http://pingback.example/posts/attention">old</a></p></article></body></html>');
  await build(dir, options);
  assert.deepEqual(sent(web), ['arxiv.org/trackback/1706.03762', 'webmention.example/webmention']);
  assert.ok(!web.requests.some((r) => r.host === 'pingback.example'));

  // The control: the same state and folder read by the CLI's path (a scan) does find the stale post.
  const scanned = await send({ ...options, site: join(dir, '_site') });
  assert.deepEqual(scanned.results.filter((r) => r.status === 'sent').map((r) => r.target), ['http://pingback.example/posts/attention']);
});

test('a rebuild sends nothing again; the recorded hashes match the files, so a CLI run agrees', async (t) => {
  const { dir, web, options } = await setup(t);
  await build(dir, options);
  const before = web.requests.length;
  const lines = await build(dir, options);
  assert.equal(web.requests.length, before, 'no request on the rebuild');
  assert.match(lines.filter((l) => l.startsWith('[11ty/linkback]')).at(-1) ?? '', /0 posts read, 1 unchanged · 0 targets · 0 sent/);

  // The CLI's path hashes the written files: it must see the post as unchanged (no parse, no request).
  const cli = await send({ ...options, site: join(dir, '_site') });
  assert.equal(cli.summary.unchangedPosts, 1);
  assert.equal(web.requests.length, before);
});

test('--serve and --watch builds send nothing, unless runDuringServe is set', async (t) => {
  const { dir, web, options } = await setup(t);
  for (const mode of ['serve', 'watch'] as const) {
    const lines = await build(dir, options, mode);
    assert.ok(lines.some((l) => l.includes(`[11ty/linkback] nothing sent during --${mode}`)), lines.join('\n'));
  }
  assert.equal(web.requests.length, 0);

  await build(dir, { ...options, runDuringServe: true }, 'watch');
  assert.deepEqual(sent(web), ['arxiv.org/trackback/1706.03762', 'webmention.example/webmention']);
});

test('a failed notification is reported but does not fail the build, unless failOnError is set', async (t) => {
  const { dir, web, options } = await setup(t);
  // 2101.99999 is a paper the arXiv-like listener does not know: HTTP 200 with <error>1</error>.
  await writeFile(join(dir, 'src/posts/unknown.md'), '---\ntitle: A paper that is not there\ndate: 2026-04-01\nlayout: post.njk\ntags: posts\n---\nSee [this](https://arxiv.org/abs/2101.99999).\n');
  const lines = await build(dir, options);
  assert.ok(lines.some((l) => /^\[11ty\/linkback\] failed trackback https:\/\/notes\.example\.net\/posts\/unknown\/ -> https:\/\/arxiv\.org\/abs\/2101\.99999: .*2101\.99999/.test(l)), lines.join('\n'));
  assert.ok(lines.some((l) => /Wrote 3 files/.test(l)), 'the build finished');

  // The failure stays in the state as retryable; with failOnError the rebuild that meets it again fails.
  await assert.rejects(build(dir, { ...options, failOnError: true, retryFailed: true }), /linkback: 1 notification failed \(failOnError is set\)/);
  assert.equal(web.notifications().filter((r) => r.path === '/trackback/2101.99999').length, 2);
});

test('options are checked when the plugin is added: a typo stops the build before anything is sent', async (t) => {
  const { dir, web, options } = await setup(t);
  // Eleventy wraps a plugin's error in its own ("Error processing the `linkbackEleventy` plugin") and prints ours below.
  const cause = (pattern: RegExp) => (error: Error & { originalError?: Error }) => pattern.test(String(error.originalError?.message));
  await assert.rejects(build(dir, { ...options, concurency: 2 } as EleventyOptions), cause(/^invalid linkback Eleventy plugin options: unknown option "concurency"/));
  await assert.rejects(build(dir, { ...options, site: '_site' } as EleventyOptions), cause(/"site" is not an option here/));
  await assert.rejects(build(dir, { ...options, failOnError: 'yes' } as unknown as EleventyOptions), cause(/"failOnError" must be true or false/));
  assert.equal(web.requests.length, 0);
});

test('the eleventy command: a build prints linkback\'s lines under [11ty/linkback]; --watch sends nothing', async (t) => {
  const { dir, web, options } = await setup(t);
  // The eleventy command runs the plugin compiled: nothing in its process goes through tsx (test/compiled.ts).
  const plugin = (await compiled()).module('integrations/eleventy.ts');
  await writeFile(join(dir, 'eleventy.config.mjs'), [
    `import linkback from ${JSON.stringify(plugin)};`,
    '',
    'export default function (eleventyConfig) {',
    `  eleventyConfig.addPlugin(linkback, ${JSON.stringify(options)});`,
    '}',
    '',
  ].join('\n'));

  const built = await eleventyCli(dir, ['--input=src', '--output=_site']);
  assert.equal(built.code, 0, built.stderr);
  assert.deepEqual(sent(web), ['arxiv.org/trackback/1706.03762', 'webmention.example/webmention']);
  assert.match(built.stdout, /\[11ty\/linkback\] 1 post read · 2 targets · 2 sent · 0 failed/);
  assert.doesNotMatch(built.stderr, /offline guard/);

  const before = web.requests.length;
  await writeFile(join(dir, 'src/posts/second.md'), '---\ntitle: Second\ndate: 2026-05-01\nlayout: post.njk\ntags: posts\n---\n[Hi](http://webmention.example/2026/scaling-commentary)\n');
  const watched = await eleventyCli(dir, ['--input=src', '--output=_site', '--watch'], /Watching/);
  assert.match(watched.stdout, /\[11ty\/linkback\] nothing sent during --watch/);
  assert.equal(web.requests.length, before);
});

/** Runs the real `eleventy` command (offline guard preloaded); with `until`, stops it once stdout matches. */
async function eleventyCli(cwd: string, args: string[], until?: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cmd = join(root, 'node_modules/@11ty/eleventy/cmd.cjs');
  const { guard } = await compiled();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', guard, cmd, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (until?.test(stdout)) child.kill('SIGINT');
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
