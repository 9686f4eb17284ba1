// Benchmark 5, cold start: what a person waits for before linkback does anything. `linkback --version`, and
// importing the Eleventy plugin and the Astro integration (which every build of such a site pays, also
// `eleventy --serve`, where the plugin then does nothing), each against the floor measured in the same run:
// `node -e 0`, a Node.js process that loads nothing. Runs are interleaved (floor, version, eleventy, astro,
// floor, …) so a busy moment of the machine falls on all of them alike; the median of each is compared.
// Then a whole `send` of 100 posts with 200 targets, against local servers answering in 1 ms, start to exit, and
// beside it, in the same rounds, its floor (bench/child/send-floor.ts): the same wire and parse work done the
// plainest single-thread way, start-up included, with no politeness, importing nothing of linkback.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runNode } from './lib/child.ts';
import type { BenchContext } from './lib/context.ts';
import { median, seconds, table, times } from './lib/report.ts';
import type { Check, Section } from './lib/report.ts';
import { startWeb } from './lib/web.ts';
import type { WebStats } from './lib/web.ts';
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

  // A small whole run, start-up included: 100 posts citing 200 pages on 200 hosts (one each) answering in 1 ms,
  // and the blog itself served too, so that the live check of each post (a GET of its public URL before its
  // notifications go out, on by default) finds it deployed and every notification really goes out. Twice per
  // round: with the built-in pacing (100 ms between two request starts to one host, here the discovery GET and
  // the notification POST of each target), and with the pacing of the 200 loopback hosts set to 0 as a user can
  // (`--host-interval host=0`, or `hosts` in the config): the product keeps its pacing for every real host.
  const web = await startWeb(ctx.build, { hosts: 200, latencyMs: 1, pageBytes: 5_000, siteRoot: join(ctx.out, 'cold-site') });
  const variants = [
    { key: 'paced', label: 'built-in pacing (100 ms per host)', extra: [] as string[] },
    { key: 'unpaced', label: 'the 200 loopback hosts at --host-interval 0', extra: Array.from({ length: web.hosts }, (_, i) => ['--host-interval', `${web.host(i)}=0`]).flat() },
  ];
  const sendMs = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  const sendCpuMs = new Map<string, number[]>(variants.map((v) => [v.key, []]));
  const floorMs: number[] = [];
  const floorCpuMs: number[] = [];
  // Notifications each run sent, as the servers saw them: the floor must send exactly what the send does.
  const notified = new Map<string, number[]>([['floor', []], ...variants.map((v) => [v.key, []] as [string, number[]])]);
  let wire: WebStats | null = null;
  let floorOut = '';
  try {
    const { site } = await generateWebSite(ctx.out, 'cold-site', web, 100, 2, false);
    const siteUrl = `http://blog.example:${web.sitePort}/`;
    const stateDir = join(ctx.out, 'cold-state');
    const connectTo = { 'blog.example': `127.0.0.1:${web.sitePort}`, ...web.connectTo() };
    /** Every run must do the whole job: each post checked live once, each target fetched once, no stray. */
    const checkWire = async (who: string): Promise<WebStats> => {
      const seen = await web.stats();
      if (seen.siteGets !== 100 || seen.gets !== 200 || seen.posts === 0 || seen.strays !== 0) {
        throw new Error(`bench cold: the ${who} did not go as planned (${seen.siteGets} live checks, ${seen.gets} GET, ${seen.posts} POST, ${seen.strays} strays)`);
      }
      notified.get(who)?.push(seen.posts);
      return seen;
    };
    for (let round = 0; round < (ctx.quick ? 3 : 5); round++) {
      await web.reset();
      const floorRan = await runNode(ctx.build, [join(ctx.build, 'bench', 'child', 'send-floor.js'), site.root, siteUrl, JSON.stringify(connectTo)], { cwd: ctx.repo });
      if (floorRan.code !== 0) throw new Error(`bench cold: the send floor exited ${floorRan.code}:\n${floorRan.stderr.slice(-1500)}`);
      floorMs.push(floorRan.wallMs);
      floorCpuMs.push(floorRan.cpuMs);
      floorOut = floorRan.stdout.trim();
      wire = await checkWire('floor');
      for (const variant of variants) {
        rmSync(stateDir, { recursive: true, force: true });
        mkdirSync(stateDir, { recursive: true });
        await web.reset();
        const ran = await runNode(ctx.build, [
          join(ctx.build, 'src', 'cli', 'bin.js'), 'send', site.root, '--site-url', siteUrl, '--state', join(stateDir, 'state.json'), '--quiet',
          '--allow-private', '--connect-to', `blog.example=127.0.0.1:${web.sitePort}`,
          ...Object.entries(web.connectTo()).flatMap(([host, to]) => ['--connect-to', `${host}=${to}`]), ...variant.extra,
        ], { cwd: ctx.repo });
        if (ran.code !== 0) throw new Error(`bench cold: send exited ${ran.code}:\n${ran.stderr.slice(-1500)}`);
        sendMs.get(variant.key)?.push(ran.wallMs);
        sendCpuMs.get(variant.key)?.push(ran.cpuMs);
        wire = await checkWire(variant.key);
      }
      ctx.log(`cold: send round ${round + 1}: floor ${seconds(floorMs.at(-1) ?? NaN)}, ${variants.map((v) => `${v.key} ${seconds(sendMs.get(v.key)?.at(-1) ?? NaN)}`).join(', ')}`);
    }
  } finally {
    await web.close();
  }
  // The same notifications from every run, the floor's included: else the floor did other work than the send.
  const postCounts = new Set([...notified.values()].flat());
  if (postCounts.size !== 1) throw new Error(`bench cold: the floor and the send sent different notifications: ${JSON.stringify(Object.fromEntries(notified))}`);
  const sendFloor = median(floorMs);
  const sendFloorCpu = median(floorCpuMs);
  const floorNote = `send floor (bench/child/send-floor.ts): ${seconds(sendFloor)} wall, ${seconds(sendFloorCpu)} CPU, median of ${floorMs.length}; ` +
    `the 0.6 s goal is ${sendFloor > 600 ? 'BELOW it: the plainest single-thread Node process took longer for the same work here' : 'above it: a plain Node process does the same work within the goal here'}`;
  ctx.log(`cold: ${floorNote}`);
  const paced = median(sendMs.get('paced') ?? []);
  const unpaced = median(sendMs.get('unpaced') ?? []);
  const send = Math.min(paced, unpaced);
  const checks: Check[] = subjects.slice(1).map((s, i) => {
    const ratio = (medians[i + 1] ?? NaN) / floor;
    return { name: s.name, target: `<= ${s.goal}x the floor`, measured: `${seconds(medians[i + 1] ?? NaN)} (${times(ratio)})`, ok: ratio <= (s.goal ?? 0) };
  });
  checks.push({ name: 'send, 100 posts / 200 targets, 1 ms answers, built-in pacing', target: '<= 0.60 s', measured: `${seconds(paced)} (${times(paced / floor)} the floor)`, ok: paced <= 600 });
  checks.push({ name: 'send, 100 posts / 200 targets, 1 ms answers, loopback hosts unpaced', target: '<= 0.60 s', measured: `${seconds(unpaced)} (${times(unpaced / floor)} the floor)`, ok: unpaced <= 600 });
  return {
    title: 'Cold start',
    body: [
      `Median of ${rounds} fresh processes each, interleaved; the compiled build (bench/out/build), as users run it.`,
      table(['what', 'median', 'ratio to the floor'], subjects.map((s, i) => [s.name, seconds(medians[i] ?? NaN), times((medians[i] ?? NaN) / floor)])),
      `A whole \`linkback send --quiet\` of 100 posts (200 targets on 200 hosts answering in 1 ms, the blog served for the live check, a fresh state each time), median of ${sendMs.get('paced')?.length ?? 0} each:`,
      table(['run', 'median', 'ratio to the floor', 'cpu', 'ratio to the send floor'], [
        ['send floor: node:http + htmlparser2, no politeness', seconds(sendFloor), times(sendFloor / floor), seconds(sendFloorCpu), times(1)],
        ...variants.map((v) => [v.label, seconds(median(sendMs.get(v.key) ?? [])), times(median(sendMs.get(v.key) ?? []) / floor), seconds(median(sendCpuMs.get(v.key) ?? [])), times(median(sendMs.get(v.key) ?? []) / sendFloor)]),
      ]),
      `The ${floorNote}. The floor read: ${floorOut}.`,
      `On the wire, last run: ${wire?.siteGets ?? 0} live checks of the blog, ${wire?.gets ?? 0} discovery GETs, ${wire?.posts ?? 0} notifications. With the pacing on, each target's host waits 100 ms between its GET and its POST: the run cannot be shorter than that plus start-up.`,
    ],
    checks,
    data: { floorMs: floor, medians: Object.fromEntries(subjects.map((s, i) => [s.name, medians[i]])), sendMs: Object.fromEntries(sendMs), sendCpuMs: Object.fromEntries(sendCpuMs), sendFloorMs: floorMs, sendFloorCpuMs: floorCpuMs, bestSendMs: send, wire },
  };
}
