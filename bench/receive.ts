// Benchmark: the receiver as it runs (`linkback serve`, compiled, each process fresh) under autocannon (issues 12, 13).
//   Accept: webmentions accepted per second and p99 latency, each 202 after its job is committed, against the floor
//     measured in the same run: the same autocannon against a bare node:http server answering 202
//     (bench/child/accept-floor.ts). SQLite (one `all` process, and 1 and 2 `--role web` processes on one file) and
//     Postgres (1 and 2 `--role web` processes), one autocannon per process, in parallel.
//   Sites: the same on SQLite with 1, 100 and 10,000 sites configured (start-up time too).
//   Flood: peak RSS of a fresh SQLite `serve` after N webmentions queued (none verified: the one worker waits on a
//     silent source), against the same process idle.
//   Workers: a queue of N jobs (SQLite, then Postgres) whose sources answer after 100 ms, drained by 1 and 2 `--role worker`
//     processes (8 verifications at once each), against the ideal N x 100 ms / (8 x processes).
// Postgres is the tests' fixture (test/postgres-fixture.ts): fsync and synchronous_commit off (a throw-away
// database), so its figures are an upper bound; SQLite runs as shipped (WAL, synchronous=FULL).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { postgresBin, startPostgres } from '../test/postgres-fixture.ts';
import type { PostgresServer } from '../test/postgres-fixture.ts';
import type { BenchContext } from './lib/context.ts';
import { count, median, megabytes, seconds, table, times } from './lib/report.ts';
import type { Check, Section } from './lib/report.ts';
import type { SourcesConfig } from './child/sources.ts';

const SITE = 'https://blog.example';
const TARGET = `${SITE}/2026/01/post`;
const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

interface Proc {
  url: string;
  /** CPU time (user + system) the process has used so far, from /proc: what a run costs it whatever the load. */
  cpuMs(): number;
  /** SIGTERM, wait for the exit; the probe's peak RSS and CPU time. */
  stop(): Promise<{ maxRssMb: number; cpuMs: number }>;
}

/** A compiled process printing {"listening": url} as its first line (`linkback serve --json`, the floor). */
async function startProc(ctx: BenchContext, script: string, args: string[], cwd: string, tag: string): Promise<Proc> {
  const probeOut = join(cwd, `probe-${tag}.json`);
  const child: ChildProcess = spawn(process.execPath, ['--import', join(ctx.build, 'bench', 'child', 'probe.js'), join(ctx.build, script), ...args], {
    cwd, env: { ...process.env, BENCH_PROBE_OUT: probeOut, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      // Whole lines only: with 10,000 sites the line is bigger than one chunk of the pipe.
      const line = out.split('\n').slice(0, -1).find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { listening: string }).listening);
    });
    void exited.then(() => reject(new Error(`bench: ${script} ${tag} exited before listening:\n${stderr}`)));
  });
  return {
    url,
    cpuMs() {
      // Fields 14 and 15 of /proc/<pid>/stat (after the parenthesised name): utime and stime in clock ticks (100/s).
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      try {
        const p = JSON.parse(readFileSync(probeOut, 'utf8')) as { maxRssKb: number; cpuUserUs: number; cpuSystemUs: number };
        return { maxRssMb: p.maxRssKb / 1024, cpuMs: (p.cpuUserUs + p.cpuSystemUs) / 1000 };
      } catch {
        return { maxRssMb: NaN, cpuMs: NaN };
      }
    },
  };
}

interface Serve {
  db?: string;
  database?: string;
  role?: 'all' | 'web' | 'worker';
  sites?: string[];
  workers?: number;
  /** host=127.0.0.1:port for the sources' host. */
  sources: string;
}

