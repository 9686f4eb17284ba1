// Step 2, plan: which (post, target) pairs a post makes, and what each needs, from the state. A post's pairs are
// the targets it links now (minus the excluded) and those it linked before and dropped; each pair is then
// skipped (already done), held (a host that asked us to wait, not due yet), reported as a dry run's would-send,
// or left to discover and deliver. The rules themselves are lifecycle/plan.ts and state/plan.ts; this step
// applies them to a post. Pure: state records in, decisions out.
import type { Post, Result, Target } from '../types.ts';
import type { NotificationRecord, PostRecord } from '../state/format.ts';
import type { PlanFlags } from '../state/plan.ts';
import type { StateStore } from '../state/store.ts';
import { pendingUnlinked, planPair } from '../lifecycle/plan.ts';
import type { PairContext, PairPlan } from '../lifecycle/plan.ts';
import { legacyFingerprint, postFingerprint } from '../site/fingerprint.ts';
import { resolveTargets } from '../targets/resolve.ts';
import type { Scope } from '../scope.ts';
import { arxivEndpoint } from './discover.ts';
import { row, wouldSend } from './summary.ts';

/**
 * Skipping a file unparsed (read step) is safe when its bytes are the same (so are its links and fingerprint)
 * and nothing is left to do for any pair it had, linked or dropped. `posts`: the state's posts as the run starts.
 */
export function unchangedAndSettled(state: Pick<StateStore, 'get' | 'posts'>, flags: PlanFlags): (file: string, hash: string) => boolean {
  const postsByFile = new Map<string, PostRecord>();
  for (const post of state.posts()) postsByFile.set(post.file, post);
  return (file, hash) => {
    const known = postsByFile.get(file);
    if (!known || known.hash !== hash || known.deleted !== undefined) return false;
    const pair = { fingerprint: known.fingerprint, postFingerprint: known.fingerprint };
    const linked = { fingerprint: known.fingerprint, postFingerprint: known.fingerprint, linked: true }; // see planPost
    const get = (target: string) => state.get(known.url, target);
    return known.targets.every((target) => planPair(get(target), linked, flags).action === 'skip') &&
      pendingUnlinked(known.unlinked ?? [], new Set(), get, pair, flags).length === 0;
  };
}

export interface PostPlan {
  /** The targets this run tells about the post (linked now, not excluded, in scope). */
  targets: Target[];
  /** Targets linked before and no longer in the post at all (a link now excluded by the settings is not dropped). */
  dropped: string[];
  fingerprint: string;
  /** The post's fingerprints, for the post record's pending re-sends (postRecordAfter). */
  pair: Omit<PairContext, 'linked'>;
  /** The pair context of a target linked now, and of a dropped one. */
  linkedPair: PairContext;
  droppedPair: PairContext;
}

export interface PlanSettings {
  arxivEndpoint: string;
  /** The `exclude` globs as expressions (targets/resolve.ts globToRegExp). */
  exclude: readonly RegExp[];
  scope: Pick<Scope, 'target' | 'excludedBy'>;
}

/** `known`: the state's record of the post (from an earlier run), if any. */
export function planPost(post: Post, known: PostRecord | undefined, settings: PlanSettings): PostPlan {
  const { scope, exclude } = settings;
  // Every target the post links, excluded or not (`present`), and those this run handles (`targets`); one
  // mapping when nothing is excluded (the usual case: it runs for every link of every post).
  const all = resolveTargets(post.links, settings.arxivEndpoint, []);
  const targets = (exclude.length === 0 ? all : resolveTargets(post.links, settings.arxivEndpoint, exclude)).filter((t) => scope.target(t.url));
  const fingerprint = postFingerprint(post);
  const pair = { fingerprint, postFingerprint: known?.fingerprint };
  // Not { ...pair, linked }: a spread followed by a property takes a slow path in V8, 0.5-0.9 µs (Node 20).
  const linkedPair = { fingerprint, postFingerprint: known?.fingerprint, legacyFingerprint: known ? legacyFingerprint(post) : undefined, linked: true };
  const droppedPair = { fingerprint, postFingerprint: known?.fingerprint, linked: false };
  // Dropped: no longer in the post at all. A link still there but now excluded by the settings is not dropped,
  // and an excluded target is never told anything.
  const present = new Set(all.map((t) => t.url));
  const dropped = unique([...(known?.targets ?? []), ...(known?.unlinked ?? [])])
    .filter((url) => !present.has(url) && scope.excludedBy(url) === null);
  return { targets, dropped, fingerprint, pair, linkedPair, droppedPair };
}

