// The whole job, as the CLI and library callers run it. Each step is a module of src/run/, in this order:
//   1. read the posts (run/read.ts: the site folder, a feed or a sitemap; which pages are posts of this run)
//   2. plan each (post, target) pair from the state (run/plan.ts: new, changed, dropped, already done, held)
//   3. discover how the target wants to be told (run/discover.ts)
//   4. deliver: is the post live, record "in flight", send, record the outcome (run/deliver.ts)
//      (run/pairs.ts takes each pair through 2-4, a bounded number at once)
//   5. posts that left the site (run/left.ts)
//   6. WebSub hubs told, cited pages archived, the remote input's validators kept (run/extras.ts)
//   7. the summary (run/summary.ts)
// Network, files and clock come in through `deps`, so tests can inject them. What every step shares is one
// RunContext (run/context.ts), passed explicitly.
import type { OptionsInput, Options } from './options.ts';
import { parseOptions } from './options.ts';
import { LinkbackError } from './errors.ts';
import { chooseInput } from './input/index.ts';
import { globToRegExp } from './targets/resolve.ts';
import { createScope } from './scope.ts';
import { openState } from './state/store.ts';
import type { StateStore } from './state/store.ts';
import { createInFlightGate } from './state/in-flight.ts';
import { trackDepartures } from './lifecycle/left.ts';
import { builtCopy, createLiveCheck, siteClientFor, targetReader } from './lifecycle/live.ts';
import type { HttpClient } from './net/types.ts';
import { createClientFor } from './net/client.ts';
import { hostSettings, netContextFor } from './net/context.ts';
import { settingFor } from './ratelimit/host.ts';
import type { RunContext } from './run/context.ts';
import { createStop, runFlags } from './run/context.ts';
import { assertSiteFolder, createPostFilter, openPosts } from './run/read.ts';
import { planPost, unchangedAndSettled } from './run/plan.ts';
import { createDiscover } from './run/discover.ts';
import { createDeliverer } from './run/deliver.ts';
import { createPairRunner } from './run/pairs.ts';
import { tellLeft } from './run/left.ts';
import { createTally, finishReport } from './run/summary.ts';
import { createExtras, inputValidators } from './run/extras.ts';
import type { SendDeps, SendReport } from './run/types.ts';

export type { LinkbackEvent, SendDeps, SendReport, Summary } from './run/types.ts';

/**
 * Live checks of our own posts at once (lifecycle/live.ts). Not paced like targets (it is the user's own site), but
 * not `concurrency` (128) either: a first run over a big blog would open that many GETs to one host.
 */
const OWN_SITE_CONCURRENCY = 8;

export async function send(input: OptionsInput, deps: SendDeps = {}): Promise<SendReport> {
  const options = parseOptions(input);
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const choice = chooseInput(options);
  if (choice.kind === 'site') await assertSiteFolder(choice.location);
  if (choice.kind === 'feed' && options.deletes) {
    throw new LinkbackError('USAGE', 'deletes needs the whole site (its folder or its sitemap): a feed lists only the latest posts');
  }

  const state = await openState(options.state, options.dryRun ? { readOnly: true } : { lock: 'fail' });
  const client = deps.client ?? createClientFor(options);
  const siteClient = deps.siteClient ?? deps.client ?? (options.checkLive ? siteClientFor(options) : undefined);
  try {
    return await run(options, state, client, { ...deps, ...(siteClient ? { siteClient } : {}) }, startedAt);
  } finally {
    if (!deps.client) await client.close();
    if (!deps.siteClient && !deps.client) await siteClient?.close();
    await state.close();
  }
}

/**
 * Adopting linkback on a blog with a history: records every notification the current site would send as done,
 * sending nothing and fetching no target (see README "Adopting linkback on an existing blog").
 */
export function baseline(input: OptionsInput, deps: SendDeps = {}): Promise<SendReport> {
  return send({ ...input, markExisting: true }, deps);
}

