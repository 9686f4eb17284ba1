// The whole job, as the CLI and library callers run it:
//   read the posts (input/: the site folder, a feed or a sitemap) -> map each post's links to targets (targets/)
//   -> decide from the state what is new, changed or gone (state/plan, lifecycle/plan) -> discover the endpoint
//   (targets/) -> record "in flight" -> send (send/) -> record the outcome -> report. Posts that left the site are
//   handled last. Network, files and clock come in through `deps`, so tests can inject them.
import { stat } from 'node:fs/promises';
import type { Endpoint, Outcome, Post, Result, Target } from './types.ts';
import { LinkbackError, isLinkbackError } from './errors.ts';
import type { OptionsInput, Options } from './options.ts';
import { parseOptions } from './options.ts';
import { scanSite } from './site/index.ts';
import type { ScanOptions, SiteOptions, SiteWarning } from './site/index.ts';
import { scanPages } from './site/pages.ts';
import type { PageSource } from './site/pages.ts';
import { legacyFingerprint, postFingerprint } from './site/fingerprint.ts';
import { chooseInput, feedInput, sitemapInput } from './input/index.ts';
import type { PostInput } from './input/index.ts';
import { globToRegExp, resolveTargets } from './targets/resolve.ts';
import { createScope } from './scope.ts';
import { discoverOnce, discoverPage } from './targets/discover-page.ts';
import { notify } from './send/notify.ts';
import { openState } from './state/store.ts';
import type { StateStore } from './state/store.ts';
import { createInFlightGate } from './state/in-flight.ts';
import type { NotificationRecord, PostRecord, RecordStatus } from './state/format.ts';
import { pendingUnlinked, planPair } from './lifecycle/plan.ts';
import type { PairContext, PairPlan } from './lifecycle/plan.ts';
import { sinceVerdict } from './lifecycle/since.ts';
import { checkGone } from './lifecycle/gone.ts';
import { trackDepartures } from './lifecycle/left.ts';
import { goneForUpdate, goneVerdict } from './lifecycle/dead.ts';
import type { SourceCheck } from './lifecycle/gone.ts';
import { GONE } from './lifecycle/plan.ts';
import { createLiveCheck, heldMessage, notLiveReason, siteClientFor, targetReader } from './lifecycle/live.ts';
import type { HttpClient } from './net/types.ts';
import { createClientFor } from './net/client.ts';
import { createLimiter } from './net/limiter.ts';
import { createTaskWindow } from './net/task-window.ts';
import { DEFAULT_RETRY } from './net/retry.ts';
import type { NetContext } from './net/attempt.ts';
import { sleep } from './net/attempt.ts';
import { countKey } from './report/counts.ts';
import { HostSchedule, DEFAULT_INTERVAL_MS, arxivHostsFor, heldAcrossRuns, settingFor } from './ratelimit/host.ts';
import { createPacer } from './ratelimit/pacer.ts';
import type { HostWait } from './ratelimit/pacer.ts';
// pushl: WebSub, Wayback archiving, conditional GETs of a remote input (their own modules; hooks marked "pushl:")
import { archiveHostsFor } from './ratelimit/host.ts';
import { createWebSub } from './websub/step.ts';
import { hubbedFeedsOfRun } from './websub/feeds.ts';
import type { HubPing } from './websub/publish.ts';
import { createArchiver } from './archive/step.ts';
import type { Capture } from './archive/rules.ts';
import { knownValidators, rememberValidators } from './input/conditional.ts';

type SendPlan = Extract<PairPlan, { action: 'send' }>;

/**
 * Live checks of our own posts at once (lifecycle/live.ts). Not paced like targets (it is the user's own site), but
 * not `concurrency` (128) either: a first run over a big blog would open that many GETs to one host.
 */
const OWN_SITE_CONCURRENCY = 8;

export type LinkbackEvent =
  | { type: 'page'; file: string; kind: 'post' | 'listing' | 'other' | 'unchanged' | 'error'; reason: string }
  | { type: 'warning'; file: string; message: string }
  | { type: 'post'; post: Post; targets: number }
  /** A post left out by `since`: published before it, or without a date (never guessed). */
  | { type: 'filtered'; post: Post; reason: 'before-since' | 'undated' }
  /** Links of a post dropped as the site's own (same host and port), those written with a host: for --verbose. */
  | { type: 'own-site'; file: string; url: string; links: string[] }
  /** A post of the state that is gone from the site: what was (or was not) done about it. */
  | { type: 'deleted'; url: string; file: string; targets: number; message: string }
  | { type: 'discovered'; target: string; endpoint: Endpoint | null; notes: string[] }
  /** The run waits `ms` before its next request to `host` (pacing of 1 s or more, or a "slow down" pause). */
  | ({ type: 'waiting' } & HostWait)
  | { type: 'result'; result: Result };

