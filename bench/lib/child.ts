// Starting a measured process: fresh for every measurement (peak RSS is a per-process high-water mark),
// with bench/child/probe.ts preloaded for the network guard and the RSS report.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From spawn to exit, start-up included. */
  wallMs: number;
  maxRssMb: number;
  cpuMs: number;
}

export async function runNode(build: string, args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<Ran> {
  const scratch = mkdtempSync(join(tmpdir(), 'linkback-bench-'));
  const probeOut = join(scratch, 'probe.json');
  const probe = join(build, 'bench', 'child', 'probe.js');
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', probe, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env, BENCH_PROBE_OUT: probeOut, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const wallMs = performance.now() - started;
  let probed = { maxRssKb: NaN, cpuUserUs: NaN, cpuSystemUs: NaN };
  try {
    probed = JSON.parse(readFileSync(probeOut, 'utf8')) as typeof probed;
  } catch {
    // killed before it could write: NaN tells the reader
  }
  rmSync(scratch, { recursive: true, force: true });
  return { code, stdout, stderr, wallMs, maxRssMb: probed.maxRssKb / 1024, cpuMs: (probed.cpuUserUs + probed.cpuSystemUs) / 1000 };
}

/** The JSON a bench/child script prints as its last line of output. */
export function lastJson<T>(ran: Ran): T {
  const line = ran.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as T;
  } catch {
    throw new Error(`bench child failed (exit ${ran.code}):\n${ran.stderr.slice(-2000)}\n${ran.stdout.slice(-500)}`);
  }
}
