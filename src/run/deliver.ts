// Step 4, deliver one notification to a known endpoint: is our post live yet (lifecycle/live.ts), then "in
// flight" made durable, the request sent (send/notify.ts), and its outcome recorded; or, with markExisting,
// recorded as done without sending. A dry run stops short of the state and the wire and reports what it would do.
import type { Endpoint, Outcome, Post } from '../types.ts';
import { LinkbackError, isLinkbackError } from '../errors.ts';
import type { NotificationRecord, RecordStatus } from '../state/format.ts';
import type { InFlightGate } from '../state/in-flight.ts';
import { notify } from '../send/notify.ts';
import type { LiveView } from '../lifecycle/live.ts';
import { heldMessage, notLiveReason } from '../lifecycle/live.ts';
import { GONE } from '../lifecycle/plan.ts';
import { heldAcrossRuns } from '../ratelimit/host.ts';
import type { RunContext } from './context.ts';
import { record, save } from './record.ts';
import type { Extra } from './record.ts';
import { row, withWhy, wouldSend } from './summary.ts';

export interface DeliverWith {
  /** At most perHost notifications per host in flight in the state (state/in-flight.ts). */
  inFlight: InFlightGate;
  /** Fetches our own post, once per post (lifecycle/live.ts createLiveCheck); null: no live check in this run. */
  live: ((post: Post) => Promise<LiveView>) | null;
  /** Posts gone from the site (step 5): gone.ts already saw them answer 404/410, no live check. */
  departed: ReadonlySet<string>;
}

export interface Deliverer {
  /**
   * Sends `post` -> `target` to `endpoint` once the live post shows what the notification tells, else holds the
   * pair for the next run. `why`: the reason of an update ("post changed"), null for a first notification.
   */
  deliver(post: Post, target: string, endpoint: Endpoint, previous: NotificationRecord | undefined, extra: Extra, why: string | null): Promise<void>;
  /** markExisting: what this run would send is recorded as done (`entry`), and nothing goes out. */
  mark(post: Post, target: string, entry: NotificationRecord, why: string | null): Promise<void>;
}

export function createDeliverer(run: RunContext, { inFlight, live, departed }: DeliverWith): Deliverer {
  const { options, net, now, tally, stop } = run;

  /** Sends one notification to a known endpoint: "in flight" made durable first, then the outcome recorded. */
  const send = async (post: Post, target: string, endpoint: Endpoint, previous: NotificationRecord | undefined, given: Extra, why: string | null): Promise<void> => {
    let extra = given;
    if (options.dryRun) {
      tally.report(wouldSend(post, target, endpoint, why));
      return;
    }
    if (stop.stopped()) return;
    const attempts = (previous?.attempts ?? 0) + 1;
    // Durable BEFORE the request goes on the wire (inside its connection slot): if we die after this, the
    // next run knows it may have been delivered and does not send it again by itself.
    const sending: Outcome = { status: 'failed', code: 'uncertain', message: 'in flight' };
    // The outcome is recorded inside the gate: at most perHost per host in flight in the state (state/in-flight.ts).
    const notified = await inFlight(endpoint.url, async () => {
      let got: Awaited<ReturnType<typeof notify>>;
      try {
        got = await notify(net, post, target, endpoint, async () => {
          if (stop.stopped()) throw new LinkbackError('ABORTED', 'stopped before sending');
          if (!(await record(run, post, target, endpoint.protocol, endpoint.url, 'in-flight', sending, attempts, false, extra))) {
            throw new LinkbackError('STATE_UNWRITABLE', 'state not writable');
          }
        }, async (held) => {
          // The server said "not processed, come back later" and we wait before trying again: record that, so a
          // kill during the wait leaves a pair the next run may send, not an uncertain one.
          if (!(await record(run, post, target, endpoint.protocol, endpoint.url, 'failed', held, attempts, true, extra))) {
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
      await record(run, post, target, endpoint.protocol, endpoint.url, status, settled.outcome, (previous?.attempts ?? 0) + got.attempts, settled.retryable, extra);
      return { ...settled, status };
    });
    if (notified === null) return;
    const status = notified.status;
    if (status === 'sent' && extra.update) tally.summary.resent++;
    tally.report(row(post, target, endpoint.protocol, endpoint.url, { ...notified.outcome, message: withWhy(why, notified.outcome.message) }));
  };

  return {
    async deliver(post, target, endpoint, previous, extra, why) {
      if (live === null || departed.has(post.url) || stop.stopped()) return send(post, target, endpoint, previous, extra, why);
      const reason = notLiveReason(await live(post), post.url, target, extra.fingerprint !== GONE);
      if (reason === null) return send(post, target, endpoint, previous, extra, why);
      if (stop.stopped()) return;
      if (options.dryRun) {
        tally.report(row(post, target, endpoint.protocol, endpoint.url, { status: 'dry-run', code: 'not-deployed', message: withWhy(why, `would be held: ${reason}`) }));
        return;
      }
      const held: Outcome = { status: 'held', code: 'not-deployed', message: withWhy(why, heldMessage(reason)) };
      // Nothing went on the wire: attempts unchanged, and retryable, so the next run sends it by itself.
      if (!(await record(run, post, target, endpoint.protocol, endpoint.url, 'failed', held, previous?.attempts ?? 0, true, extra))) return;
      tally.report(row(post, target, endpoint.protocol, endpoint.url, held));
    },

    async mark(post, target, entry, why) {
      if (options.dryRun) {
        tally.report(row(post, target, entry.protocol, entry.endpoint, { status: 'dry-run', code: 'dry-run', message: withWhy(why, 'would be recorded as done without sending (markExisting)') }));
        return;
      }
      if (!(await save(run, entry))) return;
      tally.summary.marked++;
      tally.report(row(post, target, entry.protocol, entry.endpoint, { status: 'skipped', code: 'already-done', message: withWhy(why, 'recorded as done without sending (markExisting)') }));
    },
  };
}
