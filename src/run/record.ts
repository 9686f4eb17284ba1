// Writing a pair's record to the state, for every step that does. Never send what we cannot record: a write
// that fails stops the run (context.ts Stop) and returns false, and the caller sends nothing more.
import type { Endpoint, Outcome, Post } from '../types.ts';
import { isLinkbackError } from '../errors.ts';
import type { NotificationRecord, RecordStatus } from '../state/format.ts';
import type { RunContext } from './context.ts';
import { stateUnwritable } from './context.ts';

/** What a record carries besides the outcome: the fingerprint told, an update, a next try; `at` overrides now. */
export type Extra = Pick<NotificationRecord, 'fingerprint' | 'update' | 'retryAt'> & { at?: string };

/** Returns false (and stops the run) when the state cannot be written. */
export async function save(run: Pick<RunContext, 'state' | 'stop'>, entry: NotificationRecord): Promise<boolean> {
  try {
    await run.state.put(entry);
    return true;
  } catch (error) {
    run.stop.fail(isLinkbackError(error) ? error : stateUnwritable(run.state, error));
    return false;
  }
}

/** The record of `post` -> `target` with this outcome, stamped now. */
export function record(run: Pick<RunContext, 'state' | 'stop' | 'now'>, post: Post, target: string, protocol: Endpoint['protocol'] | null, endpoint: string | null,
  status: RecordStatus, outcome: Outcome, attempts: number, retryable: boolean, extra: Extra): Promise<boolean> {
  return save(run, {
    source: post.url, target, protocol, endpoint, status, code: outcome.code, message: outcome.message,
    at: run.now().toISOString(), attempts, retryable,
    ...(outcome.httpStatus !== undefined ? { httpStatus: outcome.httpStatus } : {}),
    ...(outcome.location !== undefined ? { location: outcome.location } : {}),
    ...extra,
  });
}
