// The ReceiverStore on any Kysely database. Everything here is plain SQL both SQLite and Postgres run
// (UPDATE … RETURNING, INSERT … ON CONFLICT … DO UPDATE with `excluded`); sqlite.ts only opens the file.
// Durability is the driver's: each method awaits its statement (or transaction) before it resolves.
// One file (over 400 lines) on purpose: the queue's rules (claim, lease expiry, retry, dead letters, release) are
// statements on the same rows whose conditions must agree with each other (WAITING, the poison bound, the attempts
// counted apart from expiries); read side by side they can be checked together, split they could drift.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Kysely, Selectable } from 'kysely';
import type { Job, Mention, MentionQuery, MentionStatus, QueueStats, Received, ReceiverStore, Site, SiteSettings, Verification } from '../types.ts';
import type { JobsTable, MentionsTable, ReceiverDb, SitesTable } from './schema.ts';

export interface StoreOptions {
  /** A job is dead-lettered when its verification fails (retryably) this many times; lease expiries do not count. */
  maxAttempts: number;
  /** Postgres takes the due job with FOR UPDATE SKIP LOCKED; SQLite serialises writers anyway. */
  dialect: 'sqlite' | 'postgres';
  /** Runs after the database is closed (the SQLite handle). */
  onClose?: () => void;
}

/** The Postgres channel each enqueue notifies on commit, which worker processes LISTEN to (listen.ts). */
export const JOBS_CHANNEL = 'linkback_jobs';

/**
 * A job whose lease ran out this many times is dead-lettered as poison. A lease runs out when the worker holding the
 * job died (SIGKILL, out of memory, a lost machine) or hung: that says little about the job, since a worker holds
 * --verify-workers jobs at once and claim() takes the oldest due ones first, so a worker killed again and again (a
 * crash loop, a bad deploy, the kill test) catches the same jobs every time. Poison is the job that kills every
 * worker taking it (a page that exhausts the parser's memory), and each take costs a worker restart and a lease
 * (twice --verify-timeout: a minute by default). 20 is four times the default --max-attempts and twice the ten kills
 * of issue 13's test: an innocent job rides out twenty restarts in a row, and a poison job costs at most twenty
 * crashes (20 minutes at least, by default) before it is set aside. Not a setting: nobody should have to tune it.
 */
export const MAX_LEASE_EXPIRIES = 20;

/** Jobs that still count against the queue bound. */
const WAITING = ['queued', 'running'] as const;

/**
 * claim() walks at most this many sites that have waiting jobs, one index probe each; past it, it sorts the due
 * jobs instead. A rough pick, not a measured crossover: on 10,000 queued jobs (bench/claim.ts) the walk is clearly
 * the cheaper at 100 sites and the sort at 10,000; 200 probes cost about a millisecond.
 */
export const WALK_LIMIT = 200;