function serveArgs(s: Serve): string[] {
  const sites = (s.sites ?? [SITE]).flatMap((site) => ['--site', site]);
  return [
    'serve', ...sites, '--port', '0', '--host', '127.0.0.1', '--json',
    ...(s.database ? ['--database', s.database] : ['--db', s.db ?? 'mentions.db']), '--role', s.role ?? 'all',
    '--rate-client', '0', '--rate-source', '0', '--max-queue', '10000000', '--allow-private',
    '--connect-to', `src.example=${s.sources}`, '--verify-workers', String(s.workers ?? 1), '--verify-timeout', '600000',
  ];
}

interface Cannon {
  rate: number;
  /** CPU milliseconds the server processes spent per request (set by the caller). */
  cpuPer?: number;
  p50: number;
  p99: number;
  total: number;
  refused: number;
}

/** autocannon POSTing distinct webmentions (one source per request) to each URL at once; rates add up, p99 is the worst. */
async function cannon(urls: string[], o: { connections: number; durationS?: number; amount?: number; path?: string; source?: string }): Promise<Cannon> {
  const results = await Promise.all(urls.map((url) => autocannon({
    url: `${url}${o.path ?? '/blog.example/webmention'}`, method: 'POST', connections: o.connections,
    ...(o.amount ? { amount: o.amount } : { duration: o.durationS ?? 5 }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `source=${encodeURIComponent(o.source ?? 'http://src.example/hang/')}[<id>]&target=${encodeURIComponent(TARGET)}`,
    idReplacement: true,
  })));
  return {
    rate: results.reduce((n, r) => n + r.requests.total / r.duration, 0),
    p50: Math.max(...results.map((r) => r.latency.p50)),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    total: results.reduce((n, r) => n + r.requests.total, 0),
    refused: results.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
  };
}

/** A source host that accepts connections and never answers: the one worker of an accept run waits on it. */
async function silentServer(): Promise<{ port: number; close(): void }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const ms = (v: number) => `${v.toFixed(1)} ms`;
const perS = (v: number) => `${count(Math.round(v))}/s`;

export async function receiveBenchmarks(ctx: BenchContext): Promise<Section[]> {
  const quick = ctx.quick;
  const silent = await silentServer();
  const sources = fork(join(ctx.build, 'bench', 'child', 'sources.js'), [JSON.stringify({ latencyMs: 100, pageBytes: 20_000, target: TARGET } satisfies SourcesConfig)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sourcesPort = await new Promise<number>((resolve, reject) => {
    sources.once('message', (m) => resolve((m as { port: number }).port));
    sources.once('exit', (code) => reject(new Error(`sources exited (${code})`)));
  });
  const bin = postgresBin();
  let postgres: PostgresServer | undefined;
  const dir = mkdtempSync(join(ctx.out, 'receive-'));
  const silentAt = `127.0.0.1:${silent.port}`;
  let n = 0;
  const serve = (s: Serve) => startProc(ctx, join('src', 'cli', 'bin.js'), serveArgs({ db: join(dir, `m${++n}.db`), ...s }), dir, `s${n}`);
  try {
    if (bin) postgres = await startPostgres(bin);
    else ctx.log(`receive: Postgres skipped: initdb/pg_ctl not found (Debian's postgresql package)`);
    return [
      await acceptSection(ctx, quick, serve, silentAt, dir, postgres),
      await sitesSection(ctx, quick, serve, silentAt),
      await floodSection(ctx, quick, serve, silentAt, dir),
      await workersSection(ctx, quick, serve, sqliteQueue(dir), `127.0.0.1:${sourcesPort}`),
      ...(postgres ? [await workersSection(ctx, quick, serve, postgresQueue(postgres), `127.0.0.1:${sourcesPort}`)] : []),
    ];
  } finally {
    postgres?.stop();
    silent.close();
    sources.send({ cmd: 'close' });
    rmSync(dir, { recursive: true, force: true });
  }
}

type Start = (s: Serve) => Promise<Proc>;

async function acceptSection(ctx: BenchContext, quick: boolean, serve: Start, silentAt: string, dir: string, postgres: PostgresServer | undefined): Promise<Section> {
  const durationS = quick ? 2 : 6;
  const connections = 16;
  const reps = quick ? 1 : 2;
  const subjects: Array<{ name: string; start: () => Promise<Proc[]> }> = [
    { name: 'floor: node:http answering 202', start: async () => [await startProc(ctx, join('bench', 'child', 'accept-floor.js'), [], dir, `f${Math.random()}`)] },
    { name: 'SQLite, 1 process (all)', start: async () => [await serve({ sources: silentAt })] },
    { name: 'SQLite, 1 --role web', start: async () => [await serve({ role: 'web', sources: silentAt })] },
    {
      // Two processes on one file (serve's --db is per call here: give both the same one).
      name: 'SQLite, 2 --role web (one file)', start: async () => {
        const db = join(dir, `shared-${Math.random().toString(36).slice(2)}.db`);
        const first = await serve({ db, role: 'web', sources: silentAt });
        return [first, await serve({ db, role: 'web', sources: silentAt })];
      },
    },
  ];
  if (postgres) {
    subjects.push({ name: 'Postgres, 1 --role web', start: async () => [await serve({ database: await postgres.createDatabase(), role: 'web', sources: silentAt })] });
    subjects.push({
      name: 'Postgres, 2 --role web', start: async () => {
        const database = await postgres.createDatabase();
        const first = await serve({ database, role: 'web', sources: silentAt });
        return [first, await serve({ database, role: 'web', sources: silentAt })];
      },
    });
  }
  const results: Cannon[][] = subjects.map(() => []);
  const loads: string[] = [];
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, s] of subjects.entries()) {
      const procs = await s.start();
      // A short warm-up (JIT, the pool's connections), not counted.
      await cannon(procs.map((p) => p.url), { connections, durationS: 1 });
      const cpu0 = procs.reduce((a, p) => a + p.cpuMs(), 0);
      const r = await cannon(procs.map((p) => p.url), { connections, durationS });
      r.cpuPer = (procs.reduce((a, p) => a + p.cpuMs(), 0) - cpu0) / r.total;
      for (const p of procs) await p.stop();
      results[i]?.push(r);
      loads.push(load());
      ctx.log(`receive accept: ${s.name}, rep ${rep + 1}: ${perS(r.rate)}, ${(r.cpuPer ?? NaN).toFixed(2)} ms CPU each, p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, ${r.refused} refused (load ${load()})`);
    }
  }
  const med = (i: number, k: keyof Cannon) => median((results[i] ?? []).map((r) => r[k] ?? NaN));
  const floor = med(0, 'rate');
  const rows = subjects.map((s, i) => [s.name, perS(med(i, 'rate')), times(med(i, 'rate') / floor), ms(med(i, 'p50')), ms(med(i, 'p99')), `${med(i, 'cpuPer').toFixed(2)} ms`, times(med(i, 'cpuPer') / med(0, 'cpuPer'))]);
  const refused = results.flat().reduce((a, r) => a + r.refused, 0);
  const checks: Check[] = [{ name: 'every POST accepted (202)', target: '0 refused', measured: String(refused), ok: refused === 0 }];
  // Subjects 4-5 are Postgres's 1 and 2 web processes (2-3 SQLite's).
  const scaling = (one: number, two: number, name: string) => {
    const scale = med(two, 'rate') / med(one, 'rate');
    checks.push({ name, target: 'more than 1 (> 1.0x)', measured: `${times(scale)} (${perS(med(two, 'rate'))} vs ${perS(med(one, 'rate'))})`, ok: scale > 1 });
  };
  // Not a target on SQLite: one file has one write lock, and each 202 waits for its own fsync under it, so a second
  // web process adds a waiter, not a writer (its row is measured and shown; the second process is for availability).
  if (postgres) scaling(4, 5, '2 web processes on Postgres');
  return {
    title: 'Receiver: webmentions accepted per second',
    body: [
      `autocannon (in the bench's own process), ${connections} connections, ${durationS} s after a 1 s warm-up, one distinct source per request, against fresh \`linkback serve\` processes (the one verification worker of an \`all\` process waits on a silent source, so verifying costs nothing here). Median of ${reps}, interleaved; load average (1/5/15 min) during the runs: ${[...new Set(loads)].slice(0, 3).join('; ')}.`,
      table(['server', 'accepted', 'vs floor', 'p50', 'p99', 'server CPU per request', 'CPU vs floor'], rows),
      'SQLite: every 202 is after its own commit (synchronous=FULL: an fsync each); two web processes on one file take turns for its write lock (BEGIN IMMEDIATE). Postgres: the tests\' fixture, fsync off: an upper bound for a real one. Two web processes share these 2 cores with autocannon and Postgres. Server CPU per request (from /proc, the serve processes only, not Postgres) is what the load average does not move much: 1 / that is the rate one free core would give.',
    ],
    checks,
    data: { durationS, connections, loads, subjects: subjects.map((s, i) => ({ name: s.name, runs: results[i] })) },
  };
}

