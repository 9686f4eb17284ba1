// Limiting what a run covers, through the real command line against the simulated web: --only (re-sending
// on purpose), --exclude-host, --include-path / --exclude-path, and the same settings from a config file.
// Expectations come from a dry run of the whole site, not from knowing the example by heart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startSimulatedWeb } from '../example/web.ts';
import type { Result } from '../src/index.ts';
import { exampleSite, runCli, simulatedWebArgs } from './fixtures/cli/run.ts';

type Report = { results: Result[] };

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const web = await startSimulatedWeb();
  t.after(() => web.close());
  const dir = await mkdtemp(join(tmpdir(), 'linkback-cli-scope-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const base = (state: string) => ['send', exampleSite, '--state', join(dir, state), '--json', ...simulatedWebArgs(web.port)];
  const planned = JSON.parse((await runCli([...base('plan.json'), '--dry-run'])).stdout) as Report;
  assert.ok(planned.results.length >= 5);
  return { web, dir, base, planned: planned.results };
}

/** The host name of a URL (notifications on the wire are compared by host: paths vary by protocol). */
const hostOf = (url: string) => new URL(url).hostname;

test('--only sends just the matching pairs; the next full run sends the rest and nothing twice', async (t) => {
  const { web, base, planned } = await setup(t);
  const arxiv = planned.filter((r) => r.target.startsWith('https://arxiv.org/abs/'));
  assert.ok(arxiv.length > 0 && arxiv.length < planned.length);

  const only = await runCli([...base('state.json'), '--only', 'https://arxiv.org/abs/*']);
  const first = (JSON.parse(only.stdout) as Report).results;
  assert.deepEqual(first.map((r) => r.target).sort(), arxiv.map((r) => r.target).sort());
  assert.deepEqual(new Set(web.notifications().map((r) => r.host)), new Set(['arxiv.org']));
  const afterOnly = web.notifications().length;

  const full = await runCli(base('state.json'));
  const second = (JSON.parse(full.stdout) as Report).results;
  const rest = planned.filter((r) => !arxiv.includes(r));
  const acted = second.filter((r) => r.status !== 'skipped');
  assert.deepEqual(acted.map((r) => r.target).sort(), rest.map((r) => r.target).sort(), 'the posts were not recorded as done by the --only run');
  assert.ok(web.notifications().slice(afterOnly).every((r) => r.host !== 'arxiv.org'), 'no trackback to arXiv twice');
});

test('--only matches the source URL too; --retry-failed with --only re-sends just that failure', async (t) => {
  const { web, base, planned } = await setup(t);
  const source = planned[0]?.source ?? '';
  const bySource = JSON.parse((await runCli([...base('a.json'), '--dry-run', '--only', source])).stdout) as Report;
  assert.deepEqual(bySource.results.map((r) => r.target).sort(), planned.filter((r) => r.source === source).map((r) => r.target).sort());

  const sent = JSON.parse((await runCli(base('b.json'))).stdout) as Report;
  const failure = sent.results.find((r) => r.status === 'failed');
  assert.ok(failure, 'the example has one refused trackback');
  const before = web.notifications().length;
  const retried = JSON.parse((await runCli([...base('b.json'), '--retry-failed', '--only', failure.target])).stdout) as Report;
  assert.deepEqual(retried.results.filter((r) => r.status !== 'skipped').map((r) => r.target), [failure.target]);
  assert.equal(web.notifications().length - before, 1, 'exactly one notification on the wire');
});

test('--exclude-host and --exclude-path / --include-path leave targets and posts out', async (t) => {
  const { web, base, planned } = await setup(t);
  const hosts = JSON.parse((await runCli([...base('h.json'), '--exclude-host', 'webmention.example', '--exclude-host', '*.org'])).stdout) as Report;
  assert.deepEqual(hosts.results.map((r) => r.target).sort(),
    planned.filter((r) => hostOf(r.target) !== 'webmention.example' && !hostOf(r.target).endsWith('.org')).map((r) => r.target).sort());
  assert.ok(web.notifications().every((r) => r.host !== 'webmention.example' && !r.host.endsWith('.org')));

  const sources = [...new Set(planned.map((r) => r.source))];
  const left = sources[0] ?? '';
  const leftFolder = new URL(left).pathname.replace(/^\//, '');
  const excluded = JSON.parse((await runCli([...base('p.json'), '--dry-run', '--exclude-path', leftFolder])).stdout) as Report;
  assert.deepEqual([...new Set(excluded.results.map((r) => r.source))].sort(), sources.filter((s) => s !== left).sort());
  const included = JSON.parse((await runCli([...base('q.json'), '--dry-run', '--include-path', `${leftFolder}**`])).stdout) as Report;
  assert.deepEqual([...new Set(included.results.map((r) => r.source))], [left]);
});

test('the same limits from a config file found upward, with the site given there', async (t) => {
  const { dir, base, planned, web } = await setup(t);
  await writeFile(join(dir, 'linkback.config.json'), JSON.stringify({
    site: relative(dir, exampleSite),
    state: 'deploy/state.json',
    excludeHosts: ['arxiv.org'],
    connectTo: { '*': `127.0.0.1:${web.port}` },
    allowPrivate: true,
  }));
  const ran = await runCli(['send', '--json', '--dry-run'], { cwd: dir });
  assert.equal(ran.code, 0, ran.stderr);
  const results = (JSON.parse(ran.stdout) as Report).results;
  assert.deepEqual(results.map((r) => r.target).sort(), planned.filter((r) => hostOf(r.target) !== 'arxiv.org').map((r) => r.target).sort());
  assert.ok(base('x').length > 0);
});
