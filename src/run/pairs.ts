// Each (post, target) pair through the steps: plan (plan.ts decidePair) -> discover (discover.ts) -> deliver
// (deliver.ts). Pairs run concurrently, but only a bounded number are pending at once, so memory does not grow
// with the site (the limiter inside bounds the network). The posts of step 1 and the departed posts of step 5
// hand their pairs to the same runner.
import type { Endpoint, Post, Target } from '../types.ts';
import type { NotificationRecord } from '../state/format.ts';
import type { PairContext } from '../lifecycle/plan.ts';
import { postFingerprint } from '../site/fingerprint.ts';
import { createTaskWindow } from '../net/task-window.ts';
import type { Scope } from '../scope.ts';
import type { RunContext } from './context.ts';
import { decidePair, postRecordAfter } from './plan.ts';
import type { PairDecision, PostPlan } from './plan.ts';
import { afterFirstDiscovery, afterUpdateDiscovery, arxivEndpoint } from './discover.ts';
import type { Discover } from './discover.ts';
import type { Deliverer } from './deliver.ts';
import { record, save } from './record.ts';
import type { Extra } from './record.ts';
import { row } from './summary.ts';

export interface PairRunner {
  /** Starts every pair of a post, its links now and the links it dropped; resolves once all are started. */
  post(post: Post, plan: PostPlan): Promise<void>;
  /** Resolves once a pair may start without going over the bound. */
  room(): Promise<void>;
  /** Starts one pair (call after room()); the promise is its task. */
  start(post: Post, target: Target, pair: PairContext, why: string): Promise<void>;
  /** Resolves when every pair started so far is done, and every post record and fingerprint adoption written. */
  idle(): Promise<void>;
}

export interface PairSteps {
  discover: Discover;
  deliverer: Deliverer;
  /** --only (scope.only): the pairs of this run. */
  scope: Pick<Scope, 'only'>;
  /** The live check is on (deliver.ts): a dry run then checks the post before saying it would send. */
  liveCheck: boolean;
}

