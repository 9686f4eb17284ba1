// The command-line contract: flags, --json document, exit codes, usage errors — through a real child process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedWeb } from '../example/web.ts';
import { exampleSite as site, runCli } from './fixtures/cli/run.ts';

async function tempDir(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('--json prints exactly one JSON document with the documented fields; exit 1 when one failed', async (t) => {
  const web = await startSimulatedWeb();
  t.after(() => web.close());
  const dir = await tempDir(t);
  const ran = await runCli(['send', site, '--json', '--state', join(dir, 'state.json'), '--connect-to', `*=127.0.0.1:${web.port}`, '--allow-private', '--arxiv-endpoint', 'http://arxiv.org/trackback/{id}', '--retries', '0']);
  assert.equal(ran.code, 1, ran.stderr);
  const doc = JSON.parse(ran.stdout) as { results: Array<Record<string, unknown>> };
  assert.ok(doc.results.length >= 10);
  for (const r of doc.results) {
    assert.deepEqual(Object.keys(r).slice(0, 6), ['source', 'target', 'protocol', 'endpoint', 'status', 'message']);
    assert.ok(['sent', 'failed', 'skipped', 'no-endpoint', 'dry-run'].includes(String(r.status)));
    assert.ok([null, 'webmention', 'pingback', 'trackback'].includes(r.protocol as string | null));
  }
  assert.equal(doc.results.filter((r) => r.status === 'failed').length, 1);

  // Second run: nothing new, nothing failed -> exit 0.
  const again = await runCli(['send', site, '--state', join(dir, 'state.json'), '--connect-to', `*=127.0.0.1:${web.port}`, '--allow-private', '--arxiv-endpoint', 'http://arxiv.org/trackback/{id}']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /0 sent/);
});

test('the table for people names each failure and ends with a summary line', async (t) => {
  const web = await startSimulatedWeb();
  t.after(() => web.close());
  const dir = await tempDir(t);
  const ran = await runCli(['send', site, '--state', join(dir, 'state.json'), '--connect-to', `*=127.0.0.1:${web.port}`, '--allow-private', '--arxiv-endpoint', 'http://arxiv.org/trackback/{id}']);
  assert.equal(ran.code, 1);
  assert.match(ran.stdout, /Failed \(1\)[\s\S]*arxiv\.org\/abs\/2101\.99999[\s\S]*No paper with id/);
  assert.match(ran.stdout, /Sent \(8\)/);
  assert.match(ran.stdout.trim().split('\n').at(-1) ?? '', /3 posts read · 10 targets · 8 sent · 1 failed · 1 without endpoint · 0 skipped/);
  assert.ok(!ran.stdout.includes('\u001b['), 'no colour codes when NO_COLOR is set / not a TTY');
});

test('usage errors exit 2 with a one-line message on stderr', async (t) => {
  const dir = await tempDir(t);
  const cases: Array<[string[], RegExp]> = [
    [['send', site, '--no-such-flag'], /unknown option '--no-such-flag'/],
    [['send', join(dir, 'missing-folder')], /site folder not found/],
    [['send', site, '--site-url', 'not a url'], /"siteUrl" must be an absolute http\(s\) URL/],
    [['send', site, '--concurrency', 'many'], /"concurrency"/],
    [['send'], /missing <site-dir>/],
  ];
  for (const [args, message] of cases) {
    const ran = await runCli([...args, '--state', join(dir, 's.json')], { cwd: dir });
    assert.equal(ran.code, 2, `${args.join(' ')}: ${ran.stderr}`);
    assert.match(ran.stderr, message);
    assert.equal(ran.stderr.trim().split('\n').length, 1, `one line: ${ran.stderr}`);
    assert.equal(ran.stdout, '');
  }
});

test('--help lists the contract flags and examples; --version prints the version', async () => {
  const help = await runCli(['send', '--help']);
  assert.equal(help.code, 0);
  for (const flag of ['--site-url', '--state', '--dry-run', '--json', '--allow-private', '--arxiv-endpoint', '--concurrency', '--timeout', 'Examples:']) {
    assert.ok(help.stdout.includes(flag), flag);
  }
  const version = await runCli(['--version']);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+$/);
});
