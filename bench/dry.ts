// Benchmark 6, the whole dry run (issue 14): `linkback send --dry-run --quiet` on a 3,000-post site (36 MB, each
// post about 12 KB with 12 arXiv and 12 own-site links in its content), timed as a whole process from spawn to exit,
// start-up included, against the floor measured in the same run: a plain single-thread process that lists the
// files, readFileSync's each and runs htmlparser2's Parser over it (bench/child/floor.ts). Runs are interleaved
// (floor, default threads, 1 thread, --json, floor, …) so that a busy moment falls on all of them alike; medians, and the best run of each.
// Nothing needs the network: the arXiv links map to their endpoint by rule, own-site links are no targets. The live
// check (a GET of each post, on by default) is turned off, as `--no-check-live`: this measures reading the site.
import { join } from 'node:path';
import { dryRunLinks } from './lib/links.ts';
import { generateSite, SITE_URL } from './lib/site.ts';
import { runNode } from './lib/child.ts';
import type { Ran } from './lib/child.ts';
import type { BenchContext } from './lib/context.ts';
import { count, median, megabytes, seconds, table, times } from './lib/report.ts';
import type { Check, Section } from './lib/report.ts';

const POSTS = 3_000;
const GOAL = 1.5;

export async function dryBenchmark(ctx: BenchContext): Promise<Section> {
  const rounds = ctx.quick ? 3 : 5;
  const started = performance.now();
  const site = await generateSite(join(ctx.out, `dry-${POSTS}`), { posts: POSTS, seed: 1, postBytes: 11_000, links: dryRunLinks(POSTS), linksKey: 'dry-arxiv-12-own-12', feed: false });
  ctx.log(`dry: site of ${count(POSTS)} posts ${site.reused ? 'reused' : `generated in ${seconds(performance.now() - started)}`} (${count(site.pages)} pages, ${megabytes(site.bytes / 2 ** 20)})`);

  const send = (...extra: string[]): string[] => [
    join(ctx.build, 'src', 'cli', 'bin.js'), 'send', site.root, '--site-url', SITE_URL, '--dry-run', '--quiet', '--no-check-live',
    // A fresh, absent state: every pair is planned as new. Should anything try the network, it meets a closed port.
    '--state', join(ctx.out, 'dry-state', 'none.json'), '--allow-private', '--connect-to', '*=127.0.0.1:9', ...extra,
  ];
  const subjects = [
    { key: 'floor', label: 'floor: one thread, readFileSync + htmlparser2 Parser', args: [join(ctx.build, 'bench', 'child', 'floor.js'), site.root] },
    { key: 'dry', label: `linkback send --dry-run --quiet (default: ${Math.min(ctx.cores, 8)} threads)`, args: send() },
    { key: 'dry1', label: 'linkback send --dry-run --quiet --workers 1', args: send('--workers', '1') },
    { key: 'json', label: 'linkback send --dry-run --json (every row printed)', args: send('--json') },
  ];
  const runs = new Map<string, Ran[]>(subjects.map((s) => [s.key, []]));
  for (let round = 0; round < rounds; round++) {
    for (const subject of subjects) {
      const ran = await runNode(ctx.build, subject.args, { cwd: ctx.repo });
      // Exit code 0: nothing failed (a dry run fails nothing, and sends nothing).
      if (ran.code !== 0) throw new Error(`bench dry: ${subject.key} exited ${ran.code}:\n${ran.stderr.slice(-1500)}`);
      runs.get(subject.key)?.push(ran);
    }
    ctx.log(`dry: round ${round + 1}: ${subjects.map((s) => `${s.key} ${seconds(runs.get(s.key)?.at(-1)?.wallMs ?? NaN)}`).join(', ')}`);
  }
  const wall = (key: string) => median((runs.get(key) ?? []).map((r) => r.wallMs));
  const cpu = (key: string) => median((runs.get(key) ?? []).map((r) => r.cpuMs));
  const rss = (key: string) => median((runs.get(key) ?? []).map((r) => r.maxRssMb));
  const best = (key: string) => Math.min(...(runs.get(key) ?? []).map((r) => r.wallMs));
  const floor = wall('floor');
  const summary = (runs.get('dry')?.[0]?.stdout ?? '').trim().split('\n').pop() ?? '';
  // Met only when both the medians and the best runs say so. On a shared machine one slow floor run (a neighbour's
  // burst: the floor is the shortest process here, so a burst weighs most on it) moved the median ratio from 1.9x to
  // 1.49x once; the best run of each is what the machine can do when nothing disturbs it, and a lucky moment for the
  // floor's median cannot then pass the goal alone.
  const medianRatio = wall('dry') / floor;
  const bestRatio = best('dry') / best('floor');
  const checks: Check[] = [
    {
      name: 'send --dry-run --quiet, whole command, default threads', target: `<= ${GOAL}x the floor (medians and best runs)`,
      measured: `${seconds(wall('dry'))} (${times(medianRatio)}; best runs ${seconds(best('dry'))} / ${seconds(best('floor'))}: ${times(bestRatio)})`,
      ok: medianRatio <= GOAL && bestRatio <= GOAL,
    },
  ];
  return {
    title: `Whole dry run: ${count(POSTS)} posts, ${megabytes(site.bytes / 2 ** 20)}, 12 arXiv + 12 own-site links a post`,
    body: [
      `Each a whole process, spawn to exit, start-up included; median of ${rounds}, interleaved; the compiled build (bench/out/build). ${count(site.pages)} pages.`,
      table(['subject', 'wall', 'cpu', 'ratio to the floor', 'best run', 'best to best', 'peak RSS'], subjects.map((s) => [s.label, seconds(wall(s.key)), seconds(cpu(s.key)), times(wall(s.key) / floor), seconds(best(s.key)), times(best(s.key) / best('floor')), megabytes(rss(s.key))])),
      `The dry run's summary: ${summary}`,
    ],
    checks,
    data: Object.fromEntries(subjects.map((s) => [s.key, (runs.get(s.key) ?? []).map((r) => ({ wallMs: r.wallMs, cpuMs: r.cpuMs, maxRssMb: r.maxRssMb }))])),
  };
}
