// Moderation: which state a verified mention starts in, and what the moderator's buttons do. Pure: the facts
// that need the database (has this source domain been approved before?) are looked up by the caller and passed in.
//
// Order of the rules, first match wins:
//   1. a blocked source domain is spam (or, with blockAction 'refuse', never accepted: see screen());
//   2. an allowlisted source domain is approved;
//   3. a source domain with an approved mention on this site is approved (WordPress's "comment author must have a
//      previously approved comment");
//   4. otherwise the site's default: pending (held for a moderator) unless the owner chose 'approved' (webmention.io
//      publishes everything that verifies).
import type { MentionStatus, Received } from '../types.ts';

export interface ModerationRules {
  /** Source domains approved without a moderator; `example.org` also covers `blog.example.org`. */
  allow: readonly string[];
  /** Source domains never shown; `example.org` also covers its subdomains. */
  block: readonly string[];
  /** spam: accepted, verified and kept as spam (a moderator can see them); refuse: refused at accept, nothing stored. */
  blockAction: 'spam' | 'refuse';
  /** Apply WordPress's rule (3 above). */
  approveKnownDomains: boolean;
  /** Status of a mention no rule decides. */
  defaultStatus: 'pending' | 'approved';
}

export const DEFAULT_RULES: ModerationRules = {
  allow: [],
  block: [],
  blockAction: 'spam',
  approveKnownDomains: true,
  defaultStatus: 'pending',
};

export interface ModerationFacts {
  /** ReceiverStore.isApprovedDomain(site, sourceDomain(source)). */
  domainApprovedBefore: boolean;
  /** The status the mention has now, when it is an update of a stored one. */
  current?: MentionStatus;
}

/** The domain the rules and ReceiverStore.isApprovedDomain speak of: the source's host name, lower case. */
export function sourceDomain(source: string): string {
  return URL.canParse(source) ? new URL(source).hostname : '';
}

/** Does `domain` (a rule's entry) cover `host`: the same host or one of its subdomains. */
export function domainCovers(domain: string, host: string): boolean {
  const rule = domain.trim().toLowerCase().replace(/^\*?\.|\.$/g, '');
  if (rule === '' || host === '') return false;
  return host === rule || host.endsWith(`.${rule}`);
}

function listed(list: readonly string[], host: string): boolean {
  return list.some((domain) => domainCovers(domain, host));
}

/** At accept time: refuse a claim from a blocked domain when the owner asked for refusal instead of spam. */
export function screen(received: Pick<Received, 'source'>, rules: ModerationRules): 'accept' | 'refuse' {
  return rules.blockAction === 'refuse' && listed(rules.block, sourceDomain(received.source)) ? 'refuse' : 'accept';
}

/**
 * The status of a mention that just verified. An update keeps a moderator's decision (approved stays approved,
 * spam stays spam): a source that edits its post should not need approving again, nor escape the spam folder.
 * A mention that was deleted and links again is judged afresh.
 */
export function decide(received: Pick<Received, 'source'>, rules: ModerationRules, facts: ModerationFacts): MentionStatus {
  const host = sourceDomain(received.source);
  if (listed(rules.block, host)) return 'spam';
  if (facts.current === 'approved' || facts.current === 'spam') return facts.current;
  if (listed(rules.allow, host)) return 'approved';
  if (rules.approveKnownDomains && facts.domainApprovedBefore) return 'approved';
  return rules.defaultStatus;
}

/** The moderator's buttons. */
export type ModerationAction = 'approve' | 'spam' | 'delete' | 'unapprove';

const ACTION_STATUS: Readonly<Record<ModerationAction, MentionStatus>> = {
  approve: 'approved',
  spam: 'spam',
  delete: 'deleted',
  unapprove: 'pending',
};

export function isModerationAction(value: string): value is ModerationAction {
  return Object.hasOwn(ACTION_STATUS, value);
}

export function statusAfter(action: ModerationAction): MentionStatus {
  return ACTION_STATUS[action];
}

/** A mention is newly approved (the webhook fires) when it becomes approved and was not before. */
export function newlyApproved(before: MentionStatus | undefined, after: MentionStatus): boolean {
  return after === 'approved' && before !== 'approved';
}

/** The rules from the settings (`approve`, `allowDomains`, `blockDomains`, `blockAction`). */
export function rulesFrom(settings: {
  approve: 'known' | 'all' | 'none'; allowDomains: readonly string[]; blockDomains: readonly string[]; blockAction?: 'refuse' | 'spam';
}): ModerationRules {
  return {
    allow: settings.allowDomains,
    block: settings.blockDomains,
    blockAction: settings.blockAction ?? 'refuse',
    approveKnownDomains: settings.approve !== 'none',
    defaultStatus: settings.approve === 'all' ? 'approved' : 'pending',
  };
}
