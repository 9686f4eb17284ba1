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

/**
 * The store the workers write through: complete() stores the verification, then moderates it, so every verified
 * mention gets its status by the rules without the queue knowing about moderation. A crash between the two leaves
 * the mention pending (a moderator sees it), never lost.
 */
export function moderatedStore(
  store: ReceiverStore,
  /** The rules, or each site's (its own settings over the server's: ../sites.ts). */
  rules: ModerationRules | ((site: string) => Promise<ModerationRules>),
  onApproved: (mention: Mention) => void = () => {},
): ReceiverStore {
  const complete: ReceiverStore['complete'] = async (jobId, verification, now) => {
    const stored = await store.complete(jobId, verification, now);
    if (!stored || !verification.ok) return stored;
    const siteRules = typeof rules === 'function' ? await rules(stored.site) : rules;
    const moderated = await moderateVerified(store, siteRules, stored, now);
    if (moderated.newlyApproved) onApproved(moderated.mention);
    return moderated.mention;
  };
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'complete') return complete;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
