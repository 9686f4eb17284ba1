// The one way from settings to a ReceiverStore, for `serve` and `mentions export` alike: the Postgres database when
// --database is given, else the SQLite file. Each driver is loaded only when it is the one used.
import { existsSync } from 'node:fs';
import { LinkbackError } from '../../errors.ts';
import type { Options } from '../../options.ts';
import type { ReceiverStore } from '../types.ts';

export interface StoreSettings extends Pick<Options, 'db' | 'database' | 'maxAttempts'> {
  /** Postgres connections of this process. */
  poolSize: number;
  /** A reader (export) must not create an empty SQLite file where it expected the receiver's: it says so instead. */
  mustExist?: boolean;
  onError?: (error: unknown) => void;
}

export async function openStoreFor(settings: StoreSettings): Promise<ReceiverStore> {
  const { db, database, maxAttempts, poolSize, onError } = settings;
  if (database !== null) {
    const { openPostgresStore } = await import('./postgres.ts');
    return openPostgresStore({ url: database, maxAttempts, poolSize, ...(onError ? { onError } : {}) });
  }
  if (settings.mustExist && !existsSync(db)) {
    throw new LinkbackError('DB_UNUSABLE', `no mentions database at ${db} (set --db or --database, or run the export where \`linkback serve\` runs, or use --from)`);
  }
  return (await import('./sqlite.ts')).openSqliteStore({ file: db, maxAttempts });
}

/** Where the mentions are, for messages: the SQLite file, or the Postgres URL without its password. */
export async function databaseLabel(options: Pick<Options, 'db' | 'database'>): Promise<string> {
  return options.database === null ? options.db : (await import('./postgres.ts')).redactUrl(options.database);
}
