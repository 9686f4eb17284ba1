// Dead targets: a target page that answers 404 or 410 when we look for its endpoint. Pure: records in, a verdict
// out; the caller injects the time.
//
// A dead link in an old post is old news. Fetching it on every run would be wasted, and failing every run would
// keep CI red for something nobody can fix by re-running. So a gone target is:
// - reported once, as failed (code target-gone): a NEW failure, so that run exits 1 and someone looks;
// - checked again only after a wait, recorded as the record's `retryAt`: a day longer than the target has been
//   gone, at most 32 days. With runs at least daily that is 1 day, then 2, 4, 8, 16, then every 32 days;
// - while waiting (state/plan.ts decide()): skipped, "gone (HTTP 404) since …; next check after …": exit 0;
// - found still gone by a later check: skipped too (old news), and the wait widens;
// - found back: discovered and notified as any target.
// The record stays `failed` and `retryable`, and its `at` stays the time the target was first found gone (the
// schedule grows from it): no field is needed beyond those every record has.
import type { Outcome } from '../types.ts';
import type { NotificationRecord } from '../state/format.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
export const FIRST_WAIT_MS = DAY_MS;
export const MAX_WAIT_MS = 32 * DAY_MS;

/** HTTP statuses that say the page is gone, not that the server is having a bad moment. */
export function isGoneStatus(status: number): boolean {
  return status === 404 || status === 410;
}

export interface GoneVerdict {
  /** What the run reports: failed the first time, skipped (old news) when the record already said gone. */
  outcome: Outcome;
  /** The record's `at`: when the target was first found gone. */
  since: string;
  /** The record's `retryAt`: no request to the target before it. */
  retryAt: string;
}

/** `found`: the discovery outcome (code target-gone); `previous`: the pair's record before this run. */
export function goneVerdict(previous: NotificationRecord | undefined, found: Outcome, now: Date): GoneVerdict {
  const wasGone = previous?.code === 'target-gone' && previous.status === 'failed';
  const since = wasGone ? previous.at : now.toISOString();
  const gone = Math.max(0, now.getTime() - Date.parse(since));
  const wait = Math.min(MAX_WAIT_MS, FIRST_WAIT_MS + (Number.isFinite(gone) ? gone : 0));
  const retryAt = new Date(now.getTime() + wait).toISOString();
  const http = found.httpStatus !== undefined ? `HTTP ${found.httpStatus}` : 'gone';
  const outcome: Outcome = wasGone
    ? { ...found, status: 'skipped', message: `still gone (${http}) since ${since}; next check after ${retryAt}` }
    : { ...found, status: 'failed', message: `${found.message}: the page is gone; next check after ${retryAt}, and this is not reported as a failure again` };
  return { outcome, since, retryAt };
}


/**
 * A target told before whose page is gone when the post changes (an update, a removed link, a deleted post): no
 * page is left to update, so the change is settled without sending, and reported as skipped, not failed.
 */
export function goneForUpdate(found: Outcome): Outcome {
  return { ...found, status: 'skipped', message: `${found.message}: the page is gone, nothing to update` };
}
