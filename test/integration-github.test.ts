// The GitHub Action (action.yml): its steps are read from the file, and its "Send linkbacks" step is run with bash
// as a runner runs a composite action's step, with the environment a runner gives (test/fixtures/github-action.ts). The example site (real Jekyll output) is deployed on the simulated web;
// the files the step wrote are read back, and what reached the receivers is counted on the wire. The cache steps
// are played by copying exactly the paths action.yml gives actions/cache.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { access, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimulatedWeb } from '../example/web.ts';
import type { SimulatedWeb } from '../example/web.ts';
import { getInput, readInputs, stepSummary } from '../src/integrations/github.ts';
import type { SendReport } from '../src/linkback.ts';
import { action, actionStep as step, evaluateInputs as evaluate, runSendStep, runnerTemp } from './fixtures/github-action.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

test('action.yml: inputs and outputs; the state restored before sending and saved after, even when the step failed', () => {
  assert.equal(action.runs.using, 'composite');
  for (const name of ['site', 'site-url', 'state', 'dry-run']) assert.ok(action.inputs[name], `input ${name}`);
  assert.equal(action.inputs.site?.required, true);
  for (const name of ['sent', 'failed', 'held', 'skipped', 'no-endpoint', 'dry-run', 'exit-code']) {
    assert.equal(action.outputs[name]?.value, `\${{ steps.send.outputs.${name} }}`);
  }
  const names = action.runs.steps.map((s) => s.name);
  assert.deepEqual(names, ['Restore the linkback state', 'Install linkback', 'Send linkbacks', 'Save the linkback state']);
  const restore = step('Restore the linkback state');
  const save = step('Save the linkback state');
  assert.equal(restore.uses, 'actions/cache/restore@v4');
  assert.equal(save.uses, 'actions/cache/save@v4');
  assert.equal(restore.with?.path, save.with?.path);
  assert.equal(restore.with?.key, save.with?.key);
  assert.match(save.with?.key ?? '', /github\.run_id/, 'a new key per run: a cache entry cannot be overwritten');
  assert.ok((save.with?.key ?? '').startsWith(restore.with?.['restore-keys'] ?? '?'), 'restore-keys matches the keys saved');
  assert.match(save.if ?? '', /^always\(\)/, 'saved even when the send step failed');
  assert.match(step('Send linkbacks').run ?? '', /dist\/integrations\/github\.js"$/);
});

interface Runner {
  dir: string;
  web: SimulatedWeb;
  temp: string;
  cache: string;
  n: number;
}

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<Runner> {
  const web = await startSimulatedWeb(); // the example site, deployed
  const dir = await mkdtemp(join(tmpdir(), 'linkback-action-'));
  t.after(async () => {
    await web.close();
    await rm(dir, { recursive: true, force: true });
  });
  const temp = await runnerTemp(dir);
  const cache = join(dir, 'actions-cache');
  await mkdir(cache);
  return { dir, web, temp, cache, n: 0 };
}

/** A fresh runner's workspace: actions/checkout (a config file) and the build (the example site in _site). */
async function workspace(r: Runner): Promise<string> {
  const work = join(r.dir, `workspace-${++r.n}`);
  await mkdir(work);
  await writeFile(join(work, 'linkback.config.json'), JSON.stringify({
    connectTo: { '*': `127.0.0.1:${r.web.port}` },
    allowPrivate: true,
    arxivEndpoint: 'http://arxiv.org/trackback/{id}',
    retries: 0,
  }));
  await cp(join(root, 'example/site'), join(work, '_site'), { recursive: true });
  return work;
}

/** The paths action.yml hands actions/cache, in the workspace. */
function cachedPaths(inputs: Record<string, string>): string[] {
  return evaluate(step('Save the linkback state').with?.path ?? '', inputs).split('\n').map((p) => p.trim()).filter(Boolean);
}

/** actions/cache/save, then actions/cache/restore on the next runner: the files those paths match. */
async function saveCache(r: Runner, work: string, inputs: Record<string, string>): Promise<void> {
  for (const path of cachedPaths(inputs)) {
    if (await access(join(work, path)).then(() => true, () => false)) {
      await mkdir(dirname(join(r.cache, path)), { recursive: true });
      await cp(join(work, path), join(r.cache, path));
    }
  }
}
async function restoreCache(r: Runner, work: string, inputs: Record<string, string>): Promise<void> {
  for (const path of cachedPaths(inputs)) {
    if (await access(join(r.cache, path)).then(() => true, () => false)) {
      await mkdir(dirname(join(work, path)), { recursive: true });
      await cp(join(r.cache, path), join(work, path));
    }
  }
}

const sendStep = (r: Runner, work: string, inputs: Record<string, string>) => runSendStep(r.temp, work, inputs);

const posts = (web: SimulatedWeb) => web.notifications().length;

test('two deploys: the first sends and writes the job summary and outputs; the next, with the state from the cache, sends nothing', async (t) => {
  const r = await setup(t);
  const inputs = { site: '_site', 'without-state': 'send' };
  const first = await workspace(r);
  const ran = await sendStep(r, first, inputs);
  // The example site cites one arXiv id that does not exist: a failed notification warns, the step succeeds.
  assert.equal(ran.code, 0, ran.log);
  assert.equal(posts(r.web), 9);
  assert.deepEqual(
    { sent: ran.outputs.sent, failed: ran.outputs.failed, held: ran.outputs.held, 'no-endpoint': ran.outputs['no-endpoint'], 'exit-code': ran.outputs['exit-code'] },
    { sent: '8', failed: '1', held: '0', 'no-endpoint': '1', 'exit-code': '1' },
  );
  assert.match(ran.log, /^::warning title=linkback::1 notification failed \(see the job summary\)/m);
  assert.match(ran.log, /attention-is-all-you-need/, 'the table in the log');
  assert.match(ran.summary, /^### linkback$/m);
  assert.match(ran.summary, /^3 posts read · 10 targets · 8 sent · 1 failed/m);
  const rows = ran.summary.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| |'));
  assert.equal(rows.filter((l) => l.startsWith('| sent |')).length, 8);
  const failed = rows.filter((l) => l.startsWith('| **failed** |'));
  assert.equal(failed.length, 1);
  assert.match(failed[0] ?? '', /\[arxiv\.org\/abs\/2101\.99999\]\(https:\/\/arxiv\.org\/abs\/2101\.99999\) \| trackback \| .+ \|$/);
  assert.ok(rows.indexOf(failed[0] ?? '') < rows.findIndex((l) => l.startsWith('| sent |')), 'failures first');
  await saveCache(r, first, inputs);

  // The next deploy, on a fresh runner: only the cache carries the state. without-state is back to its default.
  const seen = r.web.requests.length;
  const next = await workspace(r);
  await restoreCache(r, next, {});
  const again = await sendStep(r, next, { site: '_site' });
  assert.equal(again.code, 0, again.log);
  assert.deepEqual(r.web.requests.slice(seen).map((q) => `${q.method} ${q.host}${q.path}`), [], 'nothing sent, nothing fetched');
  assert.equal(again.outputs.sent, '0');
  assert.equal(again.outputs['exit-code'], '0');
  assert.doesNotMatch(again.summary, /^\| sent/m);
});

test('no state: nothing sent and the step fails (exit 3) unless without-state says what to do; a dry run only looks', async (t) => {
  const r = await setup(t);
  const work = await workspace(r);
  const stopped = await sendStep(r, work, { site: '_site' });
  assert.equal(stopped.code, 3, stopped.log);
  assert.equal(r.web.requests.length, 0, 'nothing fetched, nothing sent');
  assert.match(stopped.log, /^::error title=linkback::no linkback state at .*state\.json \(the first run, or the cache entry was evicted/m);
  assert.equal(stopped.outputs['exit-code'], '3');
  assert.match(stopped.summary, /\*\*Not run:\*\* no linkback state/);

  const dry = await sendStep(r, work, { site: '_site', 'dry-run': 'true' });
  assert.equal(dry.code, 0, dry.log);
  assert.equal(posts(r.web), 0, 'a dry run sends nothing');
  assert.equal(dry.outputs['dry-run'], '9');
  assert.equal(dry.summary.split('\n').filter((l) => l.startsWith('| would send |')).length, 9);
  await assert.rejects(access(join(work, '.linkback/state.json')), 'and records nothing');

  const baseline = await sendStep(r, work, { site: '_site', 'without-state': 'baseline' });
  assert.equal(baseline.code, 0, baseline.log);
  assert.equal(posts(r.web), 0, 'baseline records, sends nothing');
  await access(join(work, '.linkback/state.json'));

  const strict = await sendStep(r, work, { site: '_site', 'fail-on-error': 'yes' });
  assert.equal(strict.code, 2, strict.log);
  assert.match(strict.log, /input "fail-on-error" must be true or false/);
});

test('inputs are read as a runner hands them to an action (INPUT_SITE-URL) or as the composite step sets them', () => {
  assert.equal(getInput({ 'INPUT_SITE-URL': ' https://a.example ' }, 'site-url'), 'https://a.example');
  assert.equal(getInput({ INPUT_SITE_URL: 'https://b.example' }, 'site-url'), 'https://b.example');
  assert.deepEqual(readInputs({ INPUT_SITE: 'public', 'INPUT_DRY-RUN': 'true', INPUT_STATE: '' }), {
    site: 'public', dryRun: true, withoutState: 'stop', failOnError: false,
  });
  assert.throws(() => readInputs({}), /input "site" is required/);
  assert.throws(() => readInputs({ INPUT_SITE: 'x', INPUT_WITHOUT_STATE: 'maybe' }), /must be one of stop, send, baseline/);
});

test('the job summary cannot be broken by what a receiver says, and stays bounded', () => {
  const result = (i: number, message: string) => ({
    source: `https://blog.example.org/p/${i}/`, target: 'https://t.example/a_(b)', protocol: 'webmention' as const, endpoint: null,
    status: 'failed' as const, message, code: 'rejected' as const,
  });
  const summary = { pages: 1, posts: 1, unchangedPosts: 0, targets: 1, sent: 0, failed: 400, held: 0, skipped: 0, noEndpoint: 0, dryRun: 0, recoveredUncertain: 0, recoveredResend: 0, resent: 0, marked: 0, beforeSince: 0, undated: 0, deletedPosts: 0, undatedPages: 0, undatedExample: null };
  const report = {
    results: [result(0, 'HTTP 400: a | b\n<script>alert(1)</script> **x**'), ...Array.from({ length: 399 }, (_, i) => result(i + 1, 'no'))],
    summary, warnings: [], dryRun: false, interrupted: false, hostWaits: [], error: null, startedAt: '', finishedAt: '',
  } as unknown as SendReport;
  const md = stepSummary(report);
  const first = md.split('\n').find((l) => l.includes('/p/0/')) ?? '';
  assert.equal(first.split(/(?<!\\)\|/).length, 7, `one row of five cells: ${first}`);
  assert.match(first, /HTTP 400: a \\\| b &lt;script&gt;alert\(1\)&lt;\/script&gt; \\\*\\\*x\\\*\\\* \|$/);
  assert.match(first, /\(https:\/\/t\.example\/a_%28b%29\)/);
  assert.equal(md.split('\n').filter((l) => l.startsWith('| **failed** |')).length, 300);
  assert.match(md, /… and 100 more: the step's log lists them all\./);
});
