// Outcomes built from an HTTP answer, shared by the three protocols: the status-code rules, and messages
// that stay one short line however hostile the quoted text is.
import type { Outcome, OutcomeCode } from '../types.ts';
import type { HttpResponse } from '../net/types.ts';
import { header } from '../net/types.ts';
import { decodeBody, isReadableText } from './body.ts';

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
  if (status === 429 || status === 503) return failed('rate-limited', `HTTP ${status}: rate limited${detail(res)}`, res);
  if (status >= 400 && status < 500) return failed('rejected', `HTTP ${status}: rejected${detail(res)}`, res);
  if (status >= 500 && status < 600) return failed('server-error', `HTTP ${status}: server error${detail(res)}`, res);
  return failed('invalid-response', `unexpected HTTP status ${status}`, res);
}

/** Text from the other side, made safe to print: no control or format characters, one line, cut. */
export function quote(text: string, max = 100): string {
  return oneLine(text, max);
}

/** `; body starts "..."` for an answer that could not be read, or '' for an empty one. */
export function bodyStart(text: string): string {
  const start = quote(text);
  return start === '' ? '' : `; body starts "${start}"`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\s]+/gu, ' ').trim();
  const chars = Array.from(flat);
  return chars.length <= max ? flat : `${chars.slice(0, max - 1).join('')}…`;
}

function detail(res: Pick<HttpResponse, 'headers' | 'body'>): string {
  if (!isReadableText(res)) return '';
  const text = quote(decodeBody(res));
  return text === '' ? '' : `: ${text}`;
}
