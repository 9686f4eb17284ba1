// Opens the default store: one SQLite file (WAL), migrated to the current schema. better-sqlite3 is an optional
// dependency (it builds native code): it is loaded only here, and its absence is a clear error, not a stack trace.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type BetterSqlite3 from 'better-sqlite3';
import { LinkbackError } from '../../errors.ts';
import type { ReceiverStore } from '../types.ts';
import { migrationProvider } from './migrations.ts';
import type { ReceiverDb } from './schema.ts';
import { createKyselyStore } from './store.ts';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' (tests of the pure parts). */
  file: string;
  maxAttempts: number;
}

type DatabaseConstructor = typeof BetterSqlite3;

function loadDriver(): DatabaseConstructor {
  try {
    // createRequire: better-sqlite3 is CommonJS, and a missing optional package must be catchable here.
    return createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;
  } catch (cause) {
    throw new LinkbackError(
      'DB_DRIVER_MISSING',
      'linkback serve needs the SQLite driver better-sqlite3, an optional dependency that is not installed (or did not build): '
        + 'run `npm install better-sqlite3` (it needs a C++ toolchain where no prebuilt binary fits: python3, make, g++)',
      { cause },
    );
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<ReceiverStore> {
  const Database = loadDriver();
  let handle: BetterSqlite3.Database;
  try {
    if (options.file !== ':memory:') mkdirSync(dirname(options.file), { recursive: true });
    handle = new Database(options.file);
    // WAL: readers (the API, the moderation page) never block the writer. synchronous=FULL: a commit is on disk
    // when it returns, so an acknowledged (202) webmention survives even a power cut, not only a killed process.
    handle.pragma('journal_mode = WAL');
    handle.pragma('synchronous = FULL');
    // Another process writing the file (serve --role web and worker, `mentions export`): wait for its lock rather
    // than fail; each transaction holds it for milliseconds, so 30 s is only reached by a stuck process.
    handle.pragma('busy_timeout = 30000');
  } catch (cause) {
    throw new LinkbackError('DB_UNUSABLE', `cannot open the mentions database ${options.file}: ${(cause as Error).message}`, { cause });
  }
  const db = new Kysely<ReceiverDb>({ dialect: new SqliteDialect({ database: handle }) });
  const { error, results } = await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new LinkbackError('DB_UNUSABLE', `cannot migrate the mentions database ${options.file}${failed ? ` (step ${failed})` : ''}: ${(error as Error).message}`, { cause: error });
  }
  return createKyselyStore(db, { maxAttempts: options.maxAttempts, dialect: 'sqlite' });
}