export interface SendDeps {
  /** The HTTP client; default: undici with the options' timeouts, SSRF guard and connectTo. */
  client?: HttpClient;
  /** When it fires, no new request starts; requests in flight finish (or time out) and are recorded. */
  signal?: AbortSignal;
  onEvent?: (event: LinkbackEvent) => void;
  now?: () => Date;
  /**
   * How the run waits (pacing, "slow down" pauses, retries): rejects when `signal` fires. With `now`, a test runs
   * the receivers' 3 s and 15 s rules on a virtual clock. Default: a timer.
   */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * The built pages, when a generator plugin already holds them (Eleventy): read instead of the site folder,
   * which is then only read for a home page missing from the list. Added for src/integrations/.
   */
  pages?: readonly PageSource[];
  /**
   * Which results the report holds; default: all. Every result is still counted in the summary and emitted
   * as a 'result' event, so a caller that shows only some (the CLI's table: report/table.ts tableRows) keeps
   * memory flat on a big site: a row per post and target is 500,000 rows for 50,000 posts.
   */
  keepResult?: (result: Result) => boolean;
  /**
   * The client that fetches our own posts to see that they are live (checkLive, lifecycle/live.ts); default:
   * `client` when given, else one like it that may reach private addresses (the site is the user's own).
   */
  siteClient?: HttpClient;
}

export interface Summary {
  pages: number;
  posts: number;
  /** Posts whose file did not change since the last run and whose notifications are all settled: not parsed. */
  unchangedPosts: number;
  targets: number;
  sent: number;
  failed: number;
  /** Not sent in this run for a reason that is not a refusal ("slow down", post not live yet): the next run sends them. */
  held: number;
  skipped: number;
  noEndpoint: number;
  dryRun: number;
  /** TrackBacks left in flight by a killed earlier run, now marked uncertain (not sent again by themselves). */
  recoveredUncertain: number;
  /** Webmentions and Pingbacks left in flight by a killed earlier run: a repeat is harmless, so this run sends them. */
  recoveredResend: number;
  /** Of `sent`: Webmentions re-sent because a post changed, dropped a link or was deleted. */
  resent: number;
  /** Recorded as done without sending (markExisting / baseline). */
  marked: number;
  /** Posts left out by `since`: published before it, or without a date. */
  beforeSince: number;
  undated: number;
  /** Posts of the state that are gone from the site (handled only with `deletes`). */
  deletedPosts: number;
  /** Article-like pages (one article, an h1) left out for want of a date (includeUndated takes them), and one of them. */
  undatedPages: number;
  undatedExample: string | null;
}

export interface SendReport {
  results: Result[];
  summary: Summary;
  warnings: SiteWarning[];
  dryRun: boolean;
  /** True when the run was stopped (signal) before it finished. */
  interrupted: boolean;
  /**
   * Hosts the run waited on for 1 s or more in all (pacing, "slow down" pauses): how long, why, and how many times
   * the host asked to slow down.
   */
  hostWaits: Array<{ host: string; ms: number; reason: string; slowDowns: number }>;
  /** A fatal problem that stopped the run part-way (e.g. the state could not be written). */
  error: { code: string; message: string } | null;
  /** pushl: what each WebSub hub of the site's feed was told (none when no post was added or changed). */
  websub?: HubPing[];
  /** pushl: Save Page Now captures of cited pages (with `archive`), with their Wayback addresses. */
  archive?: Capture[];
  /** pushl: the remote feed or sitemap answered 304 to a conditional GET: nothing was read. */
  inputNotModified?: boolean;
  startedAt: string;
  finishedAt: string;
}

export async function send(input: OptionsInput, deps: SendDeps = {}): Promise<SendReport> {
  const options = parseOptions(input);
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const choice = chooseInput(options);
  if (choice.kind === 'site') await assertSiteFolder(choice.location);
  if (choice.kind === 'feed' && options.deletes) {
    throw new LinkbackError('USAGE', 'deletes needs the whole site (its folder or its sitemap): a feed lists only the latest posts');
  }

  const state = await openState(options.state, options.dryRun ? { readOnly: true } : { lock: 'fail' });
  const client = deps.client ?? createClientFor(options);
  const siteClient = deps.siteClient ?? deps.client ?? (options.checkLive ? siteClientFor(options) : undefined);
  try {
    return await run(options, state, client, { ...deps, ...(siteClient ? { siteClient } : {}) }, startedAt);
  } finally {
    if (!deps.client) await client.close();
    if (!deps.siteClient && !deps.client) await siteClient?.close();
    await state.close();
  }
}

/**
 * Adopting linkback on a blog with a history: records every notification the current site would send as done,
 * sending nothing and fetching no target (see README "Adopting linkback on an existing blog").
 */
export function baseline(input: OptionsInput, deps: SendDeps = {}): Promise<SendReport> {
  return send({ ...input, markExisting: true }, deps);
}

export { createClientFor };

