// What a post's later life asks of one (post, target) pair: the rule book for updates and deletions, on top of
// the "never twice" rules of state/plan.ts. Pure: records in, a decision out.
//
// W3C Webmention (sections 3.1.5 and 3.1.6 of the recommendation): when a post changes, the sender re-sends its
// Webmentions, to the targets it links to now and to those it linked to before (the receiver re-fetches the post
// and sees the link gone); when the post is deleted, it re-sends them too (the receiver sees 404/410). Pingback
// and TrackBack have no update semantics: their targets only ever get the first notification.
//
// Each record carries the fingerprint of the post as its target last heard of it — the content fingerprint while
// the post links to the target, GONE once it does not (link removed, post deleted) — so the decision is per pair,
// and a run killed half-way through a post's updates re-sends only what it had not done yet.
import type { OutcomeCode } from '../types.ts';
import type { NotificationRecord } from '../state/format.ts';
import { decide } from '../state/plan.ts';
import type { PlanFlags } from '../state/plan.ts';

/** What a target sees of a post that no longer links to it, or is deleted: nothing. */
export const GONE = 'gone';

export type PairPlan =
  /**
   * first: the pair's first notification (any protocol); update: a Webmention re-send to a target notified before.
   * `fingerprint`: what to record with it.
   */
  | { action: 'send'; mode: 'first' | 'update'; fingerprint: string | undefined }
  /**
   * `code`: what the report row says (a gone target waiting for its next check); when absent, already-done.
   * `adopt`: the record holds a version-1 fingerprint that matches the post as it is now (src/site/fingerprint.ts):
   * nothing to tell, and the record should learn the current fingerprint, without sending.
   */
  | { action: 'skip'; message: string; code?: OutcomeCode; adopt?: string };

export interface PairContext {
  /** The post's content fingerprint now; undefined when not known (an older state); ignored when not linked. */
  fingerprint: string | undefined;
  /** Does the post link to the target now? */
  linked: boolean;
  /** The post record's fingerprint, standing in for a record written before records carried their own. */
  postFingerprint: string | undefined;
  /**
   * The post's fingerprint now by the version-1 formula (title, summary, date), for records written by versions
   * before the content text was in it: equal means unchanged for them (see src/site/fingerprint.ts).
   */
  legacyFingerprint?: string | undefined;
}

export function planPair(record: NotificationRecord | undefined, pair: PairContext, flags: PlanFlags): PairPlan {
  const seen = pair.linked ? pair.fingerprint : GONE;
  if (!record) return pair.linked ? { action: 'send', mode: 'first', fingerprint: seen } : { action: 'skip', message: 'never notified' };
  const before = record.fingerprint ?? pair.postFingerprint;
  // Without both fingerprints, a changed file may be a rebuild with a new footer: only a link that is certainly
  // gone (or a deleted post) counts as a change. Re-sending on a guess would break "never twice".
  // Upgrading is not an edit: a record of an older version unchanged by its own formula is unchanged.
  const upgraded = pair.linked && before !== undefined && before !== seen && before === pair.legacyFingerprint;
  const changed = upgraded ? false : before === undefined || seen === undefined ? !pair.linked : before !== seen;
  if (changed && updatable(record)) return { action: 'send', mode: 'update', fingerprint: seen };
  if (!pair.linked && !record.update) return { action: 'skip', message: changed ? noUpdateMessage(record) : 'no longer linked' };
  const decision = decide(record, flags);
  if (decision.action === 'skip') {
    if (changed && record.status === 'sent') return { action: 'skip', message: noUpdateMessage(record) };
    return upgraded && seen !== undefined ? { ...decision, adopt: seen } : decision;
  }
  return { action: 'send', mode: record.update ? 'update' : 'first', fingerprint: seen };
}

/**
 * Webmention (or unknown: recorded by `baseline` without discovery, so discovery decides) and delivered before:
 * sent, or an earlier update attempt of a delivered one.
 */
function updatable(record: NotificationRecord): boolean {
  return (record.protocol === 'webmention' || record.protocol === null) && (record.status === 'sent' || record.update === true);
}

function noUpdateMessage(record: NotificationRecord): string {
  if (record.status !== 'sent') return `${record.status} ${record.at}; nothing delivered to update`;
  return `${record.protocol ?? 'notification'} sent ${record.at}; ${record.protocol ?? 'it'} has no update semantics, not re-sent`;
}

/** Targets the post linked to before and not now whose re-send is not settled: kept in the post record. */
export function pendingUnlinked(
  before: readonly string[],
  now: ReadonlySet<string>,
  get: (target: string) => NotificationRecord | undefined,
  pair: Omit<PairContext, 'linked'>,
  flags: PlanFlags,
): string[] {
  // Once, and not as { ...pair, linked }: V8 takes a slow path for a spread followed by a property (Node 20).
  const unlinked = { fingerprint: pair.fingerprint, postFingerprint: pair.postFingerprint, linked: false };
  return before.filter((target) => !now.has(target) && planPair(get(target), unlinked, flags).action === 'send');
}
