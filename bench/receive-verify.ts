// Benchmark: the receiver's verify step against slow sources (bench/child/sources.ts: every page answered after
// 100 ms, a 20 KB h-entry reply). Measured in fresh compiled processes (bench/child/verify-sources.ts), W workers
// taking jobs from one list as the receiver's workers take them from its queue.
//   Throughput: N verifications (fetch, link check, microformats, sanitising) against the floor measured in the
//     same run: the same N GETs through the same client by the same W workers, doing nothing with the body.
//   A never-answering source: the same N verifications with one source that never answers in front of them; it
//     must end as a retryable failure by its timeout.
// receiveServerBenchmark then runs the receiver itself (startReceiver: HTTP, SQLite queue, workers) with silent
// sources: each must cost one worker its deadline (others verified as fast as with one worker fewer), not the
// server (accept latency with every worker waiting, against the run without silent sources).
// Repetitions are interleaved and the median reported.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
      { name: 'the never-answering source ends at its timeout', target: `retryable, run ends by ${seconds(1.25 * Math.max(timeoutMs, fewer))}`, measured: `${hangOutcomes.join(', ')}; run ${seconds(hangWall)}`, ok: hangOutcomes.length === 1 && hangOutcomes[0] === 'fetch-failed (retryable)' && hangWall <= 1.25 * Math.max(timeoutMs, fewer) },
    ];
    return {
      title: 'Receiver: verifying slow sources',
      body: [
        `${jobs} sources answering after ${latencyMs} ms (20 KB h-entry replies), ${workers} workers; the ideal is ${jobs} x ${latencyMs} ms / ${workers} = ${seconds(ideal)}. Client timeout ${seconds(timeoutMs)}. Median of ${reps}, interleaved; "others" is when the last answering source was done.`,
        table(['subject', 'others done', 'rate', 'vs floor', 'CPU (process)', 'CPU per verification'], rows),
        `CPU per verification: the process's CPU time less the floor's, divided by ${jobs}: what link check, microformats and sanitising add to the GET. With microformats the run is CPU-bound (${workers} workers x 10 sources/s x the CPU per verification is about a core), so one worker more or less changes little here; what one silent source costs the receiver's workers is the next section's check. Others with one never-answering source: ${times(withHang / fewer)} the ${workers - 1}-worker run.`,
      ],
      checks,
      data: { jobs, workers, latencyMs, timeoutMs, subjects: subjects.map((s, i) => ({ ...s, runs: results[i] })) },
    };
  } finally {
    sources.send({ cmd: 'close' });
  }
}

interface ServerRun {
  acceptP50: number;
  acceptP99: number;
  /** From the first POST until every answering source's mention was verified. */
  othersDoneMs: number;
  /** From the first POST until every silent source's verification had ended (retryable, back in the queue). */
  hungEndedMs: number;
  /** The longest a worker held a silent source's job, from its claim to the retryable verdict. */
  heldMs: number;
  refused: number;
}

/**
 * The receiver itself (`startReceiver`, SQLite store, W workers, verifySource) in its own process: N webmentions
 * POSTed to it (4 at a time) whose sources answer after 100 ms, with `hangs` silent sources sent first.
 */
