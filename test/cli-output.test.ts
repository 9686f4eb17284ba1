// Output for people and machines through pipes (as in CI or `| less`): --quiet, --verbose, colours,
// no progress animation, --json as one document, help and version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedWeb } from '../example/web.ts';
import { optionsSchema } from '../src/index.ts';
import { cliRunners, exampleSite, root, simulatedWebArgs } from './fixtures/cli/run.ts';

// Some 25 CLI children: compiled, not through tsx (test/compiled.ts).
const { runCli } = cliRunners({ compiled: true });

const ESC = '\u001b[';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-cli-output-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const web = await startSimulatedWeb();
  t.after(() => web.close());
  const dir = await tempDir(t);
  return { args: (name = 'state.json') => ['send', exampleSite, '--state', join(dir, name), ...simulatedWebArgs(web.port)], dir };
}

test('piped: no progress line and no escape codes on stderr, even while notifications go out', async (t) => {
  const { args } = await setup(t);
  const ran = await runCli([...args(), '--verbose'], { env: { NO_COLOR: undefined } });
  assert.equal(ran.code, 1, ran.stderr);
  assert.match(ran.stdout, /Sent \(8\)/);
  assert.ok(ran.stderr.length > 0, 'verbose lines were written');
  assert.ok(!ran.stderr.includes(ESC), 'no escape codes on a piped stderr');
  assert.ok(!ran.stdout.includes(ESC), 'no colours on a piped stdout');
  assert.ok(!/targets · pages/.test(ran.stderr), 'no progress line');
});

test('--quiet prints the failures and the summary only', async (t) => {
  const { args } = await setup(t);
  const full = await runCli(args('full.json'));
  const quiet = await runCli([...args('quiet.json'), '--quiet']);
  assert.equal(quiet.code, 1);
  assert.match(quiet.stdout, /^Failed \(1\)/);
  assert.ok(!quiet.stdout.includes('Sent ('));
  assert.ok(!quiet.stdout.includes('No endpoint ('));
  assert.equal(quiet.stdout.trim().split('\n').at(-1), full.stdout.trim().split('\n').at(-1), 'the same summary line');
  assert.equal(quiet.stderr, '');
  const both = await runCli([...args('both.json'), '--quiet', '--verbose']);
  assert.equal(both.code, 2);
  assert.match(both.stderr, /cannot be used with/);
});

