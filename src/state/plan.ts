// Deciding what to send, from what the state remembers. Pure: the only rule book for "never twice".
import type { OutcomeCode, Protocol } from '../types.ts';
import type { NotificationRecord } from './format.ts';

export type Decision =
  | { action: 'send' }
  /** `code`: what the report row says; when absent, already-done. */
  | { action: 'skip'; message: string; code?: OutcomeCode };

export interface PlanFlags {
  retryFailed: boolean;
  retryUncertain: boolean;
  /** The run's time (ms since the epoch), injected: a record's `retryAt` is compared with it. */
  now: number;
}

/**
 * Whether sending the same notification twice is harmless by the protocol's own rules: a Webmention receiver
 * treats a repeat as an update of the same mention, a Pingback server answers it with fault 48 "already
 * registered". A TrackBack listener may list the post twice. (send/notify.ts applies the same rule to retries.)
 */
export function repeatSafe(protocol: Protocol | null): boolean {
  return protocol === 'webmention' || protocol === 'pingback';
}

/**
 * What a record left "in flight" by a run that died (SIGKILL, power loss, a second Ctrl-C) becomes when the state
 * is next opened. The request may have reached the server. A TrackBack is then uncertain: only --retry-uncertain
 * sends it again. A Webmention or Pingback is what a live run records when no answer comes: failed, retryable,
 * so the next run sends it by itself, since a repeat is harmless.
 */
export function recoverInFlight(record: NotificationRecord, at: string): NotificationRecord {
  if (repeatSafe(record.protocol)) {
    return {
      ...record,
      status: 'failed',
      code: 'uncertain',
      message: `a run was sending it when it stopped; a ${record.protocol} repeat is harmless, so it is sent again`,
      at,
      retryable: true,
    };
  }
  return {
    ...record,
    status: 'uncertain',
    code: 'uncertain',
    message: 'a run was sending it when it stopped; it may have been delivered',
    at,
    retryable: false,
  };
}

/**
 * - nothing recorded: send.
 * - sent / no-endpoint: a definite answer; never again.
 * - failed and retryable (nothing reached the server, or the protocol makes a repeat harmless): send again,
 *   once its `retryAt` has come (a gone target's next check, lifecycle/dead.ts); --retry-failed does not wait.
 * - failed with an answer the server stated (4xx, error 1, a fault, garbage): only with --retry-failed.
 * - uncertain (no answer after the request went out, or a trackback in flight when a run died): the server may
 *   have it; only with --retry-uncertain.
 * - in flight (seen without recovery, e.g. by a dry run while the writer is dead): as recoverInFlight makes it.
 */
export function decide(record: NotificationRecord | undefined, flags: PlanFlags): Decision {
  if (!record) return { action: 'send' };
  switch (record.status) {
    case 'sent':
      return { action: 'skip', message: `already sent ${record.at}` };
    case 'no-endpoint':
      return { action: 'skip', message: `no endpoint found ${record.at}` };
    case 'failed':
      if (record.retryable && !flags.retryFailed && waiting(record, flags.now)) return { action: 'skip', code: record.code, message: waitMessage(record) };
      if (record.retryable || flags.retryFailed) return { action: 'send' };
      return { action: 'skip', message: `failed ${record.at} with an answer from the server (${record.message}); --retry-failed sends it again` };
    case 'in-flight':
    case 'uncertain':
      if (flags.retryUncertain || (record.status === 'in-flight' && repeatSafe(record.protocol))) return { action: 'send' };
      return { action: 'skip', message: `may have been delivered ${record.at} (no answer); --retry-uncertain sends it again` };
  }
}

function waiting(record: NotificationRecord, now: number): boolean {
  return record.retryAt !== undefined && Date.parse(record.retryAt) > now;
}

function waitMessage(record: NotificationRecord): string {
  if (record.code === 'target-gone') {
    return `gone (${record.httpStatus !== undefined ? `HTTP ${record.httpStatus}` : 'target-gone'}) since ${record.at}; next check after ${record.retryAt ?? ''}`;
  }
  return `${record.message}; not tried before ${record.retryAt ?? ''}`;
}

/** True when a later run has nothing to do for this pair (lets an unchanged post be skipped unparsed). */
export function isSettled(record: NotificationRecord | undefined, flags: PlanFlags): boolean {
  return decide(record, flags).action === 'skip';
}
