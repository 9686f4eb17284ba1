// Cost of one claim() on a long queue (issue 13, fair scheduling): 10,000 queued jobs of 1, 100 and 10,000 sites,
// with 10,000 more configured sites that have no job at all, on SQLite and Postgres. Prints the median ms per claim.
// A measurement, not a test (run by hand: `node --import tsx bench/claim.ts [claims]`). The jobs are inserted
// straight into the table (one transaction) so filling takes seconds; the claims go through the store, as workers
// make them. Postgres is the tests' fixture (fsync off), skipped when Debian's `postgresql` is not installed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openSqliteStore } from '../src/receive/store/sqlite.ts';
import { openPostgresStore } from '../src/receive/store/postgres.ts';
import type { ReceiverStore } from '../src/receive/types.ts';
import { postgresBin, startPostgres } from '../test/postgres-fixture.ts';
import { median, table } from './lib/report.ts';

const JOBS = 10_000;
const IDLE_SITES = 10_000;
const CLAIMS = Number(process.argv[2] ?? 200);
const NOW = new Date('2026-03-01T12:00:00.000Z');

const activeSites = (n: number) => Array.from({ length: n }, (_, i) => `https://active-${i}.example`);
const idleSites = Array.from({ length: IDLE_SITES }, (_, i) => `https://idle-${i}.example`);

/** The jobs as rows: site i % sites, queued, due since an hour before NOW. */
function jobRows(sites: string[]): unknown[][] {
  const at = new Date(NOW.getTime() - 3_600_000).toISOString();
  return Array.from({ length: JOBS }, (_, i) => {
    const site = sites[i % sites.length]!;
    const received = JSON.stringify({ site, protocol: 'webmention', source: `https://src.example/${i}`, target: `${site}/post`, clientAddress: '192.0.2.1', receivedAt: at });
    return [site, `https://src.example/${i}`, `${site}/post`, received, 'queued', 0, at, at, at];
  });
}
const INSERT = 'insert into jobs (site, source, target, received, state, attempts, not_before, created_at, updated_at) values ';

async function measure(store: ReceiverStore): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < CLAIMS; i++) {
    const start = performance.now();
    const job = await store.claim('bench', NOW, 60_000);
    times.push(performance.now() - start);
    if (!job) throw new Error('the queue ran dry');
  }
  return median(times);
}

async function sqliteCase(sites: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'linkback-claim-'));
  try {
    const file = join(dir, 'receiver.db');
    const store = await openSqliteStore({ file, maxAttempts: 5 });
    const active = activeSites(sites);
    await store.ensureSites([...active, ...idleSites]);
    const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    const side = new Database(file);
    const insert = side.prepare(`${INSERT}(?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    side.transaction(() => { for (const row of jobRows(active)) insert.run(...row); })();
    side.prepare('analyze').run();
    side.close();
    const ms = await measure(store);
    await store.close();
    return ms;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresCase(url: string, sites: number): Promise<number> {
  const store = await openPostgresStore({ url, maxAttempts: 5 });
  const active = activeSites(sites);
  await store.ensureSites([...active, ...idleSites]);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const rows = jobRows(active);
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.slice(i, i + 1000);
    const values = chunk.map((_, r) => `(${Array.from({ length: 9 }, (_, c) => `$${r * 9 + c + 1}`).join(', ')})`).join(', ');
    await client.query(INSERT + values, chunk.flat());
  }
  await client.query('analyze');
  await client.end();
  const ms = await measure(store);
  await store.close();
  return ms;
}

const results: Array<[string, string, string]> = [];
for (const sites of [1, 100, 10_000]) results.push(['SQLite', `${sites}`, (await sqliteCase(sites)).toFixed(2)]);
const bin = postgresBin();
if (bin) {
  const server = await startPostgres(bin);
  try {
    for (const sites of [1, 100, 10_000]) results.push(['Postgres', `${sites}`, (await postgresCase(await server.createDatabase(), sites)).toFixed(2)]);
  } finally {
    server.stop();
  }
} else {
  console.log('Postgres skipped: install Debian\'s `postgresql` package (or set PG_BIN)');
}
console.log(`${JOBS} queued jobs, ${IDLE_SITES} idle sites besides; median of ${CLAIMS} claims`);
console.log(table(['database', 'sites with jobs', 'ms per claim'], results));
