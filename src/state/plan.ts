// Deciding what to send, from what the state remembers. Pure: the only rule book for "never twice".
import type { NotificationRecord } from './format.ts';

export type Decision =
  | { action: 'send' }
  | { action: 'skip'; message: string };

export interface PlanFlags {
  retryFailed: boolean;
  retryUncertain: boolean;
}

/**
 * - nothing recorded: send.
 * - sent / no-endpoint: a definite answer; never again.
 * - failed and retryable (nothing reached the server, or the protocol makes a repeat harmless): send again.
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
      if (record.retryable || flags.retryFailed) return { action: 'send' };
      return { action: 'skip', message: `failed ${record.at} with an answer from the server (${record.message}); --retry-failed sends it again` };
    case 'uncertain':
    case 'in-flight':
      if (flags.retryUncertain) return { action: 'send' };
      return { action: 'skip', message: `may have been delivered ${record.at} (no answer); --retry-uncertain sends it again` };
  }
}

/** True when a later run has nothing to do for this pair (lets an unchanged post be skipped unparsed). */
export function isSettled(record: NotificationRecord | undefined, flags: PlanFlags): boolean {
  return decide(record, flags).action === 'skip';
}
