// Conditional GETs of a remote feed or sitemap read as input: the ETag / Last-Modified of the last read are kept in
// the state (an extra record, src/state/format.ts) and sent back as If-None-Match / If-Modified-Since; a 304
// means nothing changed, so the run has nothing to read.
//
// A 304 skips every post of the input, so validators are kept only from a run that left nothing for a later run
// to do: read to the end, not stopped, nothing held or failed (those are retried by the next run, which must read
// the posts to do it). Otherwise the record is cleared and the next run reads the input whole. Never for a sitemap
// index: its children can change while the index stays the same.
// Pure but for rememberValidators, which writes the state.
import type { HttpResponse } from '../net/types.ts';
import type { ExtraRecord } from '../state/format.ts';
import type { StateStore } from '../state/store.ts';

export interface Validators {
  etag?: string;
  lastModified?: string;
}

/** The validators an answer carries (a weak ETag too: RFC 9110 allows it in If-None-Match); null when none. */
export function readValidators(res: Pick<HttpResponse, 'headers'>): Validators | null {
  const etag = res.headers.etag?.[0]?.trim();
  const lastModified = res.headers['last-modified']?.[0]?.trim();
  const out: Validators = { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
  return out.etag === undefined && out.lastModified === undefined ? null : out;
}

/** The request headers that make a GET conditional (RFC 9110 13.1: If-None-Match wins; both are sent, as curl does). */
export function conditionalHeaders(known: Validators | null | undefined): Record<string, string> {
  if (!known) return {};
  return {
    ...(known.etag !== undefined ? { 'if-none-match': known.etag } : {}),
    ...(known.lastModified !== undefined ? { 'if-modified-since': known.lastModified } : {}),
  };
}

/**
 * The validators to send for this run's input, from the state: only for an http(s) input, and not when the run
 * was asked to send again what earlier runs recorded (--retry-failed, --retry-uncertain) or to record everything
 * (markExisting): those must read every post whatever the server says.
 */
export function validatorsToSend(
  location: string | null,
  options: { retryFailed: boolean; retryUncertain: boolean; markExisting: boolean },
  get: (url: string) => Extract<ExtraRecord, { kind: 'validators' }> | undefined,
): Validators | null {
  if (location === null || !/^https?:\/\//i.test(location)) return null;
  if (options.retryFailed || options.retryUncertain || options.markExisting) return null;
  const record = get(location);
  if (!record || (record.etag === undefined && record.lastModified === undefined)) return null;
  return { ...(record.etag !== undefined ? { etag: record.etag } : {}), ...(record.lastModified !== undefined ? { lastModified: record.lastModified } : {}) };
}

/** What the run did, as far as keeping the validators goes. */
export interface RunEnd {
  dryRun: boolean;
  stopped: boolean;
  held: number;
  failed: number;
}

/**
 * The record to write at the end of the run, or null to write nothing. `fresh`: the validators of this run's
 * 200 answer (null after a 304, or when the server sent none, or for a sitemap index).
 */
export function validatorsRecord(location: string, fresh: Validators | null, notModified: boolean, end: RunEnd, had: boolean, at: string): ExtraRecord | null {
  if (end.dryRun) return null;
  // Nothing was read, so nothing new was learnt: what is kept still holds.
  if (notModified) return null;
  const keep = fresh !== null && !end.stopped && end.held === 0 && end.failed === 0;
  if (keep) return { kind: 'validators', key: location, at, ...fresh };
  return had ? { kind: 'validators', key: location, at } : null;
}

export type InputChoice = { kind: 'site' | 'feed' | 'sitemap'; location: string };
type ValidatorState = Pick<StateStore, 'getExtra' | 'putExtra'>;

/** The validators this run's input is fetched with (a remote feed or sitemap), from the state. */
export function knownValidators(choice: InputChoice, options: Parameters<typeof validatorsToSend>[1], state: ValidatorState): Validators | null {
  return choice.kind === 'site' ? null : validatorsToSend(choice.location, options, (url) => state.getExtra('validators', url));
}

/** At the end of the run: keeps (or clears) the validators by validatorsRecord's rule. Best effort: a cache. */
export async function rememberValidators(choice: InputChoice, input: { validators?: Validators | null; notModified?: boolean }, end: RunEnd, state: ValidatorState, at: string): Promise<void> {
  if (choice.kind === 'site' || !/^https?:\/\//i.test(choice.location)) return;
  const had = state.getExtra('validators', choice.location) !== undefined;
  const record = validatorsRecord(choice.location, input.validators ?? null, input.notModified === true, end, had, at);
  if (record !== null) await state.putExtra(record).catch(() => {});
}
