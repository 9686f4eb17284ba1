// The receiver's schema as a versioned list, run by Kysely's Migrator (which records what ran and locks while
// migrating). Append, never edit: a database made by an older linkback is brought up to date step by step.
// Written with Kysely's schema builder so the same list runs on Postgres (issue 13); only the id type differs.
import { sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';

export type Dialect = 'sqlite' | 'postgres';

function migrations(dialect: Dialect): Record<string, Migration> {
  // SQLite's INTEGER PRIMARY KEY AUTOINCREMENT never reuses an id (a status URL keeps meaning one job); Postgres: serial.
  const id = (table: Parameters<Kysely<unknown>['schema']['createTable']>[0], db: Kysely<unknown>) =>
    dialect === 'sqlite'
      ? db.schema.createTable(table).addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      : db.schema.createTable(table).addColumn('id', 'serial', (c) => c.primaryKey());
  return {
    '0001_receiver': {
      async up(db: Kysely<unknown>) {
        await db.schema.createTable('sites')
          .addColumn('origin', 'text', (c) => c.primaryKey())
          .addColumn('read_token', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await id('jobs', db)
          .addColumn('site', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('received', 'text', (c) => c.notNull())
          .addColumn('state', 'text', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('not_before', 'text', (c) => c.notNull())
          .addColumn('lease_owner', 'text')
          .addColumn('last_error', 'text')
          .addColumn('mention_id', 'integer')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        // claim() looks for the oldest due job by state and time; enqueue() for a queued job of the same triple.
        await db.schema.createIndex('jobs_due').on('jobs').columns(['state', 'not_before']).execute();
        await db.schema.createIndex('jobs_triple').on('jobs').columns(['site', 'source', 'target', 'state']).execute();
        await id('mentions', db)
          .addColumn('site', 'text', (c) => c.notNull())
          .addColumn('protocol', 'text', (c) => c.notNull())
          .addColumn('source', 'text', (c) => c.notNull())
          .addColumn('target', 'text', (c) => c.notNull())
          .addColumn('source_host', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('property', 'text', (c) => c.notNull())
          .addColumn('author', 'text')
          .addColumn('content_html', 'text')
          .addColumn('content_text', 'text')
          .addColumn('name', 'text')
          .addColumn('published', 'text')
          .addColumn('url', 'text')
          .addColumn('rsvp', 'text')
          .addColumn('received_at', 'text', (c) => c.notNull())
          .addColumn('verified_at', 'text')
          .addColumn('updated_at', 'text', (c) => c.notNull())
          // One row per (site, source, target): an update replaces it, a delete marks it.
          .addUniqueConstraint('mentions_triple', ['site', 'source', 'target'])
          .execute();
        await db.schema.createIndex('mentions_site_target').on('mentions').columns(['site', 'target']).execute();
        await db.schema.createIndex('mentions_site_host').on('mentions').columns(['site', 'source_host', 'status']).execute();
      },
    },
    // Multi-tenant (issue 13): per-site settings, and claim()'s round-robin turn per site.
    '0002_sites': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('sites').addColumn('settings', 'text').execute();
        await db.schema.alterTable('sites').addColumn('last_claim', 'bigint').execute();
        // claim() joins a site's due jobs; removeSite() finds a site's waiting jobs.
        await db.schema.createIndex('jobs_site_due').on('jobs').columns(['site', 'state', 'not_before']).execute();
      },
    },
    // Dead letters (issue 13): how often a job's lease ran out (its worker died holding it), counted apart from
    // failed attempts, so that workers killed again and again do not dead-letter the jobs they happened to hold.
    '0003_lease_expiries': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('jobs').addColumn('expiries', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      },
    },
    // Rate limits that hold for every web process on one Postgres (issue 13): requests per key and minute. Unlogged
    // there (no WAL: a crash loses at most a minute of counts, which only ever lets more through). SQLite keeps its
    // limits in memory (one machine), so the table stays empty there; it exists so both schemas are the same.
    '0004_rate_hits': {
      async up(db: Kysely<unknown>) {
        let table = db.schema.createTable('rate_hits');
        if (dialect === 'postgres') table = table.modifyFront(sql`unlogged`);
        await table
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('minute', 'integer', (c) => c.notNull())
          .addColumn('hits', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('rate_hits_pkey', ['key', 'minute'])
          .execute();
      },
    },
    // claim() without sorting the queue (issue 13): the waiting jobs of each site in id order, and nothing else, so
    // the sites that have waiting jobs are found by skipping from site to site through it (idle sites and finished
    // jobs are not in it) and a site's oldest due job is its first entry past the running ones. The predicate is
    // written as claim() writes it, literally: both planners use a partial index only for a query that implies it.
    '0005_jobs_waiting': {
      async up(db: Kysely<unknown>) {
        await db.schema.createIndex('jobs_waiting').on('jobs').columns(['site', 'id'])
          .where(sql.ref('state'), 'in', [sql.lit('queued'), sql.lit('running')]).execute();
      },
    },
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
