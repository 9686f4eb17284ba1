// The whole job, as the CLI and library callers run it:
//   scan the site (site/) -> map each post's links to targets (targets/) -> decide from the state what is
//   new (state/plan) -> discover the endpoint (targets/) -> record "in flight" -> send (send/) -> record the
//   outcome -> report. Network, files and clock come in through `deps`, so tests can inject them.
import { stat } from 'node:fs/promises';
import type { Endpoint, Outcome, Post, Result, Target } from './types.ts';
import { LinkbackError, isLinkbackError } from './errors.ts';
import type { OptionsInput, Options } from './options.ts';
import { parseOptions } from './options.ts';
import { scanSite } from './site/index.ts';
import type { SiteWarning } from './site/index.ts';
import { globToRegExp, resolveTargets } from './targets/resolve.ts';
import { discoverPage } from './targets/discover-page.ts';
import type { PageDiscovery } from './targets/discover-page.ts';
import { notify } from './send/notify.ts';
import { openState } from './state/store.ts';
import type { StateStore } from './state/store.ts';
import type { NotificationRecord, RecordStatus } from './state/format.ts';
import { decide, isSettled } from './state/plan.ts';
import type { HttpClient } from './net/types.ts';
import { createHttpClient } from './net/http.ts';
import { createLimiter } from './net/limiter.ts';
import { DEFAULT_RETRY } from './net/retry.ts';
import type { NetContext } from './net/attempt.ts';
import { sleep } from './net/attempt.ts';
import { userAgent } from './version.ts';

export type LinkbackEvent =
  | { type: 'page'; file: string; kind: 'post' | 'listing' | 'other' | 'unchanged' | 'error'; reason: string }
  | { type: 'warning'; file: string; message: string }
  | { type: 'post'; post: Post; targets: number }
  | { type: 'discovered'; target: string; endpoint: Endpoint | null; notes: string[] }
  | { type: 'result'; result: Result };

export interface SendDeps {
  /** The HTTP client; default: undici with the options' timeouts, SSRF guard and connectTo. */
  client?: HttpClient;
  /** When it fires, no new request starts; requests in flight finish (or time out) and are recorded. */
  signal?: AbortSignal;
  onEvent?: (event: LinkbackEvent) => void;
  now?: () => Date;
}

export interface Summary {
  pages: number;
  posts: number;
  /** Posts whose file did not change since the last run and whose notifications are all settled: not parsed. */
  unchangedPosts: number;
  targets: number;
  sent: number;
  failed: number;
  skipped: number;
  noEndpoint: number;
  dryRun: number;
  /** Notifications left in flight by a killed earlier run, now marked uncertain. */
  recoveredUncertain: number;
}

export interface SendReport {
  results: Result[];
  summary: Summary;
  warnings: SiteWarning[];
  dryRun: boolean;
  /** True when the run was stopped (signal) before it finished. */
  interrupted: boolean;
  /** A fatal problem that stopped the run part-way (e.g. the state could not be written). */
  error: { code: string; message: string } | null;
  startedAt: string;
  finishedAt: string;
}

export async function send(input: OptionsInput, deps: SendDeps = {}): Promise<SendReport> {
  const options = parseOptions(input);
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  await assertSiteFolder(options.site);

  const state = await openState(options.state, options.dryRun ? { readOnly: true } : { lock: 'fail' });
  const client = deps.client ?? createHttpClient({
    userAgent: userAgent(options.contact),
    allowPrivate: options.allowPrivate,
    connectTimeoutMs: options.connectTimeout,
    timeoutMs: options.timeout,
    maxRedirects: 10,
    maxBodyBytes: 5 * 1024 * 1024,
    connectTo: options.connectTo,
  });
  try {
    return await run(options, state, client, deps, startedAt);
  } finally {
    if (!deps.client) await client.close();
    await state.close();
  }
}

async function assertSiteFolder(site: string): Promise<void> {
  const info = await stat(site).catch((cause: unknown) => {
    throw new LinkbackError('SITE_NOT_FOUND', `site folder not found: ${site}`, { cause });
  });
  if (!info.isDirectory()) throw new LinkbackError('SITE_NOT_FOUND', `not a folder: ${site}`);
}

