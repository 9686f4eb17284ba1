// Deciding what to send, from what the state remembers. Pure: the only rule book for "never twice".
import type { OutcomeCode } from '../types.ts';
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
 * - nothing recorded: send.
 * - sent / no-endpoint: a definite answer; never again.
 * - failed and retryable (nothing reached the server, or the protocol makes a repeat harmless): send again,
 *   once its `retryAt` has come (a gone target's next check, lifecycle/dead.ts); --retry-failed does not wait.
 * - failed with an answer the server stated (4xx, error 1, a fault, garbage): only with --retry-failed.
 * - uncertain (in flight when a run died, or no answer after the request went out): the server may have it;
 *   only with --retry-uncertain.
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
    case 'uncertain':
    case 'in-flight':
      if (flags.retryUncertain) return { action: 'send' };
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