/**
 * What one pair needs, decided without I/O:
 * - done: nothing more; report `row` when not null, and when `adopt` is given, write it (an upgraded fingerprint);
 * - would-send: a dry run's first notification to an endpoint known by rule (arXiv): report `row`;
 * - send: discover and deliver, as `plan` says.
 * `stopped` matters only after the done cases: a stopped run reports what it skips but starts nothing.
 */
export type PairDecision =
  | { kind: 'done'; row: Result | null; adopt: NotificationRecord | null }
  | { kind: 'would-send'; row: Result }
  | { kind: 'send'; previous: NotificationRecord | undefined; plan: Extract<PairPlan, { action: 'send' }> };

export interface DecideSettings {
  flags: PlanFlags;
  dryRun: boolean;
  markExisting: boolean;
  /** With the live check on, a dry run goes on to check the post (deliver step), like a real run. */
  liveCheck: boolean;
  /** A held pair's retryAt is compared with the time now (asked only for such a pair). */
  now: () => Date;
}

export function decidePair(post: Post, target: Target, pair: PairContext, previous: NotificationRecord | undefined, settings: DecideSettings): PairDecision {
  if (heldUntilLater(previous, settings)) {
    return { kind: 'done', adopt: null, row: row(post, target.url, previous.protocol, previous.endpoint, { status: 'held', code: 'rate-limited', message: `${previous.message}; not tried before ${previous.retryAt}` }) };
  }
  const plan = planPair(previous, pair, settings.flags);
  if (plan.action === 'skip') {
    // Upgraded from a version-1 fingerprint with nothing changed: the record learns the new one, nothing is sent.
    const adopt = plan.adopt !== undefined && previous && !settings.dryRun ? { ...previous, fingerprint: plan.adopt } : null;
    // A dropped link never notified is not worth a row.
    const skipped = pair.linked || previous ? row(post, target.url, previous?.protocol ?? null, previous?.endpoint ?? null, { status: 'skipped', code: plan.code ?? 'already-done', message: plan.message }) : null;
    return { kind: 'done', row: skipped, adopt };
  }
  if (settings.dryRun && !settings.markExisting && plan.mode === 'first' && target.kind === 'arxiv' && !settings.liveCheck) {
    return { kind: 'would-send', row: wouldSend(post, target.url, arxivEndpoint(target), null) };
  }
  return { kind: 'send', previous, plan };
}

/** A pair held by a host that said "slow down" in several runs, whose next try is not due yet. */
function heldUntilLater(previous: NotificationRecord | undefined, settings: DecideSettings): previous is NotificationRecord & { retryAt: string } {
  return previous !== undefined && previous.status === 'failed' && previous.retryable && previous.code === 'rate-limited' &&
    previous.retryAt !== undefined && Date.parse(previous.retryAt) > settings.now().getTime() && !settings.flags.retryFailed;
}

/**
 * The post's record once its pairs are done: its targets now, and the dropped ones whose re-send is not settled
 * yet (the next run picks them up). `linked`: the targets this run handled; `seen`: now.
 */
export function postRecordAfter(post: Post, plan: PostPlan, get: (target: string) => NotificationRecord | undefined, flags: PlanFlags, seen: string): PostRecord {
  const linked = new Set(plan.targets.map((t) => t.url));
  const unlinked = pendingUnlinked(plan.dropped, linked, get, plan.pair, flags);
  return {
    url: post.url, file: post.file, hash: post.hash, targets: [...linked], seen, fingerprint: plan.fingerprint,
    ...(unlinked.length > 0 ? { unlinked } : {}),
  };
}

export function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