async function sitesSection(ctx: BenchContext, quick: boolean, serve: Start, silentAt: string): Promise<Section> {
  const sizes = quick ? [1, 100, 1_000] : [1, 100, 10_000];
  const durationS = quick ? 2 : 4;
  const rows: string[][] = [];
  const data: unknown[] = [];
  let first = NaN;
  let last = NaN;
  for (const size of sizes) {
    // The benchmarked site is the last one configured: a lookup that scans the list scans all of it.
    const sites = [...Array.from({ length: size - 1 }, (_, i) => `https://site${i}.example`), SITE];
    const t = performance.now();
    const proc = await serve({ sites, sources: silentAt });
    const startMs = performance.now() - t;
    await cannon([proc.url], { connections: 16, durationS: 1 });
    const cpu0 = proc.cpuMs();
    const r = await cannon([proc.url], { connections: 16, durationS });
    r.cpuPer = (proc.cpuMs() - cpu0) / r.total;
    const stopped = await proc.stop();
    // CPU per request, not the rate: the rate moves with the machine's load, the CPU a request costs much less.
    if (size === sizes[0]) first = r.cpuPer;
    last = r.cpuPer;
    ctx.log(`receive sites: ${size}: start ${seconds(startMs)}, ${perS(r.rate)}, ${r.cpuPer.toFixed(2)} ms CPU each, p99 ${ms(r.p99)}, RSS ${megabytes(stopped.maxRssMb)} (load ${load()})`);
    rows.push([count(size), seconds(startMs), perS(r.rate), ms(r.p99), `${r.cpuPer.toFixed(2)} ms`, megabytes(stopped.maxRssMb)]);
    data.push({ size, startMs, ...r, ...stopped, load: load() });
  }
  const ratio = last / first;
  return {
    title: 'Receiver: sites configured (SQLite, 1 process)',
    body: [
      `The same accept run (16 connections, ${durationS} s) with ${sizes.map(count).join(' / ')} sites given as --site; the POSTs go to the last one. Start: from spawn until listening (each site is ensured in the database at start).`,
      table(['sites', 'start', 'accepted', 'p99', 'server CPU per request', 'peak RSS'], rows),
    ],
    checks: [{ name: `CPU per accepted request, ${count(sizes.at(-1) ?? 0)} sites vs 1`, target: '<= 1.25x', measured: times(ratio), ok: ratio <= 1.25 }],
    data: { durationS, runs: data },
  };
}

