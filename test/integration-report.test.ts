// What the generator integrations log (src/integrations/report.ts), from real runs of the example site against
// the simulated web: one line per notification worth a look, warnings for failures, the summary last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { send } from '../src/index.ts';
import type { OptionsInput } from '../src/index.ts';
import { reportLines } from '../src/integrations/report.ts';
import { startSimulatedWeb } from '../example/web.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const POST1 = 'https://blog.example.org/2026/10/02/attention-is-all-you-need/';
const POST2 = 'https://blog.example.org/2026/10/20/old-and-new-arxiv-ids/';

async function setup(t: { after: (fn: () => Promise<void>) => void }): Promise<OptionsInput> {
  const web = await startSimulatedWeb();
  const dir = await mkdtemp(join(tmpdir(), 'linkback-report-'));
  t.after(async () => {
    await web.close();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    site: join(root, 'example/site'),
    state: join(dir, 'state.json'),
    connectTo: { '*': `127.0.0.1:${web.port}` },
    allowPrivate: true,
    arxivEndpoint: 'http://arxiv.org/trackback/{id}',
    retries: 0,
  };
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
