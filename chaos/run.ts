// `npm run chaos`: the full fault-injection run (see test/fixtures/chaos/harness.ts), with its figures.
//   npm run chaos -- [--seed N] [--targets N] [--rounds N] [--keep] [--bin dist/cli/bin.js]
// Exits 1 when a promise broke (a duplicate, a notification lost, a state that did not load, ...).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { FULL, brokenPromises, formatFigures, runChaos } from '../test/fixtures/chaos/harness.ts';
import { freshSeed } from '../test/fixtures/chaos/random.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    targets: { type: 'string' },
    rounds: { type: 'string' },
    keep: { type: 'boolean', default: false },
    bin: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const number = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`chaos: --${name} must be a whole number, got ${value}`);
    process.exit(2);
  }
  return n;
};

const seed = number(values.seed, freshSeed(), 'seed');
const targets = number(values.targets, FULL.targets, 'targets');
const rounds = number(values.rounds, FULL.rounds, 'rounds');
console.log(`chaos: seed ${seed}, ${targets} targets, ${rounds} kill rounds`);
const figures = await runChaos({ ...FULL, seed, targets, rounds, keep: values.keep, ...(values.bin ? { bin: resolve(values.bin) } : {}), ...(values.quiet ? {} : { log: (line) => console.log(`  ${line}`) }) });
console.log(formatFigures(figures));
for (const problem of figures.problems) console.log(`  problem: ${problem}`);
const broken = brokenPromises(figures);
if (broken.length > 0) {
  console.log(`chaos: BROKEN: ${broken.join(', ')}`);
  process.exitCode = 1;
} else {
  console.log('chaos: every promise held');
}