export function createKyselyStore(db: Kysely<ReceiverDb>, options: StoreOptions): ReceiverStore {
  const iso = (date: Date) => date.toISOString();

  /**
   * A read-then-write transaction. SQLite's default BEGIN is deferred: it reads under a shared lock and asks for the
   * write lock at its first write, and when another process committed in between, that upgrade fails at once with
   * SQLITE_BUSY ("database is locked": busy_timeout cannot help a snapshot that is already stale). BEGIN IMMEDIATE
   * takes the write lock up front, waiting up to busy_timeout for it, so several processes can share one file.
   * Postgres keeps Kysely's transaction (its row locks are taken where the statements say FOR UPDATE).
   */
  async function writing<T>(work: (tx: Kysely<ReceiverDb>) => Promise<T>): Promise<T> {
    if (options.dialect === 'postgres') return db.transaction().execute(work);
    // One connection for the whole transaction (Kysely's SQLite driver lends its only one, and others wait).
    return db.connection().execute(async (connection) => {
      await sql`begin immediate`.execute(connection);
      try {
        const result = await work(connection);
        await sql`commit`.execute(connection);
        return result;
      } catch (error) {
        // SQLite may have rolled back by itself (a full disk): "no transaction is active" must not hide the cause.
        await sql`rollback`.execute(connection).catch(() => undefined);
        throw error;
      }
    });
  }

  /**
   * Tells the listening worker processes (pg-listen.ts) that jobs are due; inside a transaction, delivered when (and
   * only if) it commits. SQLite has no signal between processes: its workers find the job at their next poll.
   */
  async function notifyWorkers(on: Kysely<ReceiverDb>): Promise<void> {
    if (options.dialect === 'postgres') await sql`select pg_notify(${JOBS_CHANNEL}, '')`.execute(on);
  }

  async function mention(id: number): Promise<Mention | undefined> {
    const row = await db.selectFrom('mentions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMention(row) : undefined;
  }

  return {
    async sites() {
      const rows = await db.selectFrom('sites').selectAll().orderBy('origin').execute();
      return rows.map(toSite);
    },

    async ensureSite(origin) {
      await db.insertInto('sites')
        .values({ origin, read_token: newToken(), created_at: iso(new Date()), settings: null, last_claim: null })
        .onConflict((oc) => oc.column('origin').doNothing())
        .execute();
      const row = await db.selectFrom('sites').selectAll().where('origin', '=', origin).executeTakeFirstOrThrow();
      return toSite(row);
    },

    async ensureSites(origins) {
      // One commit, not one per site: with 10,000 configured sites, start-up paid 10,000 fsyncs (43 s on SQLite).
      // Chunks keep each statement under SQLite's bound-parameter limit (5 columns x 500 rows).
      const createdAt = iso(new Date());
      await writing(async (tx) => {
        for (let i = 0; i < origins.length; i += 500) {
          const rows = origins.slice(i, i + 500).map((origin) => ({ origin, read_token: newToken(), created_at: createdAt, settings: null, last_claim: null }));
          await tx.insertInto('sites').values(rows).onConflict((oc) => oc.column('origin').doNothing()).execute();
        }
      });
    },

    async site(origin) {
      const row = await db.selectFrom('sites').selectAll().where('origin', '=', origin).executeTakeFirst();
      return row ? toSite(row) : undefined;
    },

    async putSite(origin, settings) {
      const row = await db.insertInto('sites')
        .values({ origin, read_token: newToken(), created_at: iso(new Date()), settings: JSON.stringify(settings), last_claim: null })
        .onConflict((oc) => oc.column('origin').doUpdateSet((eb) => ({ settings: eb.ref('excluded.settings') })))
        .returningAll().executeTakeFirstOrThrow();
      return toSite(row);
    },

    async rotateToken(origin) {
      const row = await db.updateTable('sites').set({ read_token: newToken() }).where('origin', '=', origin)
        .returningAll().executeTakeFirst();
      return row ? toSite(row) : undefined;
    },

    async removeSite(origin, now) {
      return db.transaction().execute(async (tx) => {
        const removed = await tx.deleteFrom('sites').where('origin', '=', origin).returning('origin').executeTakeFirst();
        if (!removed) return false;
        // Nobody reads its mentions any more, so its waiting claims are not verified: dead-lettered, with why.
        await tx.updateTable('jobs').set({ state: 'dead', last_error: 'its site was removed', lease_owner: null, updated_at: iso(now) })
          .where('site', '=', origin).where('state', 'in', [...WAITING]).execute();
        return true;
      });
    },

    async enqueue(received) {
      return writing(async (tx) => {
        // A repeat of a claim nobody has taken yet is the same work: the newer claim replaces it (a flood of
        // resends of one source costs one verification), and the sender gets the same status URL.
        const waiting = await tx.selectFrom('jobs').select('id')
          .where('site', '=', received.site).where('source', '=', received.source).where('target', '=', received.target)
          .where('state', '=', 'queued')
          .orderBy('id').limit(1).executeTakeFirst();
        const now = received.receivedAt;
        const row = waiting
          ? await tx.updateTable('jobs').set({ received: JSON.stringify(received), updated_at: now })
            .where('id', '=', waiting.id).returningAll().executeTakeFirstOrThrow()
          : await tx.insertInto('jobs').values({
            site: received.site, source: received.source, target: received.target, received: JSON.stringify(received),
            state: 'queued', attempts: 0, not_before: now, lease_owner: null, last_error: null, mention_id: null,
            created_at: now, updated_at: now,
          }).returningAll().executeTakeFirstOrThrow();
        await notifyWorkers(tx);
        return toJob(row);
      });
    },

    async claim(worker, now, leaseMs) {
      const nowIso = iso(now);
      // A running job past its lease is counted an expiry when it is taken again (below); at the last one it is
      // poison instead: set aside, never taken again (see MAX_LEASE_EXPIRIES).
      await db.updateTable('jobs')
        .set((eb) => ({
          state: 'dead', expiries: eb('expiries', '+', 1), lease_owner: null, updated_at: nowIso,
          last_error: `poison: its lease expired ${MAX_LEASE_EXPIRIES} times (the worker taking it died or hung every time)`,
        }))
        .where('state', '=', 'running').where('not_before', '<=', nowIso).where('expiries', '>=', MAX_LEASE_EXPIRIES - 1)
        .execute();
      // Fair by site: the oldest due job (queued and past its backoff, or running with its lease over) of the site
      // whose turn (last_claim) is the oldest, so 10 claims of site B queued after 1,000 of site A are taken
      // alternately with A's, not after them. Sorting every due job by its site's turn costs time linear in the queue
      // (docs/receive-sites.md); so, through the index jobs_waiting (migration 0005):
      // 1. The sites that have a due job, by turn: a recursive walk skips from site to site in the index (one probe
      //    per site with waiting jobs; idle sites and finished jobs are not in it), and each site's oldest due job is
      //    its first entry that is due. Ordered by turn, then by that job: the order sorting all due jobs gives.
      // 2. One statement takes the first site's oldest due job: two workers can never both take it. On Postgres with
      //    FOR UPDATE SKIP LOCKED, so a worker taking the same site at once takes its next job, as sorting did; should
      //    the site have none left, the next site in line is tried.
      // A probe costs more than a sorted row, so past WALK_LIMIT sites with waiting jobs the walk stops and the claim
      // sorts the due jobs as before (the same answer): the walk wins on a flood of few sites, the sort on a queue
      // spread over thousands, and neither case costs much more than the better of the two.
      // `state in ('queued', 'running')` is written literally, as the index's predicate is: a bound parameter there
      // and neither planner would use the partial index. The walk orders by (site, id), which only jobs_waiting
      // gives: ordered by site alone, both planners took jobs_site_due, which also holds every finished job (jobs are
      // never deleted), so the walk would have grown with the history. EXPLAIN QUERY PLAN (SQLite) and EXPLAIN
      // (Postgres) on 10,000 queued and 10,000 done jobs of 100 sites: every step searches jobs_waiting (LIMIT 1 per
      // site); the only sort is of the candidate sites.
      const walk = await sql<{ walked: number | string; site: string | null }>`
        with recursive active(site, n) as (
          select (select site from jobs where state in ('queued', 'running') order by site, id limit 1), 1
          union all
          select (select j.site from jobs as j where j.state in ('queued', 'running') and j.site > active.site order by j.site, j.id limit 1), n + 1
          from active where active.site is not null and n <= ${WALK_LIMIT}
        ),
        -- Materialized: each site's probe runs once (both planners ran it twice, for WHERE and for ORDER BY).
        candidates as materialized (
          select active.site, coalesce(sites.last_claim, 0) as turn,
            (select j.id from jobs as j where j.site = active.site and j.state in ('queued', 'running')
              and j.not_before <= ${nowIso} order by j.id limit 1) as job
          from active left join sites on sites.origin = active.site
          where active.site is not null
        )
        -- One row at least, for the count of the sites walked.
        select walked.n as walked, candidates.site
        from (select count(*) as n from active where site is not null) as walked
        left join candidates on candidates.job is not null
        order by candidates.turn, candidates.job`.execute(db);
      // The due job to take, as a subquery; on Postgres FOR UPDATE OF jobs SKIP LOCKED (a busy worker's row is
      // skipped, not waited on).
      const lockable = <Q extends { forUpdate(of?: ['jobs']): Q; skipLocked(): Q }>(due: Q) =>
        options.dialect === 'postgres' ? due.forUpdate(['jobs']).skipLocked() : due;
      const siteDue = (site: string) => lockable(db.selectFrom('jobs').select('jobs.id')
        .where('jobs.site', '=', site).where(sql<boolean>`state in ('queued', 'running')`).where('jobs.not_before', '<=', nowIso)
        .orderBy('jobs.id').limit(1));
      const sortedDue = () => lockable(db.selectFrom('jobs').leftJoin('sites', 'sites.origin', 'jobs.site').select('jobs.id')
        .where('jobs.state', 'in', [...WAITING]).where('jobs.not_before', '<=', nowIso)
        .orderBy(sql`coalesce(sites.last_claim, 0)`).orderBy('jobs.id').limit(1));
      const take = (due: ReturnType<typeof siteDue> | ReturnType<typeof sortedDue>) => db.updateTable('jobs')
        .set((eb) => ({
          state: 'running', attempts: eb('attempts', '+', 1), not_before: iso(new Date(now.getTime() + leaseMs)),
          // Taken while running: its lease ran out (SET reads the row as it was).
          expiries: sql<number>`case when state = 'running' then expiries + 1 else expiries end`,
          lease_owner: worker, updated_at: nowIso,
        }))
        .where('id', '=', due)
        .returningAll().executeTakeFirst();
      let row: Selectable<JobsTable> | undefined;
      if (Number(walk.rows[0]?.walked ?? 0) > WALK_LIMIT) {
        row = await take(sortedDue());
      } else {
        for (const { site } of walk.rows) {
          if (site === null) continue;
          row = await take(siteDue(site));
          if (row) break;
        }
      }
      // The site's turn goes to the back of the line. A separate statement: should it be lost (a crash in between),
      // only the order of the next claims is off, never a job. Two Postgres workers may draw the same turn: a tie.
      if (row) {
        await db.updateTable('sites')
          .set({ last_claim: sql<number>`(select coalesce(max(s.last_claim), 0) + 1 from sites as s)` })
          .where('origin', '=', row.site).execute();
      }
      return row ? toJob(row) : undefined;
    },

    async complete(jobId, verification, now) {
      const nowIso = iso(now);
      const id = await writing(async (tx) => {
        let taking = tx.selectFrom('jobs').selectAll().where('id', '=', jobId);
        // Postgres: a second worker finishing the same job (its lease ran out) waits here and then sees it done.
        if (options.dialect === 'postgres') taking = taking.forUpdate();
        const job = await taking.executeTakeFirst();
        // Already finished (a worker whose lease ran out finished it too): the first answer stands.
        if (!job || job.state === 'done' || job.state === 'dead') return job?.mention_id ?? undefined;
        const received = JSON.parse(job.received) as Received;
        let mentionId: number | undefined;
        if (verification.ok) {
          const values = mentionValues(received, verification, nowIso);
          const row = await tx.insertInto('mentions').values(values)
            .onConflict((oc) => oc.columns(['site', 'source', 'target']).doUpdateSet((eb) => ({
              protocol: eb.ref('excluded.protocol'),
              property: eb.ref('excluded.property'),
              author: eb.ref('excluded.author'),
              content_html: eb.ref('excluded.content_html'),
              content_text: eb.ref('excluded.content_text'),
              name: eb.ref('excluded.name'),
              published: eb.ref('excluded.published'),
              url: eb.ref('excluded.url'),
              rsvp: eb.ref('excluded.rsvp'),
              verified_at: eb.ref('excluded.verified_at'),
              updated_at: eb.ref('excluded.updated_at'),
              // An update keeps the moderator's decision; a mention that was deleted and links again is back to pending.
              status: sql<MentionStatus>`case when mentions.status = 'deleted' then 'pending' else mentions.status end`,
            })))
            .returning('id').executeTakeFirstOrThrow();
          mentionId = row.id;
        } else if (verification.code === 'gone' || verification.code === 'no-link') {
          // The source is gone or no longer links: an existing mention is marked, never removed.
          const row = await tx.updateTable('mentions').set({ status: 'deleted', updated_at: nowIso })
            .where('site', '=', received.site).where('source', '=', received.source).where('target', '=', received.target)
            .returning('id').executeTakeFirst();
          mentionId = row?.id;
        }
        await tx.updateTable('jobs').set({
          state: 'done', not_before: nowIso, lease_owner: null, updated_at: nowIso, mention_id: mentionId ?? null,
          last_error: verification.ok ? null : `${verification.code}: ${verification.reason}`,
        }).where('id', '=', jobId).execute();
        return mentionId;
      });
      return id === undefined ? undefined : mention(id);
    },

    async retry(jobId, error, notBefore) {
      const nowIso = iso(new Date());
      // Failed attempts are the takes that got an answer: the expired leases are not this job's failures.
      const givesUp = sql<boolean>`attempts - expiries >= ${options.maxAttempts}`;
      await db.updateTable('jobs')
        .set({
          state: sql<'queued' | 'dead'>`case when ${givesUp} then 'dead' else 'queued' end`,
          last_error: sql<string>`case when ${givesUp} then ${`${error} (dead-lettered after ${options.maxAttempts} failed attempt${options.maxAttempts === 1 ? '' : 's'})`} else ${error} end`,
          not_before: iso(notBefore), lease_owner: null, updated_at: nowIso,
        })
        .where('id', '=', jobId).where('state', '=', 'running')
        .execute();
    },

    async release(jobId, now) {
      const nowIso = iso(now);
      await db.updateTable('jobs')
        .set((eb) => ({ state: 'queued', attempts: eb('attempts', '-', 1), not_before: nowIso, lease_owner: null, updated_at: nowIso }))
        .where('id', '=', jobId).where('state', '=', 'running')
        .execute();
    },

    async deadJobs(query) {
      let listed = db.selectFrom('jobs').selectAll().where('state', '=', 'dead');
      if (query.site !== undefined) listed = listed.where('site', '=', query.site);
      const rows = await listed.orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
      const counts = await db.selectFrom('jobs').select((eb) => ['site', eb.fn.countAll<number | string>().as('n')])
        .where('state', '=', 'dead').groupBy('site').orderBy('site').execute();
      return { jobs: rows.map(toJob), perSite: counts.map((row) => ({ site: row.site, count: Number(row.n) })) };
    },

    async requeue(which, now) {
      const nowIso = iso(now);
      let update = db.updateTable('jobs')
        .set({ state: 'queued', attempts: 0, expiries: 0, not_before: nowIso, lease_owner: null, updated_at: nowIso })
        .where('state', '=', 'dead')
        // A removed site's jobs stay dead: nobody reads its mentions (removeSite).
        .where('site', 'in', db.selectFrom('sites').select('origin'));
      update = 'job' in which ? update.where('id', '=', which.job) : update.where('site', '=', which.site);
      const result = await update.executeTakeFirst();
      const requeued = Number(result.numUpdatedRows);
      // Wake the worker processes as an enqueue does, rather than leave it to their poll.
      if (requeued > 0) await notifyWorkers(db);
      return requeued;
    },

    async job(jobId) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', jobId).executeTakeFirst();
      return row ? toJob(row) : undefined;
    },

    async queueDepth() {
      const row = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('state', 'in', [...WAITING]).executeTakeFirstOrThrow();
      return Number(row.n); // Postgres counts in bigint, which its driver returns as text
    },

    async queueStats() {
      const rows = await db.selectFrom('jobs').select((eb) => ['state', eb.fn.countAll<number | string>().as('n')])
        .groupBy('state').execute();
      const jobs: QueueStats['jobs'] = { queued: 0, running: 0, done: 0, dead: 0 };
      for (const row of rows) jobs[row.state] = Number(row.n);
      const oldest = await db.selectFrom('jobs').select((eb) => eb.fn.min('created_at').as('at'))
        .where('state', 'in', [...WAITING]).executeTakeFirst();
      return { jobs, ...(oldest?.at ? { oldestWaiting: oldest.at } : {}) };
    },

    mention,

    async mentions(query: MentionQuery) {
      let q = db.selectFrom('mentions').selectAll();
      if (query.site !== undefined) q = q.where('site', '=', query.site);
      if (query.target !== undefined) q = q.where('target', '=', query.target);
      if (query.source !== undefined) q = q.where('source', '=', query.source);
      if (query.status !== undefined) q = q.where('status', 'in', Array.isArray(query.status) ? query.status : [query.status]);
      if (query.since !== undefined) q = q.where('updated_at', '>', query.since);
      q = q.orderBy('received_at', 'desc').orderBy('id', 'desc');
      if (query.perPage !== undefined) q = q.limit(query.perPage).offset((query.page ?? 0) * query.perPage);
      return (await q.execute()).map(toMention);
    },

    async setStatus(id, status, now) {
      const row = await db.updateTable('mentions').set({ status, updated_at: iso(now) }).where('id', '=', id)
        .returningAll().executeTakeFirst();
      return row ? toMention(row) : undefined;
    },

    async isApprovedDomain(site, domain) {
      const row = await db.selectFrom('mentions').select('id')
        .where('site', '=', site).where('source_host', '=', domain.toLowerCase()).where('status', '=', 'approved')
        .limit(1).executeTakeFirst();
      return row !== undefined;
    },

    async close() {
      await db.destroy();
      options.onClose?.();
    },
  };
}

