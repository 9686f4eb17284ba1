// A real Postgres for the tests: Debian's `postgresql` package (initdb, pg_ctl), started by the test file itself in a
// temp data folder on a free port on 127.0.0.1, its unix socket in that folder too. Postgres refuses to run as root,
// so as root it runs as `nobody` (setpriv), owning only the temp folder. One server per test file, a fresh database
// per test; stopped with `pg_ctl stop -m immediate` at the end (and on exit, should the file crash).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const POSTGRES_MISSING = 'Postgres tests skipped: initdb/pg_ctl not found; install Debian\'s `postgresql` package (or set PG_BIN to its bin folder)';

/** The folder holding initdb and pg_ctl, or undefined: PG_BIN, else the newest /usr/lib/postgresql/<n>/bin. */
export function postgresBin(): string | undefined {
  const candidates = process.env.PG_BIN ? [process.env.PG_BIN] : [];
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  } catch {
    // Not Debian's layout: PG_BIN or nothing.
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

export interface PostgresServer {
  /** A connection URL for a database of this server. */
  url(database: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(): Promise<string>;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(bin: string): Promise<PostgresServer> {
  const dir = mkdtempSync(join(tmpdir(), 'linkback-pg-'));
  const asRoot = process.getuid?.() === 0;
  // Everything the server touches lives in `dir`, owned by the user it runs as (a checkout may sit in a 0700 folder).
  const run = (tool: string, args: string[]) => {
    const [command, prefix] = asRoot
      ? ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', join(bin, tool)]]
      : [join(bin, tool), []];
    return execFileSync(command as string, [...(prefix as string[]), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
  };
  const data = join(dir, 'data');
  const stopServer = () => {
    try {
      run('pg_ctl', ['stop', '-D', data, '-m', 'immediate', '-w']);
    } catch {
      // Not running (it failed to start, or stopped already).
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const owner = asRoot ? { uid: Number(execFileSync('id', ['-u', 'nobody']).toString()), gid: Number(execFileSync('id', ['-g', 'nobody']).toString()) } : undefined;
    if (owner) chownSync(dir, owner.uid, owner.gid);
    // Trust on loopback and the private socket only; fsync off: these databases are thrown away.
    run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
    writeFileSync(join(dir, 'pg_ctl.log'), '');
    if (owner) chownSync(join(dir, 'pg_ctl.log'), owner.uid, owner.gid);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        run('pg_ctl', ['start', '-D', data, '-w', '-t', '120', '-l', join(dir, 'pg_ctl.log'), '-o',
          `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=200`]);
        break;
      } catch (error) {
        // Another process took the port between our probe and the server's bind: try another one.
        if (attempt >= 3) throw error;
      }
    }
    const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
    let stopped = false;
    const onExit = () => {
      if (!stopped) stopServer();
    };
    process.once('exit', onExit);
    let next = 0;
    return {
      url,
      async createDatabase() {
        const name = `t${process.pid}_${++next}`;
        const client = new pg.Client({ connectionString: url('postgres') });
        await client.connect();
        try {
          // FILE_COPY: without fsync, copying template1's files is quicker than WAL-logging them.
          await client.query(`create database ${name} strategy = file_copy`);
        } finally {
          await client.end();
        }
        return url(name);
      },
      stop() {
        if (stopped) return;
        stopped = true;
        process.off('exit', onExit);
        stopServer();
      },
    };
  } catch (error) {
    const log = existsSync(join(dir, 'pg_ctl.log')) ? readFileSync(join(dir, 'pg_ctl.log'), 'utf8') : '';
    stopServer();
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`cannot start Postgres from ${bin}: ${(error as Error).message}\n${stderr}\n${log}`, { cause: error });
  }
}