/** Jobs queued straight into a migrated SQLite file, as `enqueue` writes them: the backlog a flood leaves. */
function prefill(file: string, jobs: number): void {
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  const db = new Database(file);
  const now = new Date().toISOString();
  const insert = db.prepare(`insert into jobs (site, source, target, received, state, attempts, not_before, lease_owner, last_error, mention_id, created_at, updated_at)
    values (?, ?, ?, ?, 'queued', 0, ?, null, null, null, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < jobs; i++) {
      const source = `http://src.example/hang/prefill-${i}`;
      const received = { site: SITE, protocol: 'webmention', source, target: TARGET, clientAddress: '127.0.0.1', receivedAt: now };
      insert.run(SITE, source, TARGET, JSON.stringify(received), now, now, now);
    }
  })();
  db.close();
}

async function floodSection(ctx: BenchContext, quick: boolean, serve: Start, silentAt: string, dir: string): Promise<Section> {
  const sizes = [1_000, 10_000, 50_000];
  // The last `flood` of each size come through HTTP into a fresh process; the rest are queued beforehand, straight
  // into the file (seconds, where POSTing 50,000 at this machine's accept rate would take minutes).
  const flood = quick ? 300 : 1_000;
  const rows: string[][] = [];
  const data: unknown[] = [];
  // Idle: started, a moment for its signal handlers, stopped.
  const idle = await serve({ sources: silentAt });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const idleRss = (await idle.stop()).maxRssMb;
  const rss: number[] = [];
  for (const size of sizes) {
    const file = join(dir, `flood-${size}.db`);
    await (await serve({ db: file, sources: silentAt })).stop(); // creates and migrates the file
    prefill(file, size - flood);
    const proc = await serve({ db: file, sources: silentAt });
    const r = await cannon([proc.url], { connections: 32, amount: flood });
    const stopped = await proc.stop();
    rss.push(stopped.maxRssMb);
    ctx.log(`receive flood: ${count(size)} queued (${count(flood)} by HTTP, ${perS(r.rate)}, p99 ${ms(r.p99)}): peak RSS ${megabytes(stopped.maxRssMb)}, ${r.refused} refused (load ${load()})`);
    rows.push([count(size), perS(r.rate), ms(r.p99), megabytes(stopped.maxRssMb), times(stopped.maxRssMb / idleRss)]);
    data.push({ size, flood, ...r, ...stopped });
  }
  const growth = (rss.at(-1) ?? NaN) / (rss[0] ?? NaN);
  return {
    title: 'Receiver: memory under a flood (SQLite, 1 process)',
    body: [
      `A fresh \`linkback serve\` per size whose queue holds that many webmentions when the flood ends: all but the last ${count(flood)} queued in the file beforehand, those ${count(flood)} POSTed by autocannon (32 connections). None is verified meanwhile (the one worker waits on a silent source). Peak RSS of the whole process at exit; idle (started, stopped): ${megabytes(idleRss)}. "Accepted" is the rate of the last ${count(flood)} with that backlog.`,
      table(['queued', 'accepted', 'p99', 'peak RSS', 'vs idle'], rows),
    ],
    checks: [{ name: `peak RSS, ${count(sizes[0] ?? 0)} -> ${count(sizes.at(-1) ?? 0)} queued`, target: 'flat (<= 1.25x)', measured: times(growth), ok: growth <= 1.25 }],
    data: { idleRss, flood, runs: data },
  };
}