async function serverRun(ctx: BenchContext, sourcesPort: number, s: { workers: number; hangs: number; jobs: number; timeoutMs: number; tag: string }): Promise<ServerRun> {
  const dir = mkdtempSync(join(ctx.out, 'receive-'));
  const child = fork(join(ctx.build, 'bench', 'child', 'receive-server.js'), [JSON.stringify({ sourcesPort, workers: s.workers, timeoutMs: s.timeoutMs, db: join(dir, 'mentions.db') })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: ['--import', join(ctx.build, 'bench', 'child', 'probe.js')],
  });
  try {
    const { url } = await new Promise<{ url: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string }));
      child.once('exit', (code) => reject(new Error(`receiver exited (${code})`)));
    });
    const counts = () => new Promise<{ done: number; retried: number; heldMs: number }>((resolve) => {
      const onMessage = (m: { counts?: { done: number; retried: number; heldMs: number } }) => {
        if (!m.counts) return;
        child.off('message', onMessage);
        resolve(m.counts);
      };
      child.on('message', onMessage);
      child.send({ cmd: 'count' });
    });
    const endpoint = `${url}/blog.example/webmention`;
    const sources = [
      ...Array.from({ length: s.hangs }, (_, i) => `http://sources.example/hang/${s.tag}-${i}`),
      ...Array.from({ length: s.jobs }, (_, i) => `http://sources.example/reply/${s.tag}-${i}`),
    ];
    const latencies: number[] = [];
    let refused = 0;
    const started = performance.now();
    let next = 0;
    const poster = async () => {
      while (next < sources.length) {
        const source = sources[next++] as string;
        const t = performance.now();
        const res = await fetch(endpoint, { method: 'POST', body: new URLSearchParams({ source, target: TARGET }) });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        if (res.status !== 202) refused++;
      }
    };
    await Promise.all(Array.from({ length: 4 }, poster));
    let othersDoneMs = NaN;
    let hungEndedMs = s.hangs === 0 ? 0 : NaN;
    let heldMs = 0;
    while (Number.isNaN(othersDoneMs) || Number.isNaN(hungEndedMs)) {
      const c = await counts();
      heldMs = c.heldMs;
      const at = performance.now() - started;
      if (Number.isNaN(othersDoneMs) && c.done >= s.jobs) othersDoneMs = at;
      if (Number.isNaN(hungEndedMs) && c.retried >= s.hangs) hungEndedMs = at;
      if (at > 120_000) throw new Error(`bench: receiver ${s.tag} did not finish (${JSON.stringify(c)})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
    return { acceptP50: pct(0.5), acceptP99: pct(0.99), othersDoneMs, hungEndedMs, heldMs, refused };
  } finally {
    child.send({ cmd: 'close' });
    await new Promise((resolve) => child.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function receiveServerBenchmark(ctx: BenchContext): Promise<Section> {
  const jobs = ctx.quick ? 200 : 400;
  const workers = 8;
  const timeoutMs = 3_000;
  const reps = ctx.quick ? 2 : 3;
  const sources = fork(join(ctx.build, 'bench', 'child', 'sources.js'), [JSON.stringify({ latencyMs: 100, pageBytes: 20_000, target: TARGET } satisfies SourcesConfig)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    sources.once('message', (m) => resolve(m as { port: number }));
    sources.once('exit', (code) => reject(new Error(`sources exited (${code})`)));
  });
  try {
    const subjects = [
      { name: `${workers} workers`, workers, hangs: 0 },
      { name: `${workers - 1} workers`, workers: workers - 1, hangs: 0 },
      { name: `${workers} workers, 1 silent source first`, workers, hangs: 1 },
      { name: `${workers} workers, ${workers} silent sources first (every worker waiting)`, workers, hangs: workers },
    ];
    const results: ServerRun[][] = subjects.map(() => []);
    for (let rep = 0; rep < reps; rep++) {
      for (const [i, s] of subjects.entries()) {
        const r = await serverRun(ctx, port, { ...s, jobs, timeoutMs, tag: `r${rep}s${i}` });
        results[i]?.push(r);
        ctx.log(`receive-server: ${s.name}, rep ${rep + 1}: accept p50 ${r.acceptP50.toFixed(1)} ms, p99 ${r.acceptP99.toFixed(1)} ms; others verified at ${seconds(r.othersDoneMs)}; silent ones ended at ${seconds(r.hungEndedMs)} (a worker held one ${seconds(r.heldMs)}); ${r.refused} refused`);
      }
    }
    const med = (i: number, key: keyof ServerRun) => median((results[i] ?? []).map((r) => r[key]));
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    const rows = subjects.map((s, i) => [s.name, ms(med(i, 'acceptP50')), ms(med(i, 'acceptP99')), seconds(med(i, 'othersDoneMs')), s.hangs ? seconds(med(i, 'hungEndedMs')) : '-', s.hangs ? seconds(med(i, 'heldMs')) : '-']);
    const oneLost = med(2, 'othersDoneMs') / med(1, 'othersDoneMs');
    const acceptRatio = med(3, 'acceptP99') / med(0, 'acceptP99');
    const refused = results.flat().reduce((n, r) => n + r.refused, 0);
    const checks: Check[] = [
      { name: 'a silent source costs one worker', target: `others <= 1.15x ${workers - 1} workers`, measured: `${times(oneLost)} (${seconds(med(2, 'othersDoneMs'))} vs ${seconds(med(1, 'othersDoneMs'))})`, ok: oneLost <= 1.15 },
      { name: 'a worker holds a silent source for its deadline', target: `<= ${seconds(timeoutMs * 1.25)}`, measured: seconds(Math.max(med(2, 'heldMs'), med(3, 'heldMs'))), ok: Math.max(med(2, 'heldMs'), med(3, 'heldMs')) <= timeoutMs * 1.25 },
      { name: 'not the server: accept p99 with every worker waiting', target: `<= 1.5x the baseline run's p99`, measured: `${times(acceptRatio)} (${ms(med(3, 'acceptP99'))} vs ${ms(med(0, 'acceptP99'))})`, ok: acceptRatio <= 1.5 },
      { name: 'every POST accepted', target: '0 refused', measured: String(refused), ok: refused === 0 },
    ];
    return {
      title: 'Receiver: silent sources cost a worker, not the server',
      body: [
        `\`startReceiver\` (SQLite, ${workers} workers, verification deadline ${seconds(timeoutMs)}) in its own process; ${jobs} webmentions POSTed 4 at a time, their sources answering after 100 ms (20 KB h-entry replies), silent sources (never a byte back) POSTed first. Median of ${reps}, interleaved.`,
        table(['run', 'accept p50', 'accept p99', 'others verified', 'silent ones ended', 'worker held one'], rows),
        'Times from the first POST. "Worker held one": from the claim of a silent source\'s job to its retryable verdict (queue wait excluded).',
      ],
      checks,
      data: { jobs, workers, timeoutMs, subjects: subjects.map((s, i) => ({ ...s, runs: results[i] })) },
    };
  } finally {
    sources.send({ cmd: 'close' });
  }
}
