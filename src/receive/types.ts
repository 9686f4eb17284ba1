// The receiver's vocabulary (`linkback serve`). The receiver is its own pipeline, one folder per step:
//   accept/   a request -> a claim (Received) or a refusal, per protocol (pure: parse, check, answer)
//   queue     the claim is on disk before the answer goes out (ReceiverStore.enqueue), workers take it with a lease
//   verify/   fetch the source through net/'s guarded client; does it link to the target? what does it say? (pure core)
//   store/    one row per (site, source, target): an update replaces, a delete marks (ReceiverStore)
//   moderate/ pending / approved / spam / deleted, by rules (pure)
//   publish/  webmention.io's jf2 read API, Atom, export, webhook, the moderation page
// Each step's module imports these types; none imports another step's module except through these types.

export type Protocol = 'webmention' | 'pingback' | 'trackback';

export type MentionStatus = 'pending' | 'approved' | 'spam' | 'deleted';

/** webmention.io's `wm-property`: what the source says about the target. */
export type MentionProperty = 'in-reply-to' | 'like-of' | 'repost-of' | 'bookmark-of' | 'mention-of' | 'rsvp';

/** What the accept step hands to the queue: a claim, not yet verified. URLs are absolute, without fragment. */
export interface Received {
  /** The site's origin as configured (`https://blog.example.org`), which the target belongs to. */
  site: string;
  protocol: Protocol;
  source: string;
  target: string;
  /** TrackBack only: what the sender said, as plain text (already decoded from its charset, cut to the limits). */
  claimed?: { title?: string; excerpt?: string; blogName?: string };
  /** The client's address (from the socket, or X-Forwarded-For when the proxy is trusted). */
  clientAddress: string;
  /** ISO time the request was accepted. */
  receivedAt: string;
}

export interface Author {
  name?: string;
  photo?: string;
  url?: string;
}

/** What a verified source says about the target (read from its microformats, or its title and TrackBack's claim). */
export interface MentionFacts {
  property: MentionProperty;
  author?: Author;
  /** Sanitised HTML (an allowlist of tags, no scripts/handlers/iframes/javascript: URLs) and its plain text. */
  content?: { html: string; text: string };
  name?: string;
  published?: string;
  /** The mention's own URL (u-url), when the source gives one; else the source. */
  url?: string;
  /** RSVP value when property is 'rsvp'. */
  rsvp?: string;
}

/** What verification found. A failed verification is a result, not an exception. */
export type Verification =
  | ({ ok: true } & MentionFacts)
  | {
      ok: false;
      /**
       * gone: the source answered 404/410 (an existing mention is marked deleted);
       * no-link: the source no longer / never linked to the target (an existing mention is marked deleted);
       * unreadable: not a text type we read, too large, bad charset;
       * fetch-failed: no usable answer (timeout, reset, 5xx) — retryable;
       * refused-address: the source resolves to a private/loopback address and --allow-private is off.
       */
      code: 'gone' | 'no-link' | 'unreadable' | 'fetch-failed' | 'refused-address';
      reason: string;
      retryable: boolean;
    };

/** One stored mention: one row per (site, source, target). */
export interface Mention extends MentionFacts {
  id: number;
  site: string;
  protocol: Protocol;
  source: string;
  target: string;
  status: MentionStatus;
  /** ISO times. */
  receivedAt: string;
  verifiedAt?: string;
  updatedAt: string;
}

export type JobState = 'queued' | 'running' | 'done' | 'dead';

/** A verification job: a Received claim waiting for (or taken by) a worker. */
export interface Job {
  id: number;
  received: Received;
  state: JobState;
  /** Times a worker took it (a take given back at shutdown is not counted). */
  attempts: number;
  /** How many of those ended with its lease running out (the worker died or hung holding it): not failed attempts. */
  expiries: number;
  /** ISO: not taken before this time (backoff), or, while running, when the lease ends. */
  notBefore: string;
  /** Why it failed (a verification's code and reason), or, when dead, why it was dead-lettered. */
  lastError?: string;
  /** The verified (or deleted) mention, once done. */
  mentionId?: number;
  /** ISO time of its last change: for a dead job, when it was dead-lettered. */
  updatedAt: string;
}

/** The dead-lettered jobs, for the moderation page and the admin API. */
export interface DeadJobs {
  /** The most recently dead-lettered first. */
  jobs: Job[];
  /** How many dead jobs each site has (all, not only those listed), by origin. */
  perSite: Array<{ site: string; count: number }>;
}

/** A plain HTTP answer: the accept and publish steps return these; the server writes them. */
export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

/** A request as the routes see it: already read (size-capped) by the server. */
export interface ReceiverRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  /** Lower-cased names. */
  headers: Record<string, string | undefined>;
  body: Buffer;
  clientAddress: string;
}

export interface MentionQuery {
  site?: string;
  target?: string;
  source?: string;
  status?: MentionStatus | MentionStatus[];
  /** Only mentions received (or updated) after this ISO time. */
  since?: string;
  /** 0-based page of `perPage` rows, newest first. */
  page?: number;
  perPage?: number;
}

