// Outcomes built from an HTTP answer, shared by the three protocols: the status-code rules, and messages
// that stay one short line however hostile the quoted text is.
import type { Outcome, OutcomeCode } from '../types.ts';
import type { HttpResponse } from '../net/types.ts';
import { header } from '../net/types.ts';
import { answerReason, cutOnWord, oneLine as flatten, statusReason } from './reason.ts';

const MAX_MESSAGE = 300;

type Answer = Pick<HttpResponse, 'status'>;

export function sent(code: 'ok' | 'already-registered', message: string, res: Answer, location?: string): Outcome {
  const outcome: Outcome = { status: 'sent', code, message: oneLine(message, MAX_MESSAGE), httpStatus: res.status };
  if (location !== undefined) outcome.location = location;
  return outcome;
}

export function failed(code: OutcomeCode, message: string, res: Answer): Outcome {
  return { status: 'failed', code, message: oneLine(message, MAX_MESSAGE), httpStatus: res.status };
}

/**
 * The outcome of any answer that is not 2xx, or null for a 2xx (the protocol reads those). 503 counts as
 * rate-limited, not server-error: it is the other way servers say "come back later".
 */
export function statusFailure(res: Pick<HttpResponse, 'status' | 'headers' | 'body'>): Outcome | null {
  const { status } = res;
  if (status >= 200 && status < 300) return null;
  if (status >= 300 && status < 400) {
    const to = header(res, 'location');
    return failed('invalid-response', `HTTP ${status}: redirect on POST not followed${to ? ` (to ${quote(to)})` : ''}`, res);
  }
  if (status === 429 || status === 503) return failed('rate-limited', `HTTP ${status}: ${statusReason(res) || 'rate limited'}`, res);
  if (status >= 400 && status < 500) return failed('rejected', `HTTP ${status}: ${statusReason(res) || 'rejected'}`, res);
  if (status >= 500 && status < 600) return failed('server-error', `HTTP ${status}: ${statusReason(res) || 'server error'}`, res);
  return failed('invalid-response', `unexpected HTTP status ${status}`, res);
}

/** Text from the other side, made safe to print: no control or format characters, one line, cut on a word. */
export function quote(text: string, max = 100): string {
  return oneLine(text, max);
}

/** `; the answer says "..."` for an answer that could not be read as the protocol's, or '' when it says nothing. */
export function answerSays(res: Pick<HttpResponse, 'headers' | 'body'>): string {
  const words = answerReason(res, { max: 100 });
  return words === '' ? '' : `; the answer says "${words}"`;
}

function oneLine(text: string, max: number): string {
  return cutOnWord(flatten(text), max);
}
