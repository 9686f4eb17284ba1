// Benchmark: the receiver's verify step against slow sources (bench/child/sources.ts: every page answered after
// 100 ms, a 20 KB h-entry reply). Measured in fresh compiled processes (bench/child/verify-sources.ts), W workers
// taking jobs from one list as the receiver's workers take them from its queue.
//   Throughput: N verifications (fetch, link check, microformats, sanitising) against the floor measured in the
//     same run: the same N GETs through the same client by the same W workers, doing nothing with the body.
//   A never-answering source: the same N verifications with one source that never answers in front of them,
//     against N verifications by W - 1 workers (what is left when one worker waits out its timeout). It must
//     cost one worker its timeout and end as a retryable failure, nothing more.
// Repetitions are interleaved and the median reported.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { lastJson, runNode } from './lib/child.ts';
import type { BenchContext } from './lib/context.ts';
import { count, median, seconds, table, times } from './lib/report.ts';
import type { Check, Section } from './lib/report.ts';
import type { SourcesConfig } from './child/sources.ts';

interface Measured {
  wallMs: number;
  othersDoneMs: number;
  verified: number;
  hangResults: string[];
  /** CPU time of the whole process (start-up included), from the probe. */
  cpuMs: number;
}

const TARGET = 'https://blog.example/2026/01/post';

export async function receiveVerifyBenchmark(ctx: BenchContext): Promise<Section> {
  const jobs = ctx.quick ? 200 : 800;
  const workers = 16;
  const latencyMs = 100;
  const timeoutMs = 3_000;
  const reps = ctx.quick ? 2 : 3;
  const config: SourcesConfig = { latencyMs, pageBytes: 20_000, target: TARGET };
  const sources = fork(join(ctx.build, 'bench', 'child', 'sources.js'), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    sources.once('message', (m) => resolve(m as { port: number }));
    sources.once('exit', (code) => reject(new Error(`sources exited (${code})`)));
  });
  const run = async (mode: 'verify' | 'fetch', w: number, hang: number, plain: boolean): Promise<Measured> => {
    const args = { mode, port, jobs, workers: w, hang, plain, timeoutMs, target: TARGET };
    const ran = await runNode(ctx.build, [join(ctx.build, 'bench', 'child', 'verify-sources.js'), JSON.stringify(args)]);
    const measured = { ...lastJson<Omit<Measured, 'cpuMs'>>(ran), cpuMs: ran.cpuMs };
    if (measured.verified !== jobs) throw new Error(`bench: ${mode} with ${w} workers verified ${measured.verified} of ${jobs}`);
    return measured;
  };
  try {
    const subjects = [
      { name: `floor: ${jobs} GETs, ${workers} workers`, mode: 'fetch' as const, w: workers, hang: 0, plain: false },
      { name: `verifySource x ${jobs}, ${workers} workers`, mode: 'verify' as const, w: workers, hang: 0, plain: false },
      { name: `verifySource x ${jobs}, no microformats, ${workers} workers`, mode: 'verify' as const, w: workers, hang: 0, plain: true },
      { name: `verifySource x ${jobs}, ${workers - 1} workers`, mode: 'verify' as const, w: workers - 1, hang: 0, plain: false },
      { name: `verifySource x ${jobs} + 1 never answering, ${workers} workers`, mode: 'verify' as const, w: workers, hang: 1, plain: false },
    ];
    const results: Measured[][] = subjects.map(() => []);
    for (let rep = 0; rep < reps; rep++) {
      for (const [i, s] of subjects.entries()) {
        const m = await run(s.mode, s.w, s.hang, s.plain);
        results[i]?.push(m);
        ctx.log(`receive-verify: ${s.name}, rep ${rep + 1}: ${seconds(m.wallMs)} (others done ${seconds(m.othersDoneMs)})${m.hangResults.length ? `, hung source: ${m.hangResults.join(', ')}` : ''}`);
      }
    }
    const med = (i: number, key: 'wallMs' | 'othersDoneMs' | 'cpuMs') => median((results[i] ?? []).map((m) => m[key]));
    const floor = med(0, 'othersDoneMs');
    const verify = med(1, 'othersDoneMs');
    const fewer = med(3, 'othersDoneMs');
    const withHang = med(4, 'othersDoneMs');
    const hangWall = med(4, 'wallMs');
    const hangOutcomes = [...new Set((results[4] ?? []).flatMap((m) => m.hangResults))];
    // CPU a verification adds to the bare GET, start-up and fetching subtracted (the floor did both).
    const cpuPer = (i: number) => (med(i, 'cpuMs') - med(0, 'cpuMs')) / jobs;
    const ideal = (jobs * latencyMs) / workers;
    const rows = subjects.map((s, i) => [
      s.name, seconds(med(i, 'othersDoneMs')), `${count(Math.round(jobs / (med(i, 'othersDoneMs') / 1000)))}/s`, times(med(i, 'othersDoneMs') / floor),
      seconds(med(i, 'cpuMs')), i === 0 ? '-' : `${cpuPer(i).toFixed(1)} ms`,
    ]);
    const checks: Check[] = [
      { name: 'verification throughput against slow sources', target: '<= 1.5x the floor', measured: `${times(verify / floor)} (${count(Math.round(jobs / (verify / 1000)))} verifications/s)`, ok: verify / floor <= 1.5 },
      { name: 'a never-answering source costs one worker', target: `others <= 1.15x ${workers - 1} workers`, measured: `${times(withHang / fewer)} (${seconds(withHang)} vs ${seconds(fewer)})`, ok: withHang / fewer <= 1.15 },
      { name: 'the never-answering source ends at its timeout', target: `retryable, run ends by ${seconds(1.25 * Math.max(timeoutMs, fewer))}`, measured: `${hangOutcomes.join(', ')}; run ${seconds(hangWall)}`, ok: hangOutcomes.length === 1 && hangOutcomes[0] === 'fetch-failed (retryable)' && hangWall <= 1.25 * Math.max(timeoutMs, fewer) },
    ];
    return {
      title: 'Receiver: verifying slow sources',
      body: [
        `${jobs} sources answering after ${latencyMs} ms (20 KB h-entry replies), ${workers} workers; the ideal is ${jobs} x ${latencyMs} ms / ${workers} = ${seconds(ideal)}. Client timeout ${seconds(timeoutMs)}. Median of ${reps}, interleaved; "others" is when the last answering source was done.`,
        table(['subject', 'others done', 'rate', 'vs floor', 'CPU (process)', 'CPU per verification'], rows),
        `CPU per verification: the process's CPU time less the floor's, divided by ${jobs}: what link check, microformats and sanitising add to the GET.`,
      ],
      checks,
      data: { jobs, workers, latencyMs, timeoutMs, subjects: subjects.map((s, i) => ({ ...s, runs: results[i] })) },
    };
  } finally {
    sources.send({ cmd: 'close' });
  }
}
