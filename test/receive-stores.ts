// The receiver's store on each database it runs on, for tests that must hold on all of them: SQLite (a temp file)
// and Postgres (a real server started for the test file, a fresh database per test; skipped when not installed).
import { after, describe } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../src/receive/store/postgres.ts';
import { openSqliteStore } from '../src/receive/store/sqlite.ts';
import type { ReceiverStore } from '../src/receive/types.ts';
import type { OptionsInput } from '../src/options.ts';
import { POSTGRES_MISSING, postgresBin, startPostgres } from './postgres-fixture.ts';
import type { PostgresServer } from './postgres-fixture.ts';

type After = { after: (fn: () => Promise<void>) => void };

export interface OpenedStore {
  store: ReceiverStore;
  /** Another store on the same database, as a second `serve` process would open it (closed after the test). */
  another(): Promise<ReceiverStore>;
  /** SQLite: the file; Postgres: the URL. */
  where: string;
}

export interface Database {
  settings: Pick<OptionsInput, 'db' | 'database'>;
  args: string[];
  /** SQLite: the file; Postgres: the URL. */
  where: string;
  /** A store on it, to read what a receiver left (the caller closes it). */
  openStore(): Promise<ReceiverStore>;
}

export interface StoreKind {
  name: 'sqlite' | 'postgres';
  /** A reason to skip this kind's tests (its server is not installed), else false. */
  skip: string | false;
  open(t: After, maxAttempts?: number): Promise<OpenedStore>;
  /**
   * An empty database for a receiver that opens it itself: `settings` for startReceiver, `args` for a `linkback serve`
   * child process (`--db <file>` or `--database <url>`). Removed after the test (SQLite) or left to the server's end.
   */
  database(t: After): Promise<Database>;
  /** Stops what open() started for this test file (the Postgres server). */
  stop(): Promise<void>;
}

function sqlite(): StoreKind {
  return {
    name: 'sqlite',
    skip: false,
    async open(t, maxAttempts = 3) {
      const dir = await mkdtemp(join(tmpdir(), 'linkback-store-'));
      const file = join(dir, 'mentions.db');
      const opened: ReceiverStore[] = [];
      const openOne = async () => {
        const store = await openSqliteStore({ file, maxAttempts });
        opened.push(store);
        return store;
      };
      const store = await openOne();
      t.after(async () => {
        for (const one of opened) await one.close().catch(() => {});
        await rm(dir, { recursive: true, force: true });
      });
      return { store, another: openOne, where: file };
    },
    async database(t) {
      const dir = await mkdtemp(join(tmpdir(), 'linkback-store-'));
      t.after(() => rm(dir, { recursive: true, force: true }));
      const file = join(dir, 'mentions.db');
      return { settings: { db: file }, args: ['--db', file], where: file, openStore: () => openSqliteStore({ file, maxAttempts: 5 }) };
    },
    async stop() {},
  };
}

function postgres(): StoreKind {
  const bin = postgresBin();
  // One server per test file, started on first use.
  let server: Promise<PostgresServer> | undefined;
  return {
    name: 'postgres',
    skip: bin ? false : POSTGRES_MISSING,
    async open(t, maxAttempts = 3) {
      server ??= startPostgres(bin!);
      const url = await (await server).createDatabase();
      const opened: ReceiverStore[] = [];
      const openOne = async () => {
        const store = await openPostgresStore({ url, maxAttempts, poolSize: 4 });
        opened.push(store);
        return store;
      };
      const store = await openOne();
      t.after(async () => {
        for (const one of opened) await one.close().catch(() => {});
      });
      return { store, another: openOne, where: url };
    },
    async database() {
      server ??= startPostgres(bin!);
      const url = await (await server).createDatabase();
      return { settings: { database: url }, args: ['--database', url], where: url, openStore: () => openPostgresStore({ url, maxAttempts: 5, poolSize: 2 }) };
    },
    async stop() {
      if (server) (await server.catch(() => undefined))?.stop();
    },
  };
}

/**
 * Defines `tests` once per database, each kind in its own suite whose `after` stops its server. (A top-level
 * `after` will not do: Node 20 runs it before the file's last test has finished.)
 */
export function forEachStore(tests: (kind: StoreKind) => void): void {
  for (const kind of [sqlite(), postgres()]) {
    describe(kind.name, { skip: kind.skip }, () => {
      after(() => kind.stop());
      tests(kind);
    });
  }
}