async function run(options: Options, state: StateStore, client: HttpClient, deps: SendDeps, startedAt: string): Promise<SendReport> {
  const now = deps.now ?? (() => new Date());
  const emit = deps.onEvent ?? (() => {});
  const net = netContextFor(options, client, now, deps.signal, { sleep: deps.sleep, onWait: (wait) => emit({ type: 'waiting', ...wait }) });
  const tally = createTally(state.recovered, deps.keepResult ?? (() => true), emit);
  const ctx: RunContext = { options, state, net, now, emit, flags: runFlags(options, now), tally, stop: createStop(deps.signal) };
  const { stop } = ctx;
  // includePaths / excludePaths, excludeHosts and --only (src/scope.ts).
  const scope = createScope(options);
  // Taken before this run records anything: a post it reads for the first time cannot have left the site.
  const departures = trackDepartures(state.posts());
  const departed = new Set<string>();
  // Is the post live (lifecycle/live.ts)? Asked once per post, only for a pair about to be sent. Not for the
  // posts of a sitemap: each was just read from its public URL.
  const checkLive = options.checkLive && !options.markExisting && chooseInput(options).kind !== 'sitemap';
  const live = checkLive && deps.siteClient
    ? createLiveCheck(deps.siteClient, { concurrency: OWN_SITE_CONCURRENCY, read: targetReader(options), built: builtCopy(options), ...(deps.signal ? { signal: deps.signal } : {}) })
    : null;
  // As many places per host as it has connection slots (its own perHost setting, else --per-host).
  const hosts = hostSettings(options);
  const inFlight = createInFlightGate((host) => settingFor(host, { hosts })?.perHost ?? options.perHost);
  const pairs = createPairRunner(ctx, {
    discover: createDiscover(net, options.allowPrivate, emit),
    deliverer: createDeliverer(ctx, { inFlight, live, departed }),
    scope,
    liveCheck: live !== null,
  });

  // 1. Read the posts, as they stream in; 2-4. plan, discover and deliver each post's pairs.
  const unchanged = options.dryRun ? undefined : unchangedAndSettled(state, ctx.flags);
  const choice = chooseInput(options);
  const input = await openPosts(options, { net, pages: deps.pages, skip: unchanged, onWarning: tally.warn, known: inputValidators(ctx, choice) });
  // WebSub, archiving, the conditional GET's validators (run/extras.ts): told as the posts stream by.
  const extras = await createExtras(ctx, choice, input);
  const posts = createPostFilter({ options, summary: tally.summary, emit, scope, departures });
  const planning = { arxivEndpoint: options.arxivEndpoint, exclude: options.exclude.map(globToRegExp), scope };
  for await (const page of input.pages) {
    if (page.kind === 'unchanged') extras.unchanged(page);
    const post = posts.postOf(page);
    if (post === null) continue;
    const known = state.getPost(post.url);
    const plan = planPost(post, known, planning);
    await extras.post(post, plan, known, plan.targets.filter((t) => scope.only(post.url, t.url)));
    await pairs.post(post, plan);
    if (stop.stopped()) break;
  }
  await pairs.idle();
  const noUrl = posts.noSiteUrl();
  if (noUrl) throw noUrl;

  // A new step after delivery is a module of src/run/ taking `ctx` and what it needs, with its own
  // test/run-<step>.test.ts, called here or, for a step per post once its pairs are done, in run/pairs.ts.

  // 5. Posts that left the site. Only when the input lists the whole site and was read to its end (left.ts).
  // A run limited by --only leaves posts gone from the site to a full run.
  if (input.complete && !scope.partial && !stop.stopped()) {
    for (const known of departures.left()) {
      if (stop.stopped()) break;
      await extras.left();
      await tellLeft(ctx, known, pairs, departed);
    }
    await pairs.idle();
  }

  // 6. Once the posts are told: the feed's WebSub hubs, the archive captures (run/extras.ts). 7. The summary.
  const told = await extras.finish();
  return finishReport(tally, {
    dryRun: options.dryRun, interrupted: deps.signal?.aborted === true, fatal: stop.fatal, net, startedAt, finishedAt: now().toISOString(),
  }, told);
}