async function run(options: Options, state: StateStore, client: HttpClient, deps: SendDeps, startedAt: string): Promise<SendReport> {
  const now = deps.now ?? (() => new Date());
  const emit = deps.onEvent ?? (() => {});
  const flags = { retryFailed: options.retryFailed, retryUncertain: options.retryUncertain };
  const exclude = options.exclude.map(globToRegExp);
  const ctx: NetContext = {
    client,
    limit: createLimiter({ concurrency: options.concurrency, perHost: options.perHost }),
    retry: { ...DEFAULT_RETRY, retries: options.retries, maxRetryAfterMs: options.maxRetryAfter },
    now: () => now().getTime(),
    sleep,
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  const summary: Summary = { pages: 0, posts: 0, unchangedPosts: 0, targets: 0, sent: 0, failed: 0, skipped: 0, noEndpoint: 0, dryRun: 0, recoveredUncertain: state.recovered.length };
  const results: Result[] = [];
  const warnings: SiteWarning[] = [];
  // Held in an object: it is set from inside tasks, and TypeScript's narrowing would forget that.
  const failure: { fatal: LinkbackError | null } = { fatal: null };
  const stopped = () => failure.fatal !== null || deps.signal?.aborted === true;

  // The same target linked from many posts is fetched once per run.
  const discoveries = new Map<string, Promise<PageDiscovery>>();
  const discover = (url: string) => {
    let found = discoveries.get(url);
    if (!found) {
      found = discoverPage(ctx, url, options.allowPrivate).then((d) => {
        emit({ type: 'discovered', target: url, endpoint: 'endpoint' in d ? d.endpoint : null, notes: d.notes });
        return d;
      });
      discoveries.set(url, found);
    }
    return found;
  };

  const postsByFile = new Map<string, { hash: string; targets: string[]; url: string }>();
  for (const post of state.posts()) postsByFile.set(post.file, post);
  const unchanged = (file: string, hash: string): boolean => {
    const known = postsByFile.get(file);
    if (!known || known.hash !== hash) return false;
    return known.targets.every((target) => isSettled(state.get(known.url, target), flags));
  };

  const report = (result: Result) => {
    results.push(result);
    summary[countKey(result.status)]++;
    emit({ type: 'result', result });
  };

  const handlePair = async (post: Post, target: Target): Promise<void> => {
    const previous = state.get(post.url, target.url);
    const decision = decide(previous, flags);
    if (decision.action === 'skip') {
      report(row(post, target.url, previous?.protocol ?? null, previous?.endpoint ?? null, { status: 'skipped', code: 'already-done', message: decision.message }));
      return;
    }
    if (stopped()) return;
    let endpoint: Endpoint;
    if (target.kind === 'arxiv') {
      endpoint = { protocol: 'trackback', url: target.endpoint, via: 'arXiv rule' };
    } else {
      const found = await discover(target.url);
      if ('outcome' in found) {
        const outcome = found.outcome;
        report(row(post, target.url, null, null, outcome));
        // Remember what a later run need not redo: no endpoint is definite; a failed discovery sent nothing.
        if (!options.dryRun && outcome.status !== 'skipped') {
          const status: RecordStatus = outcome.status === 'no-endpoint' ? 'no-endpoint' : 'failed';
          await record(post, target.url, null, null, status, outcome, previous?.attempts ?? 0, status === 'failed');
        }
        return;
      }
      endpoint = found.endpoint;
    }
    if (options.dryRun) {
      report(row(post, target.url, endpoint.protocol, endpoint.url, { status: 'dry-run', code: 'dry-run', message: `would send ${endpoint.protocol} (${endpoint.via})` }));
      return;
    }
    if (stopped()) return;
    const attempts = (previous?.attempts ?? 0) + 1;
    // Durable BEFORE the request goes on the wire (inside its connection slot): if we die after this, the
    // next run knows it may have been delivered and does not send it again by itself.
    const inFlight: Outcome = { status: 'failed', code: 'uncertain', message: 'in flight' };
    let notified: Awaited<ReturnType<typeof notify>>;
    try {
      notified = await notify(ctx, post, target.url, endpoint, async () => {
        if (stopped()) throw new LinkbackError('ABORTED', 'stopped before sending');
        if (!(await record(post, target.url, endpoint.protocol, endpoint.url, 'in-flight', inFlight, attempts, false))) {
          throw new LinkbackError('STATE_UNWRITABLE', 'state not writable');
        }
      });
    } catch (error) {
      if (isLinkbackError(error)) return; // stopped, or the state cannot be written: nothing was sent
      throw error;
    }
    const status: RecordStatus = notified.outcome.status === 'sent' ? 'sent' : notified.uncertain ? 'uncertain' : 'failed';
    await record(post, target.url, endpoint.protocol, endpoint.url, status, notified.outcome, attempts, notified.retryable);
    report(row(post, target.url, endpoint.protocol, endpoint.url, notified.outcome));
  };

  /** Returns false (and stops the run) when the state cannot be written: never send what we cannot record. */
  const record = async (post: Post, target: string, protocol: Endpoint['protocol'] | null, endpoint: string | null, status: RecordStatus, outcome: Outcome, attempts: number, retryable: boolean): Promise<boolean> => {
    const entry: NotificationRecord = {
      source: post.url, target, protocol, endpoint, status, code: outcome.code, message: outcome.message,
      at: now().toISOString(), attempts, retryable,
      ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
      ...(outcome.location !== undefined ? { location: outcome.location } : {}),
    };
    try {
      await state.put(entry);
      return true;
    } catch (error) {
      failure.fatal ??= isLinkbackError(error) ? error : new LinkbackError('STATE_UNWRITABLE', `cannot write ${state.path}`, { cause: error });
      return false;
    }
  };

  // Posts stream in from the scan; pairs run concurrently, but only a bounded number are pending at once so
  // memory does not grow with the site (the limiter inside bounds the network).
  const pending = new Set<Promise<void>>();
  const maxPending = options.concurrency * 4;
  const postDone: Array<Promise<void>> = [];
  let noUrl: string | null = null;

  for await (const page of scanSite(options.site, {
    siteUrl: options.siteUrl,
    blogName: options.blogName,
    includeUndated: options.includeUndated,
    ...(options.postSelector ? { postSelector: options.postSelector } : {}),
    ...(options.contentSelector ? { contentSelector: options.contentSelector } : {}),
  }, {
    skip: options.dryRun ? undefined : unchanged,
    onWarning: (warning) => {
      warnings.push(warning);
      emit({ type: 'warning', file: warning.file, message: warning.message });
    },
  })) {
    summary.pages++;
    if (page.kind === 'unchanged') {
      summary.unchangedPosts++;
      emit({ type: 'page', file: page.file, kind: 'unchanged', reason: 'unchanged since the last run' });
      continue;
    }
    if (page.kind !== 'post') {
      emit({ type: 'page', file: page.file, kind: page.kind, reason: page.reason });
      if (page.kind === 'error' && /--site-url/.test(page.reason)) noUrl ??= page.file;
      continue;
    }
    if (noUrl) continue;
    const post = page.post;
    summary.posts++;
    const targets = resolveTargets(post.links, options.arxivEndpoint, exclude);
    summary.targets += targets.length;
    emit({ type: 'page', file: page.file, kind: 'post', reason: `${post.links.length} content links, ${targets.length} targets` });
    emit({ type: 'post', post, targets: targets.length });
    const pairs: Array<Promise<void>> = [];
    for (const target of targets) {
      if (stopped()) break;
      while (pending.size >= maxPending) await Promise.race(pending);
      const task = handlePair(post, target).finally(() => pending.delete(task));
      pending.add(task);
      pairs.push(task);
    }
    if (!options.dryRun) {
      postDone.push(Promise.all(pairs).then(async () => {
        if (stopped()) return;
        const entry = { url: post.url, file: post.file, hash: post.hash, targets: targets.map((t) => t.url), seen: now().toISOString() };
        await state.putPost(entry).catch(() => {});
      }));
    }
    if (stopped()) break;
  }
  await Promise.all(pending);
  await Promise.all(postDone);
  if (noUrl) {
    throw new LinkbackError('NO_SITE_URL', `cannot work out the public URL of ${noUrl}: it has no canonical or og:url; pass --site-url`);
  }
  return {
    results,
    summary,
    warnings,
    dryRun: options.dryRun,
    interrupted: deps.signal?.aborted === true,
    error: failure.fatal ? { code: failure.fatal.code, message: failure.fatal.message } : null,
    startedAt,
    finishedAt: now().toISOString(),
  };
}

function row(post: Post, target: string, protocol: Result['protocol'], endpoint: string | null, outcome: Outcome): Result {
  return {
    source: post.url, target, protocol, endpoint,
    status: outcome.status, message: outcome.message, code: outcome.code,
    ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
    ...(outcome.location !== undefined ? { location: outcome.location } : {}),
  };
}

function countKey(status: Result['status']): 'sent' | 'failed' | 'skipped' | 'noEndpoint' | 'dryRun' {
  switch (status) {
    case 'no-endpoint':
      return 'noEndpoint';
    case 'dry-run':
      return 'dryRun';
    default:
      return status;
  }
}
