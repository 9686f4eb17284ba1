// The performance benchmarks of linkback, each measured against a baseline in the same run.
//   npm run bench                      all six, full sizes (under 10 minutes on 2 cores)
//   npm run bench -- --quick           smaller sizes, fewer repetitions (about 2 minutes)
//   npm run bench -- --only scan,versus
// Results are printed as they come, and written to bench/out/results.md and bench/out/results.json.
// See bench/README.md for what each one measures and how to read it.
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from './lib/build.ts';
import type { BenchContext } from './lib/context.ts';
import { renderChecks } from './lib/report.ts';
import type { Section } from './lib/report.ts';
import { coldBenchmark } from './cold.ts';
import { dryBenchmark } from './dry.ts';
import { networkBenchmarks } from './network.ts';
import { receiveBenchmarks } from './receive.ts';
import { receiveServerBenchmark, receiveVerifyBenchmark } from './receive-verify.ts';
import { scanBenchmark } from './scan.ts';
import { versusBenchmark } from './versus.ts';

/** Each runs in the order given; "network" includes the incremental re-run, which continues from its full send. */
const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<Section[]>> = {
  scan: async (ctx) => [await scanBenchmark(ctx)],
  network: networkBenchmarks,
  versus: async (ctx) => [await versusBenchmark(ctx)],
  cold: async (ctx) => [await coldBenchmark(ctx)],
  dry: async (ctx) => [await dryBenchmark(ctx)],
  'receive-verify': async (ctx) => [await receiveVerifyBenchmark(ctx), await receiveServerBenchmark(ctx)],
  receive: receiveBenchmarks,
};
const ALIASES: Record<string, string> = { incremental: 'network' };

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run bench [-- --quick] [--only scan,network,incremental,versus,cold,dry,receive-verify,receive]');
  process.exit(0);
}
const selected = values.only ? [...new Set(values.only.split(',').map((s) => ALIASES[s.trim()] ?? s.trim()))] : Object.keys(BENCHMARKS);
for (const name of selected) if (!BENCHMARKS[name]) throw new Error(`unknown benchmark "${name}" (known: ${Object.keys(BENCHMARKS).join(', ')})`);

const repo = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const out = join(repo, 'bench', 'out');
const started = performance.now();
const log = (line: string) => console.log(`  [${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);
const machine = `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, Node ${process.version}, ${process.platform}`;
console.log(`linkback benchmarks${values.quick ? ' (quick)' : ''}\nmachine: ${machine}\n`);
log('compiling src/ and bench/child/ into bench/out/build');
const ctx: BenchContext = { repo, build: build(repo), out, quick: values.quick, cores: availableParallelism(), log };

const sections: Section[] = [];
for (const name of selected) {
  console.log(`\n== ${name} ==`);
  for (const section of await (BENCHMARKS[name] as (ctx: BenchContext) => Promise<Section[]>)(ctx)) {
    sections.push(section);
    console.log(`\n### ${section.title}\n\n${section.body.join('\n\n')}\n\n${renderChecks(section.checks)}\n`);
  }
}

const total = (performance.now() - started) / 1000;
const markdown = [
  `Machine: ${machine}. Command: \`npm run bench${values.quick ? ' -- --quick' : ''}\`, ${new Date().toISOString().slice(0, 10)}, ${total.toFixed(0)} s in all.`,
  ...sections.map((s) => `### ${s.title}\n\n${s.body.join('\n\n')}\n\n${renderChecks(s.checks)}`),
].join('\n\n');
writeFileSync(join(out, 'results.md'), `${markdown}\n`);
writeFileSync(join(out, 'results.json'), JSON.stringify({ machine, quick: values.quick, seconds: total, sections }, null, 2));
const missed = sections.flatMap((s) => s.checks.filter((c) => !c.ok).map((c) => `${s.title}: ${c.name} (${c.measured}, goal ${c.target})`));
console.log(`\n${sections.flatMap((s) => s.checks).length - missed.length} targets met, ${missed.length} missed${missed.length ? `:\n  ${missed.join('\n  ')}` : ''}`);
console.log(`done in ${total.toFixed(0)} s; results in bench/out/results.md and bench/out/results.json`);
