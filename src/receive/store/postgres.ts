// Opens the store on Postgres (`linkback serve --database postgres://…`): the same tables, migrations and queries
// as the SQLite file (store.ts, migrations.ts), so that any number of `serve` processes share one database and one
// job queue. Kysely's Migrator takes an advisory lock, so processes starting together migrate once.
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { LinkbackError } from '../../errors.ts';
import type { ReceiverStore } from '../types.ts';
import { migrationProvider } from './migrations.ts';
import type { ReceiverDb } from './schema.ts';
import { createKyselyStore } from './store.ts';

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database (libpq's URL form; ?host=/socket/dir for a unix socket). */
  url: string;
  maxAttempts: number;
  /** Connections at most in this process's pool (pg's default: 10). */
  poolSize?: number;
  /** A pooled connection that broke while idle (the server restarted); the next query opens a new one. */
  onError?: (error: Error) => void;
}

/** The URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return '(unparsable database URL)';
  }
}

export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<ReceiverStore> {
  const where = redactUrl(options.url);
  const pool = new pg.Pool({ connectionString: options.url, ...(options.poolSize ? { max: options.poolSize } : {}) });
  // Without a listener, an idle connection's error (the server restarting) would end the process.
  pool.on('error', (error) => options.onError?.(error));
  const db = new Kysely<ReceiverDb>({ dialect: new PostgresDialect({ pool }) });
  try {
    await pool.query('select 1');
  } catch (cause) {
    await db.destroy();
    throw new LinkbackError('DB_UNUSABLE', `cannot connect to the mentions database ${where}: ${(cause as Error).message}`, { cause });
  }
  const { error, results } = await new Migrator({ db, provider: migrationProvider('postgres') }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new LinkbackError('DB_UNUSABLE', `cannot migrate the mentions database ${where}${failed ? ` (step ${failed})` : ''}: ${(error as Error).message}`, { cause: error });
  }
  const store = createKyselyStore(db, { maxAttempts: options.maxAttempts, dialect: 'postgres' });
  let swept = 0;
  return {
    ...store,
    async countHit(key, minute) {
      // Counts older than the minute before are never read again: each process clears them once a minute.
      if (minute > swept) {
        swept = minute;
        await db.deleteFrom('rate_hits').where('minute', '<', minute - 1).execute();
      }
      // One round trip: count this request (an upsert, atomic under concurrent processes) and read the minute before.
      const { rows } = await sql<{ current: number; previous: number }>`
        with hit as (
          insert into rate_hits (key, minute, hits) values (${key}, ${minute}, 1)
          on conflict (key, minute) do update set hits = rate_hits.hits + 1
          returning hits
        )
        select (select hits from hit) as current,
          coalesce((select hits from rate_hits where key = ${key} and minute = ${minute - 1}), 0) as previous`.execute(db);
      const row = rows[0];
      return { current: Number(row?.current ?? 1), previous: Number(row?.previous ?? 0) };
    },
    async watchJobs(onJob, onError) {
      // Loaded here: only processes with workers listen.
      const { listenForJobs } = await import('./pg-listen.ts');
      return listenForJobs({ url: options.url, onJob, ...(onError ? { onError } : {}) });
    },
  };
}