export interface QueueStats {
  jobs: Record<JobState, number>;
  /** ISO time the oldest queued or running job was accepted; absent when none waits. */
  oldestWaiting?: string;
}

export interface Site {
  /** The origin (`https://blog.example.org`); its host is the `<domain>` of webmention.io-style paths. */
  origin: string;
  /** Read token for the jf2 API of this site (webmention.io's `token`). */
  readToken: string;
  /** What this site sets for itself (admin API); each absent key falls back to the server's setting. */
  settings?: SiteSettings;
}

/** Per-site overrides of the server's settings, stored with the site (the admin API sets them). */
export interface SiteSettings {
  /** Webmentions per minute per client address / per source host (0 = no limit): --rate-client, --rate-source. */
  rateClient?: number;
  rateSource?: number;
  /** --approve: known (a domain approved once), all, none. */
  approve?: 'known' | 'all' | 'none';
  /** --allow-domain / --block-domain. */
  allowDomains?: string[];
  blockDomains?: string[];
}

/**
 * The one data-access seam of the receiver (SQLite by default; Postgres later behind the same interface).
 * Every write is durable when its promise resolves.
 */
export interface ReceiverStore {
  sites(): Promise<Site[]>;
  /** Adds the site if missing (with a fresh read token) and returns it. */
  ensureSite(origin: string): Promise<Site>;
  /** ensureSite for many at once, in one transaction (serve's start with thousands of configured sites). */
  ensureSites(origins: readonly string[]): Promise<void>;
  site(origin: string): Promise<Site | undefined>;
  /** Adds the site if missing, and sets its settings (replacing the ones it had). */
  putSite(origin: string, settings: SiteSettings): Promise<Site>;
  /** A fresh read token: the old one is refused from now on. Undefined when there is no such site. */
  rotateToken(origin: string): Promise<Site | undefined>;
  /**
   * Removes the site: it is no longer received for nor read. Its mentions are kept (re-adding the origin serves
   * them again, with a new token); its waiting jobs are dead-lettered. False when there was no such site.
   */
  removeSite(origin: string, now: Date): Promise<boolean>;

  /** Durable before it resolves: the 202 goes out after this. Returns the job (its id is the status URL's). */
  enqueue(received: Received): Promise<Job>;
  /**
   * Takes a due job, leasing it until now + leaseMs; a job whose lease ended is taken again. Round-robin by site:
   * the oldest due job of the site served longest ago, so one site's flood does not starve another.
   */
  claim(worker: string, now: Date, leaseMs: number): Promise<Job | undefined>;
  /** Stores the verification: upserts the mention (one row per site+source+target) or marks it deleted; ends the job. */
  complete(jobId: number, verification: Verification, now: Date): Promise<Mention | undefined>;
  /** Puts a job back with a not-before time (retryable failure), or dead-letters it after too many failed attempts. */
  retry(jobId: number, error: string, notBefore: Date): Promise<void>;
  /**
   * Puts a taken job back, due now, as if it had not been taken: its worker is shutting down, which is neither the
   * job's failure nor a lost lease, so a deploy that restarts the workers again and again dead-letters nothing.
   */
  release(jobId: number, now: Date): Promise<void>;
  /** Dead-lettered jobs (of one site, or of all), the most recently dead first, at most `limit`. */
  deadJobs(query: { site?: string; limit: number }): Promise<DeadJobs>;
  /**
   * Puts dead-lettered jobs back in the queue, due now, their attempts and expiries reset (the admin's "Retry"): one
   * job, or every dead job of a site. A removed site's jobs stay dead. Returns how many were re-queued.
   */
  requeue(which: { job: number } | { site: string }, now: Date): Promise<number>;
  job(jobId: number): Promise<Job | undefined>;
  queueDepth(): Promise<number>;
  /** The queue at a glance (for /metrics): jobs per state, and when the oldest still waiting was accepted. */
  queueStats(): Promise<QueueStats>;

  mention(id: number): Promise<Mention | undefined>;
  mentions(query: MentionQuery): Promise<Mention[]>;
  setStatus(id: number, status: MentionStatus, now: Date): Promise<Mention | undefined>;
  /** Source domains approved once are approved next time (WordPress's rule). */
  isApprovedDomain(site: string, domain: string): Promise<boolean>;

  /**
   * Calls `onJob` when a job may have been queued by any process on the database (Postgres: LISTEN/NOTIFY on a
   * connection of its own, reconnected when lost), so idle workers look at once instead of at their next poll.
   * Resolves once listening (or once the first attempt failed: the poll still finds every job). Absent where the
   * database has no signal between processes (SQLite): workers poll.
   */
  watchJobs?(onJob: () => void, onError?: (error: unknown) => void): Promise<JobWatch>;
  /**
   * Counts one request for a rate-limit key in the given minute (since the epoch), where every process sees it, and
   * returns that minute's count and the one before's. Present on Postgres (limits shared by its web processes);
   * absent on SQLite, whose limits stay in each process's memory.
   */
  countHit?(key: string, minute: number): Promise<{ current: number; previous: number }>;

  close(): Promise<void>;
}

export interface JobWatch {
  close(): Promise<void>;
}