test('--verbose says which config and state, what each page is, what each lookup found, and lists skipped rows', async (t) => {
  const { args } = await setup(t);
  await runCli(args());
  const again = await runCli([...args(), '--verbose']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /linkback: (no config file|config .*); state .*state\.json/);
  assert.match(again.stderr, /^unchanged +2026\/10\/02\/attention-is-all-you-need\/index\.html/m);
  assert.match(again.stderr, /^listing +index\.html/m);
  assert.ok(!again.stdout.includes('Skipped'), 'unchanged posts are not even read');
  // --retry-failed reads the post with the failure again: its other pairs are skipped rows, listed only when verbose.
  const retried = await runCli([...args(), '--retry-failed', '--verbose']);
  assert.match(retried.stdout, /Skipped \(4\)\n {2}· https:\/\/blog\.example\.org\/2026\/10\/20\/old-and-new-arxiv-ids\//);
  const terse = await runCli([...args(), '--retry-failed']);
  assert.ok(!terse.stdout.includes('Skipped ('));
  assert.match(terse.stdout, /^4 already done in earlier runs \(--verbose lists them\)$/m);

  const fresh = await runCli([...args('fresh.json'), '--verbose', '--dry-run']);
  assert.match(fresh.stderr, /^post +2026\/10\/02\/attention-is-all-you-need\/index\.html +\d+ content links, \d+ targets/m);
  assert.match(fresh.stderr, /^endpoint +http:\/\/webmention\.example\/2025\/notes-on-transformers +webmention http:\/\/webmention\.example\/webmention \(HTTP Link header\)/m);
  assert.match(fresh.stderr, /^endpoint +http:\/\/plain\.example\/help\/arxiv-ids +none: /m);
});

test('colours: FORCE_COLOR turns them on through a pipe; NO_COLOR and --no-color win', async (t) => {
  const { args } = await setup(t);
  const dry = [...args(), '--dry-run'];
  const forced = await runCli(dry, { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
  assert.ok(forced.stdout.includes(`${ESC}33m`), 'yellow "would send"');
  const noColorEnv = await runCli(dry, { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
  assert.ok(!noColorEnv.stdout.includes(ESC));
  const noColorFlag = await runCli([...dry, '--no-color'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
  assert.ok(!noColorFlag.stdout.includes(ESC));
  // Rows within a group come in the order answers arrived: compare the lines, not their order.
  const lines = (s: string) => s.split('\n').sort();
  assert.deepEqual(lines(noColorFlag.stdout), lines(noColorEnv.stdout), 'the same text without colours');
  assert.deepEqual(lines(forced.stdout.replace(new RegExp(`${ESC.replace('[', '\\[')}\\d+m`, 'g'), '')), lines(noColorEnv.stdout), 'colours add nothing but colour');
});

test('--json stays one document on stdout, whatever else is asked for', async (t) => {
  const { args } = await setup(t);
  const ran = await runCli([...args(), '--json', '--verbose'], { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
  assert.equal(ran.code, 1);
  const doc = JSON.parse(ran.stdout) as { results: unknown[]; summary: { sent: number } };
  assert.equal(doc.summary.sent, 8);
  assert.ok(ran.stderr.length > 0, 'narration went to stderr');
});

test('a site with no recognisable post gets a hint on stderr', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'site'));
  await writeFile(join(dir, 'site', 'index.html'), '<!doctype html><title>Home</title><link rel="canonical" href="https://x.example/"><p>Hello</p>');
  const ran = await runCli(['send', join(dir, 'site'), '--state', join(dir, 'state.json')]);
  assert.equal(ran.code, 0, ran.stderr);
  assert.match(ran.stderr, /hint: no page of .* was recognised as a post \(1 pages read\)/);
});

test('--help of every command shows examples; every setting has a flag; --version is the package version', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  for (const command of ['send', 'discover', 'status']) assert.match(top.stdout, new RegExp(`^ +${command} `, 'm'));
  const helps: string[] = [];
  for (const command of ['send', 'discover', 'status', 'verify', 'serve', 'mentions export']) {
    const help = await runCli([...command.split(' '), '--help']);
    assert.equal(help.code, 0, command);
    assert.match(help.stdout, /Examples:\n {2}\$ linkback /, command);
    helps.push(help.stdout);
  }
  const kebab = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  // Flags whose name reads better singular (they repeat): one flag per value.
  // And settings on by default, whose flag turns them off; and a map set one host at a time.
  const singular: Record<string, string> = { excludeHosts: '--exclude-host', includePaths: '--include-path', excludePaths: '--exclude-path', checkLive: '--no-check-live', hosts: '--host-interval', sites: '--site', allowDomains: '--allow-domain', blockDomains: '--block-domain', readToken: '--token' };
  for (const key of Object.keys(optionsSchema.shape).filter((k) => k !== 'site')) {
    const flag = singular[key] ?? kebab(key);
    // Every setting has a flag on the command it is for (send, or verify for the verify-only arxivListing).
    assert.ok(helps.some((help) => help.includes(`${flag} `) || help.includes(`${flag}\n`)), `some --help lists ${flag}`);
  }
  const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
  const version = await runCli(['--version']);
  assert.equal(version.stdout.trim(), pkg.version);
});

test('usage errors exit 2: an unknown command, discover without a URL, a repeated flag of the wrong kind', async () => {
  const unknown = await runCli(['sned', exampleSite]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command 'sned'/);
  const noUrl = await runCli(['discover']);
  assert.equal(noUrl.code, 2);
  assert.match(noUrl.stderr, /missing required argument 'url'/);
  const badPair = await runCli(['discover', 'https://example.org/', '--connect-to', 'nonsense']);
  assert.equal(badPair.code, 2);
  assert.match(badPair.stderr, /--connect-to wants HOST=ADDRESS:PORT/);
});