/** The limiter, host pacing, retry rules and clock of one run, shared by every request it makes. */
export function netContextFor(options: Options, client: HttpClient, now: () => Date, signal?: AbortSignal,
  io: { sleep?: ((ms: number, signal?: AbortSignal) => Promise<void>) | undefined; onWait?: ((wait: HostWait) => void) | undefined } = {}): NetContext {
  const hosts = hostSettings(options);
  const schedule = new HostSchedule({
    defaultInterval: DEFAULT_INTERVAL_MS,
    arxivHosts: arxivHostsFor(options.arxivEndpoint),
    archiveHosts: archiveHostsFor(options), // pushl: Save Page Now's 4 captures a minute
    hosts,
    maxHostWait: options.maxHostWait,
    maxRetryAfter: options.maxRetryAfter,
  });
  const clock = () => now().getTime();
  const wait = io.sleep ?? sleep;
  // Pacing measures time with the clock its waits run on: the caller's `now` only when it brings its own sleep
  // (a virtual clock); a `now` alone may be frozen (records stamped with a fixed date) and would never let a turn come.
  const paceClock = io.sleep ? clock : Date.now;
  return {
    client,
    limit: createLimiter({ concurrency: options.concurrency, perHost: options.perHost, perHostFor: (host) => settingFor(host, { hosts })?.perHost }),
    retry: { ...DEFAULT_RETRY, retries: options.retries, maxRetryAfterMs: options.maxRetryAfter },
    now: clock,
    sleep: wait,
    pacer: createPacer(schedule, { now: paceClock, sleep: wait, signal, onWait: io.onWait }),
    ...(signal ? { signal } : {}),
  };
}

/** The per-host settings (`hosts`) by lower-case host: host names are case-insensitive, and URLs spell them so. */
function hostSettings(options: Options): Options['hosts'] {
  return Object.fromEntries(Object.entries(options.hosts).map(([host, setting]) => [host.toLowerCase(), setting]));
}

async function assertSiteFolder(site: string): Promise<void> {
  const info = await stat(site).catch((cause: unknown) => {
    throw new LinkbackError('SITE_NOT_FOUND', `site folder not found: ${site}`, { cause });
  });
  if (!info.isDirectory()) throw new LinkbackError('SITE_NOT_FOUND', `not a folder: ${site}`);
}

