// The receiver's tables, as Kysely sees them. Times are ISO-8601 UTC text (they sort as they compare, on SQLite
// and Postgres alike); JSON (the claim, the author) is text, so no column type is dialect-specific but the ids.
import type { Generated } from 'kysely';
import type { JobState, MentionProperty, MentionStatus, Protocol } from '../types.ts';

export interface SitesTable {
  origin: string;
  read_token: string;
  created_at: string;
  /** SiteSettings as JSON, or null (migration 0002). */
  settings: string | null;
  /** When a worker last took one of its jobs, as a turn number (claim()'s round-robin; migration 0002). */
  last_claim: number | string | null; // bigint: Postgres's driver returns it as text
}

export interface JobsTable {
  id: Generated<number>;
  site: string;
  source: string;
  target: string;
  /** The Received claim, as JSON. */
  received: string;
  state: JobState;
  /** Times taken by a worker (each claim), whatever came of it. */
  attempts: number;
  /** Times its lease ran out (its worker died or hung holding it): attempts - expiries tries got an answer (migration 0003). */
  expiries: Generated<number>;
  /** Not taken before (backoff); while running, when the lease ends. */
  not_before: string;
  lease_owner: string | null;
  last_error: string | null;
  mention_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface MentionsTable {
  id: Generated<number>;
  site: string;
  protocol: Protocol;
  source: string;
  target: string;
  /** The source's host, for "a domain approved once is approved next time". */
  source_host: string;
  status: MentionStatus;
  property: MentionProperty;
  /** Author as JSON, or null. */
  author: string | null;
  content_html: string | null;
  content_text: string | null;
  name: string | null;
  published: string | null;
  url: string | null;
  rsvp: string | null;
  received_at: string;
  verified_at: string | null;
  updated_at: string;
}

/** Requests per rate-limit key and minute (Postgres only: limits shared by every web process). */
export interface RateHitsTable {
  key: string;
  /** Minutes since the epoch. */
  minute: number;
  hits: number;
}

export interface ReceiverDb {
  sites: SitesTable;
  jobs: JobsTable;
  mentions: MentionsTable;
  rate_hits: RateHitsTable;
}