/** A database for the workers' run: where `serve` finds it, and a reader for the bench's own queries. */
interface QueueDb {
  name: 'SQLite' | 'Postgres';
  create(): Promise<Pick<Serve, 'db' | 'database'>>;
  /** Reads one value (`… as n`) from the database at `where` (a file or a URL). */
  reader(where: string): { one(query: string): Promise<unknown>; close(): void };
}

function sqliteQueue(dir: string): QueueDb {
  const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
  return {
    name: 'SQLite',
    create: async () => ({ db: join(dir, `workers-${Math.random().toString(36).slice(2)}.db`) }),
    reader(file) {
      const handle = new Database(file, { readonly: true, fileMustExist: true });
      return { one: async (q) => (handle.prepare(q).get() as { n: unknown }).n, close: () => handle.close() };
    },
  };
}

function postgresQueue(postgres: PostgresServer): QueueDb {
  return {
    name: 'Postgres',
    create: async () => ({ database: await postgres.createDatabase() }),
    reader(url) {
      const client = new pg.Client({ connectionString: url });
      const connected = client.connect();
      return {
        one: async (q) => { await connected; return (await client.query<{ n: unknown }>(q)).rows[0]?.n; },
        close: () => { void connected.then(() => client.end()); },
      };
    },
  };
}

