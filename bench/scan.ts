// Benchmark 1, the scan: read a built site, classify its pages, take each post's content links and map
// the arXiv ones, with no network involved (arXiv and same-site links only). Measured against a baseline
// in the same run: reading every file and tokenizing it with htmlparser2, nothing else. Then peak RSS as
// the site grows, each size in a fresh process: it must stay flat.
import { join } from 'node:path';
import { scanLinks } from './lib/links.ts';
import { generateSite, SITE_URL } from './lib/site.ts';
import type { GeneratedSite } from './lib/site.ts';
import { lastJson, runNode } from './lib/child.ts';
import type { BenchContext } from './lib/context.ts';
import { count, median, megabytes, seconds, table, times } from './lib/report.ts';
import type { Check, Section } from './lib/report.ts';

interface ScanRun {
  mode: string;
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  pages: number;
  bytes: number;
  posts: number;
  targets: number;
  arxiv: number;
  /** Mode live: the calling thread's live heap after a full collection, at 500 pages and at the last sample. */
  liveFirstMb?: number;
  liveLastMb?: number;
}

interface SendRun {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  summary: { pages: number; posts: number; targets: number; dryRun: number };
  results: number;
}

export async function scanBenchmark(ctx: BenchContext): Promise<Section> {
  const main = ctx.quick ? 1_000 : 10_000;
  const sizes = ctx.quick ? [500, 1_000, 2_000] : [1_000, 10_000, 50_000];
  const reps = ctx.quick ? 2 : 3;
  const sites = new Map<number, GeneratedSite>();
  for (const posts of sizes) {
    const started = performance.now();
    const site = await generateSite(join(ctx.out, `scan-${posts}`), { posts, seed: 1, postBytes: 20_000, links: scanLinks(posts), linksKey: 'scan-arxiv-local', feed: false });
    ctx.log(`scan: site of ${count(posts)} posts ${site.reused ? 'reused' : `generated in ${seconds(performance.now() - started)}`} (${count(site.pages)} pages, ${megabytes(site.bytes / 2 ** 20)})`);
    sites.set(posts, site);
  }
  const mainSite = sites.get(main) as GeneratedSite;
  const script = join(ctx.build, 'bench', 'child', 'scan.js');
  const scan = async (args: string[]): Promise<ScanRun> => lastJson<ScanRun>(await runNode(ctx.build, [script, ...args]));
  const live = async (root: string): Promise<ScanRun> => lastJson<ScanRun>(await runNode(ctx.build, ['--expose-gc', script, 'live', root, String(ctx.cores)]));
  const dryRun = async (site: GeneratedSite): Promise<SendRun> => {
    const options = {
      site: site.root, siteUrl: SITE_URL, dryRun: true, state: join(ctx.out, 'scan-state', 'none.json'),
      // Nothing here needs the network; should anything try, it meets a closed local port. The live check (a GET
      // of each post, on by default, in dry runs too) is left out: this measures reading the site.
      allowPrivate: true, connectTo: { '*': '127.0.0.1:9' }, checkLive: false,
    };
    return lastJson<SendRun>(await runNode(ctx.build, [join(ctx.build, 'bench', 'child', 'send.js'), JSON.stringify(options)]));
  };

  // What parallelism the machine gives right now: worker speed-ups can only be read against it.
  const cores = async (): Promise<number> => lastJson<{ effective: number }>(await runNode(ctx.build, [join(ctx.build, 'bench', 'child', 'cores.js'), String(ctx.cores), '1000'])).effective;
  const effective = [await cores()];
  ctx.log(`scan: ${ctx.cores} threads spinning at once do the work of ${(effective[0] ?? NaN).toFixed(2)} (effective cores now)`);

  // Interleaved, so that noise from the rest of the machine falls on every subject alike; medians.
  const subjects: Array<{ key: string; label: string; args: string[] }> = [
    { key: 'tokenizer', label: 'baseline: read + htmlparser2 Tokenizer', args: ['tokenizer', mainSite.root] },
    { key: 'parser', label: 'baseline: read + htmlparser2 Parser (no handlers)', args: ['parser', mainSite.root] },
    { key: 'scan1', label: 'linkback scan, 1 thread', args: ['scan', mainSite.root, '1'] },
    { key: 'scanN', label: `linkback scan, ${ctx.cores} threads (calling + ${ctx.cores - 1} worker${ctx.cores === 2 ? '' : 's'})`, args: ['scan', mainSite.root, String(ctx.cores)] },
  ];
  const runs = new Map<string, ScanRun[]>(subjects.map((s) => [s.key, []]));
  const dry: SendRun[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (const subject of subjects) {
      // The Parser baseline is for reference only: once is enough (the run must fit in 10 minutes).
      if (subject.key === 'parser' && rep > 0) continue;
      const run = await scan(subject.args);
      runs.get(subject.key)?.push(run);
      ctx.log(`scan ${count(main)} posts, ${subject.label}: ${seconds(run.wallMs)} (cpu ${seconds(run.cpuMs)}, ${megabytes(run.maxRssMb)})`);
    }
    const run = await dryRun(mainSite);
    dry.push(run);
    ctx.log(`scan ${count(main)} posts, send --dry-run: ${seconds(run.wallMs)} (cpu ${seconds(run.cpuMs)}, ${megabytes(run.maxRssMb)})`);
  }
  effective.push(await cores());
  ctx.log(`scan: effective cores now ${(effective[1] ?? NaN).toFixed(2)}`);
  const wall = (key: string) => median((runs.get(key) ?? []).map((r) => r.wallMs));
  const cpu = (key: string) => median((runs.get(key) ?? []).map((r) => r.cpuMs));
  const rss = (key: string) => median((runs.get(key) ?? []).map((r) => r.maxRssMb));
  const base = wall('tokenizer');
  const baseParser = wall('parser');
  const sample = runs.get('scan1')?.[0];
  const dryWall = median(dry.map((r) => r.wallMs));
  const rows = subjects.map((s) => [s.label, seconds(wall(s.key)), seconds(cpu(s.key)), times(wall(s.key) / base), times(wall(s.key) / baseParser), megabytes(rss(s.key))]);
  rows.push([`linkback send --dry-run (send(), rows held as the CLI's table does, default threads)`, seconds(dryWall), seconds(median(dry.map((r) => r.cpuMs))), times(dryWall / base), times(dryWall / baseParser), megabytes(median(dry.map((r) => r.maxRssMb)))]);

  // Peak RSS as the site grows, one fresh process per size.
  const growth: Array<{ posts: number; pages: number; mb: number; scanN: ScanRun; dry: SendRun; live: ScanRun }> = [];
  for (const posts of sizes) {
    const site = sites.get(posts) as GeneratedSite;
    const scanN = posts === main ? (runs.get('scanN')?.[0] as ScanRun) : await scan(['scan', site.root, String(ctx.cores)]);
    const dryRunOnce = posts === main ? (dry[0] as SendRun) : await dryRun(site);
    // What the scan holds, as opposed to garbage not collected yet (peak RSS counts both).
    const liveRun = await live(site.root);
    ctx.log(`scan ${count(posts)} posts: scan ${seconds(scanN.wallMs)} / ${megabytes(scanN.maxRssMb)}, send --dry-run ${seconds(dryRunOnce.wallMs)} / ${megabytes(dryRunOnce.maxRssMb)}`);
    growth.push({ posts, pages: site.pages, mb: site.bytes / 2 ** 20, scanN, dry: dryRunOnce, live: liveRun });
  }
  const first = growth[0];
  const last = growth[growth.length - 1];
  const scanGrowth = last && first ? last.scanN.maxRssMb / first.scanN.maxRssMb : NaN;
  const dryGrowth = last && first ? last.dry.maxRssMb / first.dry.maxRssMb : NaN;
  const peakScan = Math.max(...growth.map((g) => g.scanN.maxRssMb));
  const peakDry = Math.max(...growth.map((g) => g.dry.maxRssMb));

  const checks: Check[] = [
    { name: `scan time, ${count(main)} posts, ${ctx.cores} threads`, target: '<= 1.5x baseline (Tokenizer)', measured: times(wall('scanN') / base), ok: wall('scanN') / base <= 1.5 },
    { name: `scan time, ${count(main)} posts, 1 thread`, target: '<= 1.5x baseline (Tokenizer)', measured: times(wall('scan1') / base), ok: wall('scan1') / base <= 1.5 },
    { name: 'send --dry-run time', target: '<= 1.5x baseline (Tokenizer)', measured: times(dryWall / base), ok: dryWall / base <= 1.5 },
    { name: 'scan peak RSS, every size', target: '< 300 MB', measured: megabytes(peakScan), ok: peakScan < 300 },
    { name: `scan peak RSS, ${count(first?.posts ?? 0)} -> ${count(last?.posts ?? 0)} posts`, target: 'flat (<= 1.25x)', measured: times(scanGrowth), ok: scanGrowth <= 1.25 },
    { name: 'send --dry-run peak RSS, every size', target: '< 300 MB', measured: megabytes(peakDry), ok: peakDry < 300 },
    { name: `send --dry-run peak RSS, ${count(first?.posts ?? 0)} -> ${count(last?.posts ?? 0)} posts`, target: 'flat (<= 1.25x)', measured: times(dryGrowth), ok: dryGrowth <= 1.25 },
  ];
  return {
    title: 'Scan',
    body: [
      `Site: ${count(main)} posts (${count(mainSite.pages)} pages, ${megabytes(mainSite.bytes / 2 ** 20)} of HTML; ${sample ? `${count(sample.targets)} targets of which ${count(sample.arxiv)} arXiv` : ''}), median of ${reps} runs (the Parser baseline: one), each in a fresh process. ` +
        `Parallelism available (${ctx.cores} threads spinning at once, before and after): ${effective.map((e) => e.toFixed(2)).join(' and ')} cores' worth.`,
      table(['subject', 'wall', 'cpu', 'vs Tokenizer', 'vs Parser', 'peak RSS'], rows),
      'Peak RSS as the site grows (fresh process per size):',
      table(['posts', 'pages', 'HTML', `scan (${ctx.cores} threads)`, 'scan RSS', 'scan live heap (500 pages -> last)', 'send --dry-run', 'dry-run RSS', 'dry-run results held'],
        growth.map((g) => [count(g.posts), count(g.pages), megabytes(g.mb), seconds(g.scanN.wallMs), megabytes(g.scanN.maxRssMb), liveText(g.live), seconds(g.dry.wallMs), megabytes(g.dry.maxRssMb), count(g.dry.results)])),
      'Live heap: the calling thread\'s heap after a full collection, sampled every 500 pages in a separate run (node --expose-gc); what the scan holds, without the garbage that peak RSS also counts.',
    ],
    checks,
    data: { main, effectiveCores: effective, runs: Object.fromEntries(runs), dry, growth },
  };
}

function liveText(run: ScanRun): string {
  if (run.liveFirstMb === undefined || run.liveLastMb === undefined) return '-';
  return `${megabytes(run.liveFirstMb)} -> ${megabytes(run.liveLastMb)}`;
}
