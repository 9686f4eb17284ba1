// `verify`: for each notification we sent, does the target show the post now? Reads the state, checks each sent
// notification not yet verified (src/verify/check.ts), and records verified / not-yet with the time. Every
// request goes through the same client, limiter and retry rules as a send, and each page is fetched once per run.
import { LinkbackError, isLinkbackError } from '../errors.ts';
import type { OptionsInput } from '../options.ts';
import { parseOptions } from '../options.ts';
import { createClientFor } from '../net/client.ts';
import { netContextFor } from '../net/context.ts';
import type { NetContext } from '../net/attempt.ts';
import { requestWithRetry } from '../net/attempt.ts';
import type { HttpClient } from '../net/types.ts';
import { header } from '../net/types.ts';
import { openState } from '../state/store.ts';
import type { StateStore } from '../state/store.ts';
import type { NotificationRecord } from '../state/format.ts';
import { checkNotification } from './check.ts';
import type { Fetched, VerifyResult } from './check.ts';
import { createTaskWindow } from '../net/task-window.ts';

export type { VerifyResult } from './check.ts';

export interface VerifyDeps {
  client?: HttpClient;
  /** When it fires, no new check starts; the run returns what it has. */
  signal?: AbortSignal;
  onResult?: (result: VerifyResult) => void;
  now?: () => Date;
}

export interface VerifySummary {
  /** Sent notifications looked at in this run. */
  checked: number;
  verified: number;
  notYet: number;
  /** The page to look at could not be read (nothing recorded for those). */
  errors: number;
  /** Verified by an earlier run: not looked at again. */
  alreadyVerified: number;
}

export interface VerifyReport {
  results: VerifyResult[];
  summary: VerifySummary;
  dryRun: boolean;
  interrupted: boolean;
  error: { code: string; message: string } | null;
  startedAt: string;
  finishedAt: string;
}

/** Pages over this are read only so far (a listing or a post page is far smaller). */
const MAX_PAGE_BYTES = 5 * 1024 * 1024;

export async function verify(input: OptionsInput, deps: VerifyDeps = {}): Promise<VerifyReport> {
  const options = parseOptions(input);
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const state = await openState(options.state, options.dryRun ? { readOnly: true } : { lock: 'fail' });
  const client = deps.client ?? createClientFor(options);
  try {
    const ctx = netContextFor(options, client, now, deps.signal);
    const report = await checkAll(state, ctx, options.arxivListing, options.dryRun, options.concurrency * 4, deps, now);
    return { ...report, dryRun: options.dryRun, interrupted: deps.signal?.aborted === true, startedAt, finishedAt: now().toISOString() };
  } finally {
    if (!deps.client) await client.close();
    await state.close();
  }
}

/**
 * Only what we delivered (sent, answered ok or "already registered"), to a target the post still links to: a
 * pair recorded by markExisting was never sent by us, and a target the post dropped should not show it.
 */
export function verifiable(record: NotificationRecord, state: Pick<StateStore, 'getPost'>): boolean {
  if (record.status !== 'sent' || (record.code !== 'ok' && record.code !== 'already-registered')) return false;
  const post = state.getPost(record.source);
  return post === undefined || (post.deleted === undefined && post.targets.includes(record.target));
}

async function checkAll(
  state: StateStore,
  net: NetContext,
  arxivListing: string,
  dryRun: boolean,
  maxPending: number,
  deps: VerifyDeps,
  now: () => Date,
): Promise<Pick<VerifyReport, 'results' | 'summary' | 'error'>> {
  const results: VerifyResult[] = [];
  const summary: VerifySummary = { checked: 0, verified: 0, notYet: 0, errors: 0, alreadyVerified: 0 };
  const failure: { fatal: LinkbackError | null } = { fatal: null };
  const stopped = () => failure.fatal !== null || deps.signal?.aborted === true;
  const pages = new Map<string, Promise<Fetched>>();
  const fetch = (url: string): Promise<Fetched> => {
    let got = pages.get(url);
    if (!got) {
      got = get(net, url);
      pages.set(url, got);
    }
    return got;
  };

  const one = async (record: NotificationRecord): Promise<void> => {
    const result = await checkNotification(record, { fetch, arxivListing });
    results.push(result);
    summary.checked++;
    summary[result.result === 'verified' ? 'verified' : result.result === 'not-yet' ? 'notYet' : 'errors']++;
    deps.onResult?.(result);
    if (dryRun || result.result === 'error') return;
    try {
      // The record as it is now (a send may not run meanwhile: we hold the lock), plus the verdict.
      const current = state.get(record.source, record.target) ?? record;
      await state.put({ ...current, verification: { result: result.result, at: now().toISOString(), method: result.method, url: result.url } });
    } catch (error) {
      failure.fatal ??= isLinkbackError(error) ? error : new LinkbackError('STATE_UNWRITABLE', `cannot write ${state.path}`, { cause: error });
    }
  };

  const todo = [...state.notifications()].filter((record) => {
    if (!verifiable(record, state)) return false;
    if (record.verification?.result === 'verified') {
      summary.alreadyVerified++;
      return false;
    }
    return true;
  });
  // A window, not Promise.race over the pending set: see net/task-window.ts.
  const pending = createTaskWindow(maxPending);
  for (const record of todo) {
    if (stopped()) break;
    await pending.room();
    void pending.start(() => one(record));
  }
  await pending.idle();
  return { results, summary, error: failure.fatal ? { code: failure.fatal.code, message: failure.fatal.message } : null };
}

async function get(net: NetContext, url: string): Promise<Fetched> {
  const got = await requestWithRetry(net, {
    method: 'GET', url, maxBytes: MAX_PAGE_BYTES,
    headers: { accept: 'text/html, application/xhtml+xml;q=0.9, application/json;q=0.8, */*;q=0.1' },
  }, true);
  if ('error' in got) return { error: got.error.message };
  const res = got.response;
  return { status: res.status, contentType: header(res, 'content-type') ?? '', body: res.body.toString('utf8'), url: res.url };
}
