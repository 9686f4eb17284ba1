// Benchmark 5, cold start: what a person waits for before linkback does anything. `linkback --version`, and
// importing the Eleventy plugin and the Astro integration (which every build of such a site pays, also
// `eleventy --serve`, where the plugin then does nothing), each against the floor measured in the same run:
// `node -e 0`, a Node.js process that loads nothing. Runs are interleaved (floor, version, eleventy, astro,
// floor, …) so a busy moment of the machine falls on all of them alike; the median of each is compared.
// Then a whole `send` of 100 posts with 200 targets, against local servers answering in 1 ms, start to exit.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runNode } from './lib/child.ts';
import type { BenchContext } from './lib/context.ts';
import { median, seconds, table, times } from './lib/report.ts';
import type { Check, Section } from './lib/report.ts';
import { SITE_URL } from './lib/site.ts';
import { startWeb } from './lib/web.ts';
import { generateWebSite } from './lib/web-site.ts';

/** Wall time of one process from spawn to exit, in ms (no probe preloaded: it would be part of what is measured). */
function timed(args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, stdio: 'ignore' });
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`bench cold: ${args.join(' ')} exited ${code}`)))));
}

export async function coldBenchmark(ctx: BenchContext): Promise<Section> {
  const rounds = ctx.quick ? 5 : 9;
  const importOf = (file: string) => ['--input-type=module', '-e', `await import(${JSON.stringify(join(ctx.build, 'src', 'integrations', file))})`];
  const subjects = [
    { name: 'node -e 0 (the floor)', args: ['-e', '0'] },
    { name: 'linkback --version', args: [join(ctx.build, 'src', 'cli', 'bin.js'), '--version'], goal: 2 },
    { name: "import('linkback/eleventy')", args: importOf('eleventy.js'), goal: 1.5 },
    { name: "import('linkback/astro')", args: importOf('astro.js'), goal: 1.5 },
  ];
  const samples = subjects.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, subject] of subjects.entries()) samples[i]?.push(await timed(subject.args, ctx.repo));
  }
  const medians = samples.map(median);
  const floor = medians[0] ?? NaN;
  ctx.log(`cold: floor ${seconds(floor)}; ${subjects.slice(1).map((s, i) => `${s.name} ${times((medians[i + 1] ?? NaN) / floor)}`).join(', ')}`);

  // A small whole run, start-up included.
  // 200 hosts, one target each: per-host pacing (src/ratelimit/) is not what this measures.
  const web = await startWeb(ctx.build, { hosts: 200, latencyMs: 1, pageBytes: 5_000 });
  let sendMs: number[] = [];
  try {
    const { site } = await generateWebSite(ctx.out, 'cold-site', web, 100, 2, false);
    const stateDir = join(ctx.out, 'cold-state');
    sendMs = [];
    for (let round = 0; round < (ctx.quick ? 3 : 5); round++) {
      rmSync(stateDir, { recursive: true, force: true });
      mkdirSync(stateDir, { recursive: true });
      await web.reset();
      const ran = await runNode(ctx.build, [
        join(ctx.build, 'src', 'cli', 'bin.js'), 'send', site.root, '--site-url', SITE_URL, '--state', join(stateDir, 'state.json'), '--quiet',
        '--allow-private', ...Object.entries(web.connectTo()).flatMap(([host, to]) => ['--connect-to', `${host}=${to}`]),
      ], { cwd: ctx.repo });
      if (ran.code !== 0) throw new Error(`bench cold: send exited ${ran.code}:\n${ran.stderr.slice(-1500)}`);
      sendMs.push(ran.wallMs);
    }
  } finally {
    await web.close();
  }
  const send = median(sendMs);
  const checks: Check[] = subjects.slice(1).map((s, i) => {
    const ratio = (medians[i + 1] ?? NaN) / floor;
    return { name: s.name, target: `<= ${s.goal}x the floor`, measured: `${seconds(medians[i + 1] ?? NaN)} (${times(ratio)})`, ok: ratio <= (s.goal ?? 0) };
  });
  checks.push({ name: 'send, 100 posts / 200 targets, 1 ms answers', target: '<= 0.60 s', measured: `${seconds(send)} (${times(send / floor)} the floor)`, ok: send <= 600 });
  return {
    title: 'Cold start',
    body: [
      `Median of ${rounds} fresh processes each, interleaved; the compiled build (bench/out/build), as users run it.`,
      table(['what', 'median', 'ratio to the floor'], subjects.map((s, i) => [s.name, seconds(medians[i] ?? NaN), times((medians[i] ?? NaN) / floor)])),
      `A whole \`linkback send --quiet\` of 100 posts (200 targets on 200 hosts answering in 1 ms, a fresh state each time), median of ${sendMs.length}: ${seconds(send)}.`,
    ],
    checks,
    data: { floorMs: floor, medians: Object.fromEntries(subjects.map((s, i) => [s.name, medians[i]])), sendMs },
  };
}
