// On a real pseudo-terminal (util-linux `script`): the progress line is drawn on a terminal's stderr, and not
// in CI or with TERM=dumb; colours follow the terminal, NO_COLOR and --no-color; stdout redirected to a
// file gets exactly the JSON document while the terminal shows progress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedWeb } from '../example/web.ts';
import { exampleSite, hasScript, runInPty, simulatedWebArgs } from './fixtures/cli/run.ts';

const skip = hasScript ? false : 'util-linux `script` is not installed';
const PROGRESS = /\d+\/\d+ targets · pages \d+ · posts \d+ · looked up \d+ · sent \d+ · failed \d+/;
/** Select Graphic Rendition with a colour (30–37 foreground), as picocolors writes them. */
const ESC = '\u001b';
const COLOUR = new RegExp(`${ESC}\\[3[0-7]m`);

async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const web = await startSimulatedWeb();
  t.after(() => web.close());
  const dir = await mkdtemp(join(tmpdir(), 'linkback-cli-tty-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  let n = 0;
  return { dir, args: () => ['send', exampleSite, '--state', join(dir, `state-${n++}.json`), ...simulatedWebArgs(web.port)] };
}

test('on a terminal: a progress line, the final count in it, then the coloured table', { skip }, async (t) => {
  const { args } = await setup(t);
  const ran = await runInPty(args());
  assert.equal(ran.code, 1, ran.terminal);
  const drawn = ran.terminal.match(new RegExp(PROGRESS.source, 'g')) ?? [];
  assert.ok(drawn.length >= 1, `progress drawn: ${JSON.stringify(ran.terminal.slice(0, 400))}`);
  assert.match(drawn.at(-1) ?? '', /^10\/10 targets · pages 5 · posts 3 · looked up 5 · sent 8 · failed 1$/);
  assert.ok(ran.terminal.includes('\u001b[?25l') && ran.terminal.includes('\u001b[?25h'), 'the cursor is hidden, then shown again');
  assert.match(ran.terminal, COLOUR);
  assert.match(ran.terminal, /Sent \(8\)/);
  // The line is cleared before the table: the table comes after the last drawing.
  assert.ok(ran.terminal.lastIndexOf('targets · pages') < ran.terminal.indexOf('Failed (1)'));
});

test('stdout to a file keeps exactly the JSON document while the terminal shows progress', { skip }, async (t) => {
  const { args, dir } = await setup(t);
  const file = join(dir, 'report.json');
  const ran = await runInPty([...args(), '--json'], { stdoutFile: file });
  assert.equal(ran.code, 1);
  assert.match(ran.terminal, PROGRESS);
  const text = await readFile(file, 'utf8');
  assert.ok(!text.includes('\u001b'), 'no escape codes in the redirected output');
  assert.equal((JSON.parse(text) as { summary: { sent: number } }).summary.sent, 8);
});

test('no animation in CI or with TERM=dumb, nor with --quiet; colours still follow the terminal', { skip }, async (t) => {
  const { args } = await setup(t);
  for (const [env, extra] of [[{ CI: 'true' }, []], [{ TERM: 'dumb' }, []], [{}, ['--quiet']]] as const) {
    const ran = await runInPty([...args(), ...extra], { env });
    assert.equal(ran.code, 1);
    assert.ok(!PROGRESS.test(ran.terminal), `no progress with ${JSON.stringify(env)} ${extra.join(' ')}`);
    assert.ok(!ran.terminal.includes('\u001b[?25l'), 'the cursor is left alone');
    assert.match(ran.terminal, /Failed \(1\)/);
    if (!('TERM' in env)) assert.match(ran.terminal, COLOUR, 'a terminal gets colours');
  }
});

test('NO_COLOR and --no-color: no colours on a terminal, the progress line still drawn', { skip }, async (t) => {
  const { args } = await setup(t);
  for (const [env, extra] of [[{ NO_COLOR: '1' }, []], [{}, ['--no-color']]] as const) {
    const ran = await runInPty([...args(), ...extra], { env });
    assert.ok(!COLOUR.test(ran.terminal), `no colour with ${JSON.stringify(env)} ${extra.join(' ')}`);
    assert.match(ran.terminal, PROGRESS);
  }
});