export function createPairRunner(run: RunContext, { discover, deliverer, scope, liveCheck }: PairSteps): PairRunner {
  const { options, state, now, emit, tally, stop } = run;
  const pending = createTaskWindow(options.concurrency * 4);
  const postDone: Array<Promise<void>> = [];
  const adoptions: Array<Promise<boolean>> = [];
  const decide = { flags: run.flags, dryRun: options.dryRun, markExisting: options.markExisting, liveCheck, now };

  /**
   * Does what a pair needs no I/O for (plan.ts decidePair): reports a skipped or held pair, and in a dry run a
   * first notification to an endpoint known by rule. Returns what is left to do, or null when nothing is.
   */
  const settle = (post: Post, target: Target, pair: PairContext): Extract<PairDecision, { kind: 'send' }> | null => {
    const decision = decidePair(post, target, pair, state.get(post.url, target.url), decide);
    if (decision.kind === 'done') {
      if (decision.adopt) adoptions.push(save(run, decision.adopt));
      if (decision.row) tally.report(decision.row);
      return null;
    }
    if (stop.stopped()) return null;
    if (decision.kind === 'would-send') {
      tally.report(decision.row);
      return null;
    }
    return decision;
  };

  const handle = async (post: Post, target: Target, pair: PairContext, why: string): Promise<void> => {
    const todo = settle(post, target, pair);
    if (todo === null) return;
    const { previous, plan } = todo;
    if (plan.mode === 'update' && previous) return resend(post, target.url, previous, plan.fingerprint, why);
    return first(post, target, previous, plan.fingerprint ?? pair.fingerprint ?? postFingerprint(post));
  };

  /** A post's first notification to a target, of whatever protocol the target takes. */
  const first = async (post: Post, target: Target, previous: NotificationRecord | undefined, fingerprint: string): Promise<void> => {
    const extra: Extra = { fingerprint };
    if (options.markExisting) {
      // No discovery: cheapest, and correct, since a pair recorded as done is never sent whatever its protocol. A
      // later update of the post discovers then (see lifecycle/plan.ts, protocol null).
      const arxiv = target.kind === 'arxiv';
      await deliverer.mark(post, target.url, {
        source: post.url, target: target.url, protocol: arxiv ? 'trackback' : null, endpoint: arxiv ? target.endpoint : null,
        status: 'sent', code: 'already-done', message: 'recorded as done without sending (markExisting)',
        at: now().toISOString(), attempts: previous?.attempts ?? 0, retryable: false, ...extra,
      }, null);
      return;
    }
    let endpoint: Endpoint;
    if (target.kind === 'arxiv') {
      endpoint = arxivEndpoint(target);
    } else {
      const found = afterFirstDiscovery(await discover(target.url), previous, extra, now, options.dryRun);
      if ('outcome' in found) {
        tally.report(row(post, target.url, null, null, found.outcome));
        const told = found.record;
        if (told) await record(run, post, target.url, null, null, told.status, told.outcome, previous?.attempts ?? 0, told.retryable, told.extra);
        return;
      }
      endpoint = found.endpoint;
    }
    await deliverer.deliver(post, target.url, endpoint, previous, extra, null);
  };

  /**
   * A Webmention re-send to a target notified before (`why`: the post changed, dropped the link, was deleted).
   * Discovery runs again: the target may have moved its endpoint, or now take another protocol.
   */
  const resend = async (post: Post, target: string, previous: NotificationRecord, fingerprint: string | undefined, why: string): Promise<void> => {
    // Settled for this content without sending: the record keeps what was delivered and learns the fingerprint.
    const settled: NotificationRecord = { ...previous, ...(fingerprint !== undefined ? { fingerprint } : {}) };
    if (options.markExisting) return deliverer.mark(post, target, settled, why);
    const found = afterUpdateDiscovery(await discover(target), why);
    switch (found.kind) {
      case 'told':
        tally.report(row(post, target, null, null, found.outcome));
        if (found.settle && !options.dryRun) await save(run, settled);
        return;
      case 'not-updatable':
        if (!options.dryRun) await save(run, settled);
        tally.report(row(post, target, found.endpoint.protocol, found.endpoint.url, found.outcome));
        return;
      case 'endpoint':
        await deliverer.deliver(post, target, found.endpoint, previous, { ...(fingerprint !== undefined ? { fingerprint } : {}), update: true }, why);
    }
  };

  return {
    async post(post, plan) {
      const { targets, dropped, linkedPair, droppedPair } = plan;
      tally.summary.targets += targets.length;
      emit({ type: 'page', file: post.file, kind: 'post', reason: `${post.links.length} content links, ${targets.length} targets` });
      emit({ type: 'post', post, targets: targets.length });
      if (post.ownSiteLinks) emit({ type: 'own-site', file: post.file, url: post.url, links: post.ownSiteLinks });
      const pairs: Array<Promise<void>> = [];
      // A pair that needs no I/O (see settle) is done right here when no other pair is in flight, without async
      // functions, room(), start() and their promises: about 1 µs a pair, and a dry run of 10,000 posts (99,328
      // pairs) peaked 12 MB lower. Only when none is in flight: one may report in the turn room() gives it, and the
      // events keep their order.
      for (const target of targets) {
        if (stop.stopped()) break;
        if (!scope.only(post.url, target.url)) continue;
        if (pending.size === 0 && settle(post, target, linkedPair) === null) continue;
        await pending.room();
        pairs.push(pending.start(() => handle(post, target, linkedPair, 'post changed')));
      }
      for (const url of dropped) {
        if (stop.stopped()) break;
        if (!scope.only(post.url, url)) continue;
        const target: Target = { kind: 'page', url };
        if (pending.size === 0 && settle(post, target, droppedPair) === null) continue;
        await pending.room();
        pairs.push(pending.start(() => handle(post, target, droppedPair, 'link removed')));
      }
      if (options.dryRun) return;
      postDone.push(Promise.all(pairs).then(async () => {
        if (stop.stopped()) return;
        const entry = postRecordAfter(post, plan, (t) => state.get(post.url, t), run.flags, now().toISOString());
        await state.putPost(entry).catch(() => {});
      }));
    },

    room: () => pending.room(),

    start: (post, target, pair, why) => pending.start(() => handle(post, target, pair, why)),

    async idle() {
      await pending.idle();
      await Promise.all(postDone);
      await Promise.all(adoptions);
    },
  };
}
