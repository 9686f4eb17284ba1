// The one impure step of moderation: after a verification is stored, look up the fact decide() needs (was this
// source domain approved before?), decide, and store the status if it changes. The store keeps a moderator's
// decision on update and stores a new mention as pending (types.ts), so the stored status is the "current" one.
import type { Mention, ReceiverStore } from '../types.ts';
import { decide, newlyApproved, sourceDomain, type ModerationRules } from './index.ts';

export interface Moderated {
  mention: Mention;
  /** It became approved now (the webhook fires). */
  newlyApproved: boolean;
}

export async function moderateVerified(store: ReceiverStore, rules: ModerationRules, stored: Mention, now: Date): Promise<Moderated> {
  const before = stored.status;
  if (before === 'deleted') return { mention: stored, newlyApproved: false };
  const domainApprovedBefore = rules.approveKnownDomains && (await store.isApprovedDomain(stored.site, sourceDomain(stored.source)));
  const status = decide(stored, rules, { domainApprovedBefore, current: before });
  if (status === before) return { mention: stored, newlyApproved: false };
  const updated = (await store.setStatus(stored.id, status, now)) ?? { ...stored, status };
  return { mention: updated, newlyApproved: newlyApproved(before, updated.status) };
}
