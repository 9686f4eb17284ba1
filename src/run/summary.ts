// Step 6, the summary: what every step adds to as it goes (a row per pair, the counts, the warnings), and the
// SendReport the run returns at the end. The rows of the report are built here too (`row`, `wouldSend`).
import type { Endpoint, Outcome, Post, Result } from '../types.ts';
import type { LinkbackError } from '../errors.ts';
import type { NotificationRecord } from '../state/format.ts';
import type { SiteWarning } from '../site/index.ts';
import type { NetContext } from '../net/attempt.ts';
import { countKey } from '../report/counts.ts';
import type { LinkbackEvent, SendReport, Summary } from './types.ts';

/** What the run has told so far. `report` and `warn` also emit the event a caller follows the run by. */
export interface Tally {
  readonly summary: Summary;
  readonly results: Result[];
  readonly warnings: SiteWarning[];
  report(result: Result): void;
  warn(warning: SiteWarning): void;
}

/**
 * `recovered`: the records a killed earlier run left in flight (StateStore.recovered), counted at once.
 * `keep`: which results the report holds (SendDeps.keepResult); every result is counted and emitted.
 */
export function createTally(recovered: readonly NotificationRecord[], keep: (result: Result) => boolean, emit: (event: LinkbackEvent) => void): Tally {
  const summary: Summary = {
    pages: 0, posts: 0, unchangedPosts: 0, targets: 0, sent: 0, failed: 0, held: 0, skipped: 0, noEndpoint: 0, dryRun: 0,
    recoveredUncertain: recovered.filter((r) => r.status === 'uncertain').length,
    recoveredResend: recovered.filter((r) => r.status !== 'uncertain').length, resent: 0, marked: 0, beforeSince: 0, undated: 0, deletedPosts: 0,
    undatedPages: 0, undatedExample: null,
  };
  const results: Result[] = [];
  const warnings: SiteWarning[] = [];
  return {
    summary,
    results,
    warnings,
    report(result) {
      if (keep(result)) results.push(result);
      summary[countKey(result.status)]++;
      emit({ type: 'result', result });
    },
    warn(warning) {
      warnings.push(warning);
      emit({ type: 'warning', file: warning.file, message: warning.message });
    },
  };
}

/** The report the run returns, once every step is done (or the run stopped). */
export function finishReport(
  tally: Tally,
  end: { dryRun: boolean; interrupted: boolean; fatal: LinkbackError | null; net: NetContext; startedAt: string; finishedAt: string },
  extras: Pick<SendReport, 'websub' | 'archive' | 'inputNotModified'> = {},
): SendReport {
  return {
    results: tally.results,
    summary: tally.summary,
    warnings: tally.warnings,
    ...extras,
    dryRun: end.dryRun,
    interrupted: end.interrupted,
    hostWaits: hostWaits(end.net),
    error: end.fatal ? { code: end.fatal.code, message: end.fatal.message } : null,
    startedAt: end.startedAt,
    finishedAt: end.finishedAt,
  };
}

/** What the run waited for, by host: pacing of 1 s or more in all, and every host that said "slow down". */
export function hostWaits(ctx: NetContext): SendReport['hostWaits'] {
  const asked = new Map((ctx.pacer?.schedule.stats() ?? []).map((s) => [s.host, s.slowDowns]));
  return (ctx.pacer?.waits() ?? [])
    .filter((w) => w.ms >= 1000 || asked.has(w.host))
    .map((w) => ({ ...w, slowDowns: asked.get(w.host) ?? 0 }))
    .sort((a, b) => b.ms - a.ms);
}

export function row(post: Post, target: string, protocol: Result['protocol'], endpoint: string | null, outcome: Outcome): Result {
  return {
    source: post.url, target, protocol, endpoint,
    status: outcome.status, message: outcome.message, code: outcome.code,
    ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
    ...(outcome.location !== undefined ? { location: outcome.location } : {}),
  };
}

/** A dry run's row for a notification to a known endpoint. */
export function wouldSend(post: Post, target: string, endpoint: Endpoint, why: string | null): Result {
  const message = `would send ${endpoint.protocol} (${endpoint.via})`;
  return row(post, target, endpoint.protocol, endpoint.url, { status: 'dry-run', code: 'dry-run', message: why === null ? message : `${why}: ${message}` });
}

/** A row's message with the reason of an update in front ("post changed: …"); `why` is null for a first notification. */
export function withWhy(why: string | null, message: string): string {
  return why === null ? message : `${why}: ${message}`;
}