async function run(options: Options, state: StateStore, client: HttpClient, deps: SendDeps, startedAt: string): Promise<SendReport> {
  const now = deps.now ?? (() => new Date());
  const emit = deps.onEvent ?? (() => {});
  // `now`: a record's retryAt (a gone target's next check) is compared with the time the run started.
  const flags = { retryFailed: options.retryFailed, retryUncertain: options.retryUncertain, now: now().getTime() };
  const exclude = options.exclude.map(globToRegExp);
  // includePaths / excludePaths, excludeHosts and --only (src/scope.ts).
  const scope = createScope(options);
  const ctx = netContextFor(options, client, now, deps.signal, { sleep: deps.sleep, onWait: (wait) => emit({ type: 'waiting', ...wait }) });
  // As many places per host as it has connection slots (its own perHost setting, else --per-host).
  const hosts = hostSettings(options);
  const inFlight = createInFlightGate((host) => settingFor(host, { hosts })?.perHost ?? options.perHost);
  const summary: Summary = {
    pages: 0, posts: 0, unchangedPosts: 0, targets: 0, sent: 0, failed: 0, held: 0, skipped: 0, noEndpoint: 0, dryRun: 0,
    recoveredUncertain: state.recovered.filter((r) => r.status === 'uncertain').length,
    recoveredResend: state.recovered.filter((r) => r.status !== 'uncertain').length, resent: 0, marked: 0, beforeSince: 0, undated: 0, deletedPosts: 0,
    undatedPages: 0, undatedExample: null,
  };
  const results: Result[] = [];
  const warnings: SiteWarning[] = [];
  // Held in an object: it is set from inside tasks, and TypeScript's narrowing would forget that.
  const failure: { fatal: LinkbackError | null } = { fatal: null };
  const stopped = () => failure.fatal !== null || deps.signal?.aborted === true;

  // The same target linked from many posts is fetched once per run; its notes are told once, then dropped.
  const discover = discoverOnce((url) => discoverPage(ctx, url, options.allowPrivate), (url, d) => {
    emit({ type: 'discovered', target: url, endpoint: 'endpoint' in d ? d.endpoint : null, notes: d.notes });
  });

  const postsByFile = new Map<string, PostRecord>();
  for (const post of state.posts()) postsByFile.set(post.file, post);
  // Taken before this run records anything: a post it reads for the first time cannot have left the site.
  const departures = trackDepartures(state.posts());
  // Skipping a file unparsed is safe when its bytes are the same (so are its links and fingerprint) and nothing
  // is left to do for any pair it had, linked or dropped.
  const unchanged = (file: string, hash: string): boolean => {
    const known = postsByFile.get(file);
    if (!known || known.hash !== hash || known.deleted !== undefined) return false;
    const pair = { fingerprint: known.fingerprint, postFingerprint: known.fingerprint };
    const linked = { fingerprint: known.fingerprint, postFingerprint: known.fingerprint, linked: true }; // see linkedPair
    const get = (target: string) => state.get(known.url, target);
    return known.targets.every((target) => planPair(get(target), linked, flags).action === 'skip') &&
      pendingUnlinked(known.unlinked ?? [], new Set(), get, pair, flags).length === 0;
  };

  const keep = deps.keepResult ?? (() => true);
  const report = (result: Result) => {
    if (keep(result)) results.push(result);
    summary[countKey(result.status)]++;
    emit({ type: 'result', result });
  };

  /** Returns false (and stops the run) when the state cannot be written: never send what we cannot record. */
  const save = async (entry: NotificationRecord): Promise<boolean> => {
    try {
      await state.put(entry);
      return true;
    } catch (error) {
      failure.fatal ??= isLinkbackError(error) ? error : new LinkbackError('STATE_UNWRITABLE', `cannot write ${state.path}`, { cause: error });
      return false;
    }
  };

  type Extra = Pick<NotificationRecord, 'fingerprint' | 'update' | 'retryAt'> & { at?: string };
  const record = (post: Post, target: string, protocol: Endpoint['protocol'] | null, endpoint: string | null, status: RecordStatus, outcome: Outcome, attempts: number, retryable: boolean, extra: Extra): Promise<boolean> =>
    save({
      source: post.url, target, protocol, endpoint, status, code: outcome.code, message: outcome.message,
      at: now().toISOString(), attempts, retryable,
      ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
      ...(outcome.location !== undefined ? { location: outcome.location } : {}),
      ...extra,
    });

  /** Sends one notification to a known endpoint: "in flight" made durable first, then the outcome recorded. */
  const deliver = async (post: Post, target: string, endpoint: Endpoint, previous: NotificationRecord | undefined, given: Extra, why: string | null): Promise<void> => {
    let extra = given;
    const say = (message: string) => (why === null ? message : `${why}: ${message}`);
    if (options.dryRun) {
      report(wouldSend(post, target, endpoint, why));
      return;
    }
    if (stopped()) return;
    const attempts = (previous?.attempts ?? 0) + 1;
    // Durable BEFORE the request goes on the wire (inside its connection slot): if we die after this, the
    // next run knows it may have been delivered and does not send it again by itself.
    const sending: Outcome = { status: 'failed', code: 'uncertain', message: 'in flight' };
    // The outcome is recorded inside the gate: at most perHost per host in flight in the state (state/in-flight.ts).
    const notified = await inFlight(endpoint.url, async () => {
      let got: Awaited<ReturnType<typeof notify>>;
      try {
        got = await notify(ctx, post, target, endpoint, async () => {
          if (stopped()) throw new LinkbackError('ABORTED', 'stopped before sending');
          if (!(await record(post, target, endpoint.protocol, endpoint.url, 'in-flight', sending, attempts, false, extra))) {
            throw new LinkbackError('STATE_UNWRITABLE', 'state not writable');
          }
        }, async (held) => {
          // The server said "not processed, come back later" and we wait before trying again: record that, so a
          // kill during the wait leaves a pair the next run may send, not an uncertain one.
          if (!(await record(post, target, endpoint.protocol, endpoint.url, 'failed', held, attempts, true, extra))) {
            throw new LinkbackError('STATE_UNWRITABLE', 'state not writable');
          }
        });
      } catch (error) {
        if (isLinkbackError(error)) return null; // stopped, or the state cannot be written: nothing was sent
        throw error;
      }
      let settled = { outcome: got.outcome, retryable: got.retryable, uncertain: got.uncertain };
      if (got.outcome.code === 'rate-limited' && got.outcome.status === 'held') {
        // Held by a host that kept saying "slow down": the next run sends it, later and later if the host keeps
        // refusing run after run, and not at all once it seems to block us for good (ratelimit/host.ts heldAcrossRuns).
        const across = heldAcrossRuns(previous, now().getTime());
        if ('giveUp' in across) {
          settled = {
            outcome: { ...got.outcome, status: 'failed', message: `${got.outcome.message.replace(/; the next run sends it\)$/, ')')}; held in every run since ${previous?.at ?? 'before'}: given up (--retry-failed sends it again)` },
            retryable: false,
            uncertain: false,
          };
        } else if (across.retryAt !== null) {
          extra = { ...extra, retryAt: across.retryAt };
          settled = { ...settled, outcome: { ...got.outcome, message: got.outcome.message.replace(/the next run sends it\)$/, `held in the run before too: a run from ${across.retryAt} sends it)`) } };
        }
      }
      const status: RecordStatus = settled.outcome.status === 'sent' ? 'sent' : settled.uncertain ? 'uncertain' : 'failed';
      // Every request this run put on the wire for the pair, retries included.
      await record(post, target, endpoint.protocol, endpoint.url, status, settled.outcome, (previous?.attempts ?? 0) + got.attempts, settled.retryable, extra);
      return { ...settled, status };
    });
    if (notified === null) return;
    const status = notified.status;
    if (status === 'sent' && extra.update) summary.resent++;
    report(row(post, target, endpoint.protocol, endpoint.url, { ...notified.outcome, message: say(notified.outcome.message) }));
  };

  // Is the post live (lifecycle/live.ts)? Asked once per post, only for a pair about to be sent. Not for the
  // posts of a sitemap: each was just read from its public URL.
  const checkLive = options.checkLive && !options.markExisting && chooseInput(options).kind !== 'sitemap';
  /** The URLs of posts gone from the site whose former targets this run tells (handleDeleted). */
  const departed = new Set<string>();
  const live = checkLive && deps.siteClient
    ? createLiveCheck(deps.siteClient, { concurrency: OWN_SITE_CONCURRENCY, read: targetReader(options), ...(deps.signal ? { signal: deps.signal } : {}) })
    : null;
  /** deliver, once the live post shows what the notification tells; else the pair is held for the next run. */
  const deliverLive = async (post: Post, target: string, endpoint: Endpoint, previous: NotificationRecord | undefined, extra: Extra, why: string | null): Promise<void> => {
    // A post deleted from the site (handleDeleted below): gone.ts already saw it answer 404/410.
    if (live === null || departed.has(post.url) || stopped()) return deliver(post, target, endpoint, previous, extra, why);
    const reason = notLiveReason(await live(post), post.url, target, extra.fingerprint !== GONE);
    if (reason === null) return deliver(post, target, endpoint, previous, extra, why);
    if (stopped()) return;
    const say = (message: string) => (why === null ? message : `${why}: ${message}`);
    if (options.dryRun) {
      report(row(post, target, endpoint.protocol, endpoint.url, { status: 'dry-run', code: 'not-deployed', message: say(`would be held: ${reason}`) }));
      return;
    }
    const held: Outcome = { status: 'held', code: 'not-deployed', message: say(heldMessage(reason)) };
    // Nothing went on the wire: attempts unchanged, and retryable, so the next run sends it by itself.
    if (!(await record(post, target, endpoint.protocol, endpoint.url, 'failed', held, previous?.attempts ?? 0, true, extra))) return;
    report(row(post, target, endpoint.protocol, endpoint.url, held));
  };

  /** markExisting: what this run would send is recorded as done, and nothing goes out. */
  const mark = async (post: Post, target: string, entry: NotificationRecord, why: string | null): Promise<void> => {
    const say = (message: string) => (why === null ? message : `${why}: ${message}`);
    if (options.dryRun) {
      report(row(post, target, entry.protocol, entry.endpoint, { status: 'dry-run', code: 'dry-run', message: say('would be recorded as done without sending (markExisting)') }));
      return;
    }
    if (!(await save(entry))) return;
    summary.marked++;
    report(row(post, target, entry.protocol, entry.endpoint, { status: 'skipped', code: 'already-done', message: say('recorded as done without sending (markExisting)') }));
  };

  /** A post's first notification to a target, of whatever protocol the target takes. */
  const first = async (post: Post, target: Target, previous: NotificationRecord | undefined, fingerprint: string): Promise<void> => {
    const extra: Extra = { fingerprint };
    if (options.markExisting) {
      // No discovery: cheapest, and correct, since a pair recorded as done is never sent whatever its protocol. A
      // later update of the post discovers then (see lifecycle/plan.ts, protocol null).
      const arxiv = target.kind === 'arxiv';
      await mark(post, target.url, {
        source: post.url, target: target.url, protocol: arxiv ? 'trackback' : null, endpoint: arxiv ? target.endpoint : null,
        status: 'sent', code: 'already-done', message: 'recorded as done without sending (markExisting)',
        at: now().toISOString(), attempts: previous?.attempts ?? 0, retryable: false, ...extra,
      }, null);
      return;
    }
    let endpoint: Endpoint;
    if (target.kind === 'arxiv') {
      endpoint = arxivEndpoint(target);
    } else {
      const found = await discover(target.url);
      if ('outcome' in found && found.outcome.code === 'target-gone') {
        // Reported as a failure once; then old news, checked again on a widening schedule (lifecycle/dead.ts).
        const gone = goneVerdict(previous, found.outcome, now());
        report(row(post, target.url, null, null, gone.outcome));
        if (!options.dryRun) await record(post, target.url, null, null, 'failed', found.outcome, previous?.attempts ?? 0, true, { ...extra, at: gone.since, retryAt: gone.retryAt });
        return;
      }
      if ('outcome' in found) {
        const outcome = found.outcome;
        report(row(post, target.url, null, null, outcome));
        // Remember what a later run need not redo: no endpoint is definite; a failed discovery sent nothing.
        if (!options.dryRun && outcome.status !== 'skipped') {
          const status: RecordStatus = outcome.status === 'no-endpoint' ? 'no-endpoint' : 'failed';
          await record(post, target.url, null, null, status, outcome, previous?.attempts ?? 0, status === 'failed', extra);
        }
        return;
      }
      endpoint = found.endpoint;
    }
    await deliverLive(post, target.url, endpoint, previous, extra, null);
  };

  /**
   * A Webmention re-send to a target notified before (`why`: the post changed, dropped the link, was deleted).
   * Discovery runs again: the target may have moved its endpoint, or now take another protocol.
   */
  const resend = async (post: Post, target: string, previous: NotificationRecord, fingerprint: string | undefined, why: string): Promise<void> => {
    // Settled for this content without sending: the record keeps what was delivered and learns the fingerprint.
    const settled: NotificationRecord = { ...previous, ...(fingerprint !== undefined ? { fingerprint } : {}) };
    if (options.markExisting) return mark(post, target, settled, why);
    const found = await discover(target);
    if ('outcome' in found) {
      // No endpoint any more, or no page (404/410): nothing to tell, and nothing a later run could tell it. A
      // failed discovery leaves the record as it was: the next run tries again.
      const nothingLeft = found.outcome.status === 'no-endpoint' || found.outcome.code === 'target-gone';
      const outcome = found.outcome.code === 'target-gone' ? goneForUpdate(found.outcome) : found.outcome;
      report(row(post, target, null, null, { ...outcome, message: `${why}: ${outcome.message}` }));
      if (nothingLeft && !options.dryRun) await save(settled);
      return;
    }
    const endpoint = found.endpoint;
    if (endpoint.protocol !== 'webmention') {
      if (!options.dryRun) await save(settled);
      report(row(post, target, endpoint.protocol, endpoint.url, { status: 'skipped', code: 'already-done', message: `${why}: the target takes ${endpoint.protocol}, which has no update semantics; not re-sent` }));
      return;
    }
    await deliverLive(post, target, endpoint, previous, { ...(fingerprint !== undefined ? { fingerprint } : {}), update: true }, why);
  };

  /**
   * Does what a pair needs no I/O for: a pair planned 'skip' is reported, and so is, in a dry run, a first
   * notification to an endpoint known by rule (arXiv). Returns what is left to do, or null when nothing is.
   */
  const adoptions: Array<Promise<boolean>> = [];
  const settle = (post: Post, target: Target, pair: PairContext): { previous: NotificationRecord | undefined; plan: SendPlan } | null => {
    const previous = state.get(post.url, target.url);
    if (heldUntilLater(previous)) {
      report(row(post, target.url, previous.protocol, previous.endpoint, { status: 'held', code: 'rate-limited', message: `${previous.message}; not tried before ${previous.retryAt}` }));
      return null;
    }
    const plan = planPair(previous, pair, flags);
    if (plan.action === 'skip') {
      // Upgraded from a version-1 fingerprint with nothing changed: the record learns the new one, nothing is sent.
      if (plan.adopt !== undefined && previous && !options.dryRun) adoptions.push(save({ ...previous, fingerprint: plan.adopt }));
      // A dropped link never notified is not worth a row.
      if (pair.linked || previous) report(row(post, target.url, previous?.protocol ?? null, previous?.endpoint ?? null, { status: 'skipped', code: plan.code ?? 'already-done', message: plan.message }));
      return null;
    }
    if (stopped()) return null;
    // With the live check on, the dry run goes on to check the post (deliverLive), like a real run.
    if (options.dryRun && !options.markExisting && plan.mode === 'first' && target.kind === 'arxiv' && live === null) {
      report(wouldSend(post, target.url, arxivEndpoint(target), null));
      return null;
    }
    return { previous, plan };
  };

  /** A pair held by a host that said "slow down" in several runs, whose next try is not due yet. */
  const heldUntilLater = (previous: NotificationRecord | undefined): previous is NotificationRecord & { retryAt: string } =>
    previous !== undefined && previous.status === 'failed' && previous.retryable && previous.code === 'rate-limited' &&
    previous.retryAt !== undefined && Date.parse(previous.retryAt) > now().getTime() && !flags.retryFailed;

  const handlePair = async (post: Post, target: Target, pair: PairContext, why: string): Promise<void> => {
    const todo = settle(post, target, pair);
    if (todo === null) return;
    const { previous, plan } = todo;
    if (plan.mode === 'update' && previous) return resend(post, target.url, previous, plan.fingerprint, why);
    return first(post, target, previous, plan.fingerprint ?? pair.fingerprint ?? postFingerprint(post));
  };

  // Posts stream in from the input; pairs run concurrently, but only a bounded number are pending at once so
  // memory does not grow with the site (the limiter inside bounds the network).
  const pending = createTaskWindow(options.concurrency * 4);
  const room = () => pending.room();
  const start = (work: () => Promise<void>): Promise<void> => pending.start(work);
  const postDone: Array<Promise<void>> = [];
  let noUrl: string | null = null;

  const siteOptions: SiteOptions = {
    siteUrl: options.siteUrl,
    blogName: options.blogName,
    includeUndated: options.includeUndated,
    ...(options.postSelector ? { postSelector: options.postSelector } : {}),
    ...(options.contentSelector ? { contentSelector: options.contentSelector } : {}),
  };
  const scanOptions: ScanOptions = {
    skip: options.dryRun ? undefined : unchanged,
    ...(options.workers !== null ? { workers: options.workers } : {}),
    onWarning: (warning) => {
      warnings.push(warning);
      emit({ type: 'warning', file: warning.file, message: warning.message });
    },
  };
  const choice = chooseInput(options);
  const inputValidators = knownValidators(choice, options, state); // pushl: conditional GET of a remote feed or sitemap
  const input = await openInput(options, deps, { net: ctx, site: siteOptions, scan: scanOptions, window: options.concurrency, known: inputValidators });
  // pushl: the steps that follow the posts (src/websub/, src/archive/); a dry run and markExisting send nothing.
  const websub = createWebSub({ feeds: await hubbedFeedsOfRun(choice, input.hubs, options.siteUrl), state, net: ctx, quiet: options.dryRun || options.markExisting, stopped, now });
  const archive = createArchiver({ enabled: options.archive && !options.markExisting, endpoint: options.archiveEndpoint, state, net: ctx, dryRun: options.dryRun, stopped, now });
  for await (const page of input.pages) {
    summary.pages++;
    departures.sawFile(page.file);
    if (page.kind === 'unchanged') {
      summary.unchangedPosts++;
      for (const url of postsByFile.get(page.file)?.targets ?? []) archive.cite({ kind: 'page', url }); // pushl
      emit({ type: 'page', file: page.file, kind: 'unchanged', reason: 'unchanged since the last run' });
      continue;
    }
    if (page.kind !== 'post') {
      emit({ type: 'page', file: page.file, kind: page.kind, reason: page.reason });
      if (page.kind === 'error' && page.code === 'no-url') noUrl ??= page.file;
      if (page.kind === 'other' && page.undated) {
        summary.undatedPages++;
        summary.undatedExample ??= page.file;
      }
      continue;
    }
    if (noUrl) continue;
    const post = page.post;
    departures.sawUrl(post.url);
    if (!scope.source(page.file)) {
      emit({ type: 'page', file: page.file, kind: 'other', reason: 'left out by includePaths / excludePaths' });
      continue;
    }
    summary.posts++;
    if (options.since !== null) {
      const verdict = sinceVerdict(post.published, options.since);
      if (verdict !== 'in') {
        summary[verdict === 'before' ? 'beforeSince' : 'undated']++;
        const reason = verdict === 'before' ? `published ${post.published} (before since ${options.since}): left out` : 'no publication date: left out by since (never guessed)';
        emit({ type: 'page', file: page.file, kind: 'post', reason });
        emit({ type: 'filtered', post, reason: verdict === 'before' ? 'before-since' : 'undated' });
        continue;
      }
    }
    // Every target the post links, excluded or not (`present`), and those this run handles (`targets`); one
    // mapping when nothing is excluded (the usual case: it runs for every link of every post).
    const all = resolveTargets(post.links, options.arxivEndpoint, []);
    const targets = (exclude.length === 0 ? all : resolveTargets(post.links, options.arxivEndpoint, exclude)).filter((t) => scope.target(t.url));
    const known = state.getPost(post.url);
    const fingerprint = postFingerprint(post);
    const pair = { fingerprint, postFingerprint: known?.fingerprint };
    // Not { ...pair, linked }: a spread followed by a property takes a slow path in V8, 0.5-0.9 µs (Node 20).
    const linkedPair = { fingerprint, postFingerprint: known?.fingerprint, legacyFingerprint: known ? legacyFingerprint(post) : undefined, linked: true };
    const droppedPair = { fingerprint, postFingerprint: known?.fingerprint, linked: false };
    // pushl: a new or changed post changed the site's feed; durable before the post is recorded.
    if (!known || known.deleted !== undefined || (known.fingerprint !== fingerprint && known.fingerprint !== linkedPair.legacyFingerprint)) await websub.changed();
    // Dropped: no longer in the post at all. A link still there but now excluded by the settings is not dropped,
    // and an excluded target is never told anything.
    const present = new Set(all.map((t) => t.url));
    const dropped = unique([...(known?.targets ?? []), ...(known?.unlinked ?? [])])
      .filter((url) => !present.has(url) && scope.excludedBy(url) === null);
    summary.targets += targets.length;
    emit({ type: 'page', file: page.file, kind: 'post', reason: `${post.links.length} content links, ${targets.length} targets` });
    emit({ type: 'post', post, targets: targets.length });
    if (post.ownSiteLinks) emit({ type: 'own-site', file: page.file, url: post.url, links: post.ownSiteLinks });
    const pairs: Array<Promise<void>> = [];
    // A pair that needs no I/O (see settle) is done right here when no other pair is in flight, without async
    // functions, room(), start() and their promises: about 1 µs a pair, and a dry run of 10,000 posts (99,328
    // pairs) peaked 12 MB lower. Only when none is in flight: one may report in the turn room() gives it, and the
    // events keep their order.
    for (const target of targets) {
      if (stopped()) break;
      if (!scope.only(post.url, target.url)) continue;
      archive.cite(target); // pushl
      if (pending.size === 0 && settle(post, target, linkedPair) === null) continue;
      await room();
      pairs.push(start(() => handlePair(post, target, linkedPair, 'post changed')));
    }
    for (const url of dropped) {
      if (stopped()) break;
      if (!scope.only(post.url, url)) continue;
      const target: Target = { kind: 'page', url };
      if (pending.size === 0 && settle(post, target, droppedPair) === null) continue;
      await room();
      pairs.push(start(() => handlePair(post, target, droppedPair, 'link removed')));
    }
    if (!options.dryRun) {
      const linked = new Set(targets.map((t) => t.url));
      postDone.push(Promise.all(pairs).then(async () => {
        if (stopped()) return;
        const unlinked = pendingUnlinked(dropped, linked, (t) => state.get(post.url, t), pair, flags);
        const entry: PostRecord = {
          url: post.url, file: post.file, hash: post.hash, targets: [...linked], seen: now().toISOString(), fingerprint,
          ...(unlinked.length > 0 ? { unlinked } : {}),
        };
        await state.putPost(entry).catch(() => {});
      }));
    }
    if (stopped()) break;
  }
  await pending.idle();
  await Promise.all(postDone);
  await Promise.all(adoptions);
  if (noUrl) {
    throw new LinkbackError('NO_SITE_URL', `cannot work out the public URL of ${noUrl}: it has no canonical or og:url; pass --site-url`);
  }

  const handleDeleted = async (known: PostRecord): Promise<void> => {
    summary.deletedPosts++;
    await websub.changed(); // pushl: a post left the feed
    departed.add(known.url);
    const pair = { fingerprint: undefined, postFingerprint: known.fingerprint };
    const get = (target: string) => state.get(known.url, target);
    const targets = unique([...known.targets, ...(known.unlinked ?? [])]);
    const todo = pendingUnlinked(targets, new Set(), get, pair, flags);
    const said = (message: string) => emit({ type: 'deleted', url: known.url, file: known.file, targets: todo.length, message });
    if (!options.deletes) {
      said(todo.length > 0 ? `gone from the site; ${todo.length} Webmention target(s) to tell: run with deletes` : 'gone from the site; nothing to tell');
      return;
    }
    let check: SourceCheck = options.markExisting
      ? { state: 'gone', message: `gone from the site; ${todo.length} Webmention target(s) recorded as told, nothing sent (markExisting)` }
      : { state: 'gone', message: 'gone from the site; nothing to tell' };
    if (todo.length > 0 && !options.markExisting) check = await checkGone(ctx, known.url);
    said(check.message);
    if (check.state === 'online' || check.state === 'unknown') {
      const warning = { file: known.file, message: `gone from the site but ${check.message}` };
      warnings.push(warning);
      emit({ type: 'warning', ...warning });
      return;
    }
    const post: Post = { url: known.url, file: known.file, title: '', excerpt: '', blogName: '', published: null, links: [], hash: known.hash };
    const tasks: Array<Promise<void>> = [];
    if (check.state === 'gone') {
      for (const url of todo) {
        await room();
        tasks.push(start(() => handlePair(post, { kind: 'page', url }, { ...pair, linked: false }, 'post deleted')));
      }
    }
    await Promise.all(tasks);
    if (options.dryRun || stopped()) return;
    // Handled once nothing is left to do (a moved post: nothing ever was); else the next run picks up the rest.
    const left = check.state === 'gone' ? pendingUnlinked(targets, new Set(), get, pair, flags) : [];
    if (left.length === 0) await state.putPost({ ...known, deleted: now().toISOString() }).catch(() => {});
  };

  // Posts that left the site. Only when the input lists the whole site and was read to its end: a feed, or an
  // interrupted run, would make every post it did not reach look deleted.
  // A run limited by --only leaves posts gone from the site to a full run.
  if (input.complete && !scope.partial && !stopped()) {
    for (const known of departures.left()) {
      if (stopped()) break;
      await handleDeleted(known);
    }
    await pending.idle();
  }

  // pushl: the hubs are told and the captures waited for once the notifications are done; the validators are kept
  // only when this run left nothing for the next one (src/input/conditional.ts).
  const pings = await websub.finish();
  const captures = await archive.finish();
  await rememberValidators(choice, input, { dryRun: options.dryRun, stopped: stopped(), held: summary.held, failed: summary.failed }, state, now().toISOString());

  return {
    results,
    summary,
    warnings,
    websub: pings,
    archive: captures,
    inputNotModified: input.notModified === true,
    dryRun: options.dryRun,
    interrupted: deps.signal?.aborted === true,
    hostWaits: hostWaits(ctx),
    error: failure.fatal ? { code: failure.fatal.code, message: failure.fatal.message } : null,
    startedAt,
    finishedAt: now().toISOString(),
  };
}