async function workersSection(ctx: BenchContext, quick: boolean, serve: Start, kind: QueueDb, sourcesAt: string): Promise<Section> {
  const jobs = quick ? 120 : 600;
  const perProcess = 8;
  const reps = quick ? 1 : 2;
  const rows: string[][] = [];
  const results: number[][] = [[], []];
  for (let rep = 0; rep < reps; rep++) {
    for (const processes of [1, 2]) {
      const where = await kind.create();
      const web = await serve({ ...where, role: 'web', sources: sourcesAt });
      const filled = await cannon([web.url], { connections: 8, amount: jobs, source: 'http://src.example/reply/' });
      await web.stop();
      if (filled.refused) throw new Error(`bench: filling the queue, ${filled.refused} refused`);
      const queue = kind.reader(where.db ?? where.database ?? '');
      try {
        const t = performance.now();
        const workers = await Promise.all(Array.from({ length: processes }, () => serve({ ...where, role: 'worker', workers: perProcess, sources: sourcesAt })));
        for (;;) {
          const left = await queue.one(`select count(*) as n from jobs where state in ('queued', 'running')`);
          if (Number(left) === 0) break;
          if (performance.now() - t > 300_000) throw new Error(`bench: workers did not drain the queue (${left} left)`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // From the first verification's end to the last's, in the database's own times: the workers' start-up
        // (seconds on a busy machine, and one process starting after the other) is not their throughput.
        const first = await queue.one(`select min(updated_at) as n from jobs`);
        const last = await queue.one(`select max(updated_at) as n from jobs`);
        const wallMs = Date.parse(String(last)) - Date.parse(String(first));
        const done = await queue.one(`select count(*) as n from mentions`);
        for (const w of workers) await w.stop();
        if (Number(done) !== jobs) throw new Error(`bench: ${done} mentions for ${jobs} jobs`);
        results[processes - 1]?.push(wallMs);
        ctx.log(`receive workers (${kind.name}): ${processes} process(es): ${jobs} verified, first to last ${seconds(wallMs)} (${perS((jobs - 1) / (wallMs / 1000))}); ${seconds(performance.now() - t)} from spawn (load ${load()})`);
      } finally {
        queue.close();
      }
    }
  }
  for (const processes of [1, 2]) {
    const wall = median(results[processes - 1] ?? []);
    const ideal = (jobs * 100) / (perProcess * processes);
    rows.push([`${processes} --role worker (${perProcess} each)`, seconds(wall), perS((jobs - 1) / (wall / 1000)), seconds(ideal), times(wall / ideal)]);
  }
  const scale = median(results[0] ?? []) / median(results[1] ?? []);
  return {
    title: `Receiver: verification throughput by worker processes (${kind.name})`,
    body: [
      `${jobs} jobs queued by a web process (sources answering after 100 ms, 20 KB h-entry replies), then drained by fresh worker processes; wall from the first verification's end to the last's (the jobs' own times: start-up excluded). Median of ${reps}.`,
      table(['workers', 'first to last', 'verified', 'ideal (latency only)', 'vs ideal'], rows),
      'What limits it: CPU. Parsing microformats and sanitising a 20 KB page is milliseconds of CPU each (bench/receive-verify.ts measures it), and two worker processes share the same 2 cores with the sources and Postgres: a second process on the same machine adds connections, not cores.',
    ],
    checks: [{ name: `2 worker processes vs 1 (${kind.name})`, target: 'faster (> 1.0x)', measured: times(scale), ok: scale > 1 }],
    data: { database: kind.name, jobs, perProcess, results },
  };
}