function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function toSite(row: Selectable<SitesTable>): Site {
  return { origin: row.origin, readToken: row.read_token, ...(row.settings ? { settings: JSON.parse(row.settings) as SiteSettings } : {}) };
}

function mentionValues(received: Received, v: Extract<Verification, { ok: true }>, nowIso: string) {
  return {
    site: received.site,
    protocol: received.protocol,
    source: received.source,
    target: received.target,
    source_host: new URL(received.source).hostname.toLowerCase(),
    status: 'pending' as const,
    property: v.property,
    author: v.author ? JSON.stringify(v.author) : null,
    content_html: v.content?.html ?? null,
    content_text: v.content?.text ?? null,
    name: v.name ?? null,
    published: v.published ?? null,
    url: v.url ?? null,
    rsvp: v.rsvp ?? null,
    received_at: received.receivedAt,
    verified_at: nowIso,
    updated_at: nowIso,
  };
}

function toJob(row: Selectable<JobsTable>): Job {
  return {
    id: row.id,
    received: JSON.parse(row.received) as Received,
    state: row.state,
    attempts: row.attempts,
    expiries: row.expiries,
    notBefore: row.not_before,
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.mention_id !== null ? { mentionId: row.mention_id } : {}),
    updatedAt: row.updated_at,
  };
}

function toMention(row: Selectable<MentionsTable>): Mention {
  const optional = <K extends string, V>(key: K, value: V | null) => (value === null ? {} : { [key]: value } as Record<K, V>);
  return {
    id: row.id,
    site: row.site,
    protocol: row.protocol,
    source: row.source,
    target: row.target,
    status: row.status,
    property: row.property,
    ...(row.author !== null ? { author: JSON.parse(row.author) as Mention['author'] } : {}),
    ...(row.content_html !== null ? { content: { html: row.content_html, text: row.content_text ?? '' } } : {}),
    ...optional('name', row.name),
    ...optional('published', row.published),
    ...optional('url', row.url),
    ...optional('rsvp', row.rsvp),
    receivedAt: row.received_at,
    ...optional('verifiedAt', row.verified_at),
    updatedAt: row.updated_at,
  };
}