/** What the run waited for, by host: pacing of 1 s or more in all, and every host that said "slow down". */
function hostWaits(ctx: NetContext): SendReport['hostWaits'] {
  const asked = new Map((ctx.pacer?.schedule.stats() ?? []).map((s) => [s.host, s.slowDowns]));
  return (ctx.pacer?.waits() ?? [])
    .filter((w) => w.ms >= 1000 || asked.has(w.host))
    .map((w) => ({ ...w, slowDowns: asked.get(w.host) ?? 0 }))
    .sort((a, b) => b.ms - a.ms);
}

/** The posts of this run: the site folder (or the pages a plugin hands over), a feed, or a sitemap. */
async function openInput(options: Options, deps: SendDeps, ctx: Parameters<typeof feedInput>[1]): Promise<PostInput> {
  const choice = chooseInput(options);
  switch (choice.kind) {
    case 'feed':
      return feedInput(choice.location, ctx);
    case 'sitemap':
      return sitemapInput(choice.location, ctx);
    case 'site':
      // Pages from a plugin may be an incremental build's: a post missing there has not left the site.
      return deps.pages
        ? { complete: false, pages: scanPages(deps.pages, choice.location, ctx.site, ctx.scan) }
        : { complete: true, pages: scanSite(choice.location, ctx.site, ctx.scan) };
  }
}

function arxivEndpoint(target: Extract<Target, { kind: 'arxiv' }>): Endpoint {
  return { protocol: 'trackback', url: target.endpoint, via: 'arXiv rule' };
}

/** A dry run's row for a notification to a known endpoint. */
function wouldSend(post: Post, target: string, endpoint: Endpoint, why: string | null): Result {
  const message = `would send ${endpoint.protocol} (${endpoint.via})`;
  return row(post, target, endpoint.protocol, endpoint.url, { status: 'dry-run', code: 'dry-run', message: why === null ? message : `${why}: ${message}` });
}

function row(post: Post, target: string, protocol: Result['protocol'], endpoint: string | null, outcome: Outcome): Result {
  return {
    source: post.url, target, protocol, endpoint,
    status: outcome.status, message: outcome.message, code: outcome.code,
    ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
    ...(outcome.location !== undefined ? { location: outcome.location } : {}),
  };
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
