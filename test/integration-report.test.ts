// What the generator integrations log (src/integrations/report.ts), from real runs of the example site against
// the simulated web: one line per notification worth a look, warnings for failures, the summary last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { send } from '../src/index.ts';
import type { OptionsInput } from '../src/index.ts';
import { reportLines } from '../src/integrations/report.ts';
import { sendAfterBuild } from '../src/integrations/run.ts';
import { simulatedRun } from './fixtures/simulated-run.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const POST1 = 'https://blog.example.org/2026/10/02/attention-is-all-you-need/';
const POST2 = 'https://blog.example.org/2026/10/20/old-and-new-arxiv-ids/';

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<OptionsInput> {
  const { options } = await simulatedRun(t, 'report');
  return { ...options, site: join(root, 'example/site') };
}

test('a first run: sent and no-endpoint as info, the failure as a warning, the summary last', async (t) => {
  const options = await setup(t);
  const lines = reportLines(await send(options));
  const text = (level: string) => lines.filter((l) => l.level === level).map((l) => l.message);

  assert.ok(text('info').includes(`sent trackback ${POST1} -> https://arxiv.org/abs/1706.03762`));
  assert.ok(text('info').includes(`sent pingback ${POST1} -> http://pingback.example/posts/attention`));
  assert.ok(text('info').includes(`no endpoint ${POST2} -> http://plain.example/help/arxiv-ids`));
  assert.deepEqual(text('warn').map((m) => m.replace(/: .*$/s, '')), [`failed trackback ${POST2} -> https://arxiv.org/abs/2101.99999`]);
  assert.match(text('warn')[0] ?? '', /No paper with id 2101\.99999/);
  assert.deepEqual(text('error'), []);
  const last = lines.at(-1);
  assert.equal(last?.summary, true);
  assert.match(last?.message ?? '', /^3 posts read · 10 targets · 8 sent · 1 failed · 1 without endpoint/);
  assert.equal(lines.filter((l) => l.summary).length, 1);
});

test('a dry run says what would be sent; a second run logs only the summary', async (t) => {
  const options = await setup(t);
  const dry = reportLines(await send({ ...options, dryRun: true }));
  assert.ok(dry.some((l) => l.level === 'info' && l.message === `would send webmention ${POST1} -> http://webmention.example/2025/notes-on-transformers (dry run)`));
  assert.match(dry.at(-1)?.message ?? '', /would be sent/);

  await send(options);
  const again = reportLines(await send(options));
  assert.deepEqual(again.map((l) => l.level), ['info'], 'already-done pairs are counted, not listed');
  assert.match(again[0]?.message ?? '', /0 sent · 0 failed/);
});

test('the integrations read the project\'s linkback.config.json and LINKBACK_* like the command line; their own options win', async (t) => {
  const options = await setup(t);
  const { site, ...library } = options;
  const project = await mkdtemp(join(tmpdir(), 'linkback-project-'));
  t.after(() => rm(project, { recursive: true, force: true }));
  await writeFile(join(project, 'linkback.config.json'), JSON.stringify({ dryRun: true, state: 'from-config/state.json' }));
  const lines: string[] = [];
  const log = (line: { message: string }) => lines.push(line.message);
  const base = { site: String(site), failOnError: true, log, cwd: project, env: {} };

  // Only the config file says dryRun: nothing is sent or recorded.
  const { state: _state, ...withoutState } = library;
  const dry = await sendAfterBuild({ ...base, options: withoutState });
  assert.equal(dry?.dryRun, true);
  assert.equal(dry?.summary.dryRun, 9);
  // An environment variable beats the config file, and the plugin's own options beat both.
  const envWins = await sendAfterBuild({ ...base, env: { LINKBACK_DRY_RUN: '0', LINKBACK_STATE: join(project, 'env-state.json') }, options: withoutState, failOnError: false });
  assert.equal(envWins?.dryRun, false);
  assert.equal(envWins?.summary.sent, 8);
  await stat(join(project, 'env-state.json'));
  const pluginWins = await sendAfterBuild({ ...base, env: { LINKBACK_DRY_RUN: '0' }, options: { ...withoutState, dryRun: true }, failOnError: false });
  assert.equal(pluginWins?.dryRun, true);
  // The config's relative state path is taken from the config file's folder, whatever the current folder.
  const configState = await sendAfterBuild({ ...base, options: { ...withoutState, dryRun: false }, failOnError: false });
  assert.equal(configState?.summary.sent, 8);
  await stat(join(project, 'from-config/state.json'));

  // A typo in the project's config stops the run with the key named, as on the command line.
  await writeFile(join(project, 'linkback.config.json'), JSON.stringify({ concurency: 4 }));
  const bad = await sendAfterBuild({ ...base, options: withoutState, failOnError: false });
  assert.equal(bad, null);
  assert.ok(lines.some((l) => /concurency.*did you mean "concurrency"/.test(l)), lines.join('\n'));
});
