// Is an answer to a notification a "slow down"? Pure: the answer, the protocol, what the protocol's reader made
// of it, and whether the host already said so in this run, in; null or the reason out. A "slow down" is never a
// refusal: the receiver did not process the notification and asks us to come back (see notify.ts).
//
// - HTTP 429 and 503: the status says it, for every protocol.
// - XML-RPC fault 429: WordPress's answer to a pingback within its 15 s flood window (HTTP 200).
// - "You are posting comments too quickly. Slow down." (WordPress's wording) in any refusal's body: its trackback,
//   and comment-backed Webmention plugins, say it with other statuses.
// - A robot-block page: an HTML page with 403 to a pingback or trackback, which expect XML (arXiv's "Access
//   Denied" to clients faster than it allows); a plain 403 to a Webmention is a refusal.
// - A 403 from a host that already said "slow down" in this run: it is still blocking us, not judging this one.
import type { HttpResponse } from '../net/types.ts';
import type { Outcome, Protocol } from '../types.ts';
import { parseRetryAfter } from '../net/retry.ts';
import { decodeBody, mediaType } from './body.ts';

export interface SlowDown {
  /** For people: "HTTP 429", "XML-RPC fault 429", "a robot-block page (HTTP 403)". */
  reason: string;
  /** What Retry-After asks for, in ms, or null. */
  retryAfterMs: number | null;
  /** The answer is WordPress's flood check: the host is WordPress, paced by its window from now on. */
  wordpress: boolean;
}

const TOO_QUICKLY = /posting comments too quickly|too quickly\.?\s*slow down/i;
const FAULT_429 = /<name>\s*faultCode\s*<\/name>\s*<value>\s*(?:<(?:int|i4)>\s*)?429\s*</;

export function slowDown(
  res: Pick<HttpResponse, 'status' | 'headers' | 'body'>,
  protocol: Protocol,
  outcome: Pick<Outcome, 'status'>,
  hostSlowedBefore: boolean,
  nowMs: number,
): SlowDown | null {
  if (outcome.status === 'sent') return null;
  const retryAfterMs = parseRetryAfter(res.headers['retry-after']?.[0], nowMs);
  const text = decodeBody(res);
  const wordpress = TOO_QUICKLY.test(text) || (protocol === 'pingback' && FAULT_429.test(text));
  const { status } = res;
  if (status === 429 || status === 503) return { reason: `HTTP ${status}${wordpress ? ' (WordPress: posting too quickly)' : ''}`, retryAfterMs, wordpress };
  if (protocol === 'pingback' && FAULT_429.test(text)) return { reason: 'XML-RPC fault 429 (WordPress: posting too quickly)', retryAfterMs, wordpress };
  if (wordpress) return { reason: `HTTP ${status}: "posting comments too quickly"`, retryAfterMs, wordpress };
  if (status === 403 && protocol !== 'webmention' && isHtml(res, text)) return { reason: 'a robot-block page (HTTP 403, HTML where XML was expected)', retryAfterMs, wordpress: false };
  if (status === 403 && hostSlowedBefore) return { reason: 'HTTP 403 from a host that asked to slow down', retryAfterMs, wordpress: false };
  return null;
}

function isHtml(res: Pick<HttpResponse, 'headers'>, text: string): boolean {
  const type = mediaType(res);
  if (type === 'text/html' || type === 'application/xhtml+xml') return true;
  return /^\s*(?:<!doctype\s+html|<html[\s>])/i.test(text.slice(0, 512));
}
