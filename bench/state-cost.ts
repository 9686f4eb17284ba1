// What one put() costs with 10 records in the state and with 100,000: it should be the same (one journal
// append + fdatasync), never a rewrite of the whole file.
//   node --import tsx bench/state-cost.ts [folder]      (default: the OS temp folder; fsync cost depends on it)
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openState } from '../src/state/store.ts';
import type { StateStore } from '../src/state/store.ts';
import { serializeSnapshot } from '../src/state/format.ts';
import type { NotificationRecord } from '../src/state/format.ts';

const BLOCK = 250; // puts per timed block
const REPS = 8; // blocks per size, interleaved between the sizes so that machine noise hits both alike
const CONCURRENT = 16;
const SIZES = [10, 100_000];

function record(n: number): NotificationRecord {
  return {
    source: `https://blog.example/${Math.floor(n / 10)}/`, target: `https://target${n}.example/a/long/enough/path`,
    protocol: 'webmention', endpoint: `https://target${n}.example/webmention`, status: 'sent', code: 'ok',
    message: 'accepted', at: new Date(1_700_000_000_000 + n).toISOString(), attempts: 1, retryable: false, httpStatus: 202,
  };
}

interface Subject { existing: number; store: StateStore; next: number; openMs: number; sequential: number[]; concurrent: number[] }

async function open(root: string, existing: number): Promise<Subject> {
  const path = join(await mkdtemp(join(root, 'linkback-bench-')), 'state.json');
  await writeFile(path, serializeSnapshot({ posts: [], notifications: Array.from({ length: existing }, (_, i) => record(i)) }));
  const start = performance.now();
  const store = await openState(path);
  return { existing, store, next: existing, openMs: performance.now() - start, sequential: [], concurrent: [] };
}

/** ms per put over one block: one at a time, or with `parallel` puts in flight (they share fsyncs). */
async function block(subject: Subject, parallel: number): Promise<number> {
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < BLOCK; i++) {
    const put = subject.store.put(record(subject.next++)).finally(() => inFlight.delete(put));
    inFlight.add(put);
    if (inFlight.size >= parallel) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  return (performance.now() - start) / BLOCK;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

const root = process.argv[2] ?? tmpdir();
const subjects: Subject[] = [];
for (const size of SIZES) subjects.push(await open(root, size));
for (const subject of subjects) await block(subject, 1); // warm up
for (let rep = 0; rep < REPS; rep++) {
  for (const subject of subjects) {
    subject.sequential.push(await block(subject, 1));
    subject.concurrent.push(await block(subject, CONCURRENT));
  }
}
const closeMs: number[] = [];
for (const subject of subjects) {
  const start = performance.now();
  await subject.store.close(); // one compaction: paid once per max(1000, records in the snapshot) puts
  closeMs.push(performance.now() - start);
  await rm(dirname(subject.store.path), { recursive: true, force: true });
}

const [small, large] = subjects;
if (!small || !large) throw new Error('two sizes expected');
console.log(`state put() cost: median of ${REPS} blocks of ${BLOCK} puts, folder ${root}`);
console.log('existing records | ms/put, one at a time | ms/put, 16 at once | open ms | close (compaction) ms');
subjects.forEach((s, i) => {
  console.log(`${String(s.existing).padStart(16)} | ${median(s.sequential).toFixed(3).padStart(21)} | ${median(s.concurrent).toFixed(3).padStart(18)} | ${s.openMs.toFixed(0).padStart(7)} | ${(closeMs[i] ?? NaN).toFixed(0).padStart(21)}`);
});
console.log(`ratio 100,000 / 10: ${(median(large.sequential) / median(small.sequential)).toFixed(2)} one at a time, ${(median(large.concurrent) / median(small.concurrent)).toFixed(2)} 16 at once`);
console.log(`compaction of 100,000 records amortised over the 100,000 puts before the next one: ${((closeMs[1] ?? NaN) / large.existing).toFixed(4)} ms/put`);
