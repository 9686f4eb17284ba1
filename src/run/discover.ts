// Step 3, discover: how each target wants to be told. The page is fetched once per run whatever the number of
// posts linking it (targets/discover-page.ts does the fetching and reading); what is left here are the rules for
// what a discovery that found no endpoint means for the pair: what to report and what to record. Pure, but for
// createDiscover.
import type { Endpoint, Outcome, Target } from '../types.ts';
import type { NotificationRecord, RecordStatus } from '../state/format.ts';
import type { NetContext } from '../net/attempt.ts';
import { discoverOnce, discoverPage } from '../targets/discover-page.ts';
import type { KnownDiscovery } from '../targets/discover-page.ts';
import { goneForUpdate, goneVerdict } from '../lifecycle/dead.ts';
import type { Extra } from './record.ts';
import type { LinkbackEvent } from './types.ts';

export type Discover = (url: string) => Promise<KnownDiscovery>;

/** The same target linked from many posts is fetched once per run; its notes are told once, then dropped. */
export function createDiscover(net: NetContext, allowPrivate: boolean, emit: (event: LinkbackEvent) => void): Discover {
  return discoverOnce((url) => discoverPage(net, url, allowPrivate), (url, d) => {
    emit({ type: 'discovered', target: url, endpoint: 'endpoint' in d ? d.endpoint : null, notes: d.notes });
  });
}

/** An arXiv paper's endpoint is known by rule, without fetching anything. */
export function arxivEndpoint(target: Extract<Target, { kind: 'arxiv' }>): Endpoint {
  return { protocol: 'trackback', url: target.endpoint, via: 'arXiv rule' };
}

/** What to record of a pair whose discovery found nothing to send to (attempts: unchanged, nothing was sent). */
export interface DiscoveryRecord {
  status: RecordStatus;
  outcome: Outcome;
  retryable: boolean;
  extra: Extra;
}

/** After a first notification's discovery: deliver to `endpoint`, or report `outcome` and write `record` (when not null). */
export type FirstDiscovery = { endpoint: Endpoint } | { outcome: Outcome; record: DiscoveryRecord | null };

/** `now`: asked only for a target found gone (its next check is counted from it). */
export function afterFirstDiscovery(found: KnownDiscovery, previous: NotificationRecord | undefined, extra: Extra, now: () => Date, dryRun: boolean): FirstDiscovery {
  if ('endpoint' in found) return { endpoint: found.endpoint };
  if (found.outcome.code === 'target-gone') {
    // Reported as a failure once; then old news, checked again on a widening schedule (lifecycle/dead.ts).
    const gone = goneVerdict(previous, found.outcome, now());
    return { outcome: gone.outcome, record: dryRun ? null : { status: 'failed', outcome: found.outcome, retryable: true, extra: { ...extra, at: gone.since, retryAt: gone.retryAt } } };
  }
  const outcome = found.outcome;
  // Remember what a later run need not redo: no endpoint is definite; a failed discovery sent nothing.
  if (dryRun || outcome.status === 'skipped') return { outcome, record: null };
  const status: RecordStatus = outcome.status === 'no-endpoint' ? 'no-endpoint' : 'failed';
  return { outcome, record: { status, outcome, retryable: status === 'failed', extra } };
}

/**
 * After an update's discovery (a Webmention re-send, `why`: the post changed, dropped the link, was deleted):
 * - endpoint: a Webmention endpoint, re-send;
 * - told: report `outcome`, then keep the record as delivered when `settle` (no endpoint any more, or no page:
 *   nothing a later run could tell it; a failed discovery leaves the record as it was, the next run tries again);
 * - not-updatable: the target now takes a protocol without updates: the record is settled, then `outcome` reported.
 */
export type UpdateDiscovery =
  | { kind: 'endpoint'; endpoint: Endpoint }
  | { kind: 'told'; outcome: Outcome; settle: boolean }
  | { kind: 'not-updatable'; endpoint: Endpoint; outcome: Outcome };

export function afterUpdateDiscovery(found: KnownDiscovery, why: string): UpdateDiscovery {
  if ('outcome' in found) {
    const nothingLeft = found.outcome.status === 'no-endpoint' || found.outcome.code === 'target-gone';
    const outcome = found.outcome.code === 'target-gone' ? goneForUpdate(found.outcome) : found.outcome;
    return { kind: 'told', outcome: { ...outcome, message: `${why}: ${outcome.message}` }, settle: nothingLeft };
  }
  const endpoint = found.endpoint;
  if (endpoint.protocol !== 'webmention') {
    const message = `${why}: the target takes ${endpoint.protocol}, which has no update semantics; not re-sent`;
    return { kind: 'not-updatable', endpoint, outcome: { status: 'skipped', code: 'already-done', message } };
  }
  return { kind: 'endpoint', endpoint };
}
