// Send one notification and read the answer strictly. The protocol modules build the request and read the
// answer; this file only picks the module, applies the retry rules and turns transport errors into Outcomes.
import type { Endpoint, Outcome, Post, Protocol } from '../types.ts';
import type { FetchError, HttpRequest, HttpResponse } from '../net/types.ts';
import type { NetContext } from '../net/attempt.ts';
import { requestWithRetry } from '../net/attempt.ts';
import { buildTrackbackRequest, readTrackbackResponse } from './trackback.ts';
import { buildPingbackRequest, readPingbackResponse } from './pingback.ts';
import { buildWebmentionRequest, readWebmentionResponse } from './webmention.ts';
import type { NotifyInput } from './types.ts';

interface ProtocolModule {
  build(input: NotifyInput): HttpRequest;
  read(res: HttpResponse): Outcome;
  /**
   * Whether sending the same notification twice is harmless by the protocol's own rules: a Webmention
   * receiver treats a repeat as an update, a Pingback server answers fault 48 "already registered".
   * A TrackBack listener may well list the post twice, so a trackback is never repeated after the request
   * may have reached the server.
   */
  repeatSafe: boolean;
}

const PROTOCOLS: Record<Protocol, ProtocolModule> = {
  webmention: { build: buildWebmentionRequest, read: readWebmentionResponse, repeatSafe: true },
  pingback: { build: buildPingbackRequest, read: readPingbackResponse, repeatSafe: true },
  trackback: { build: buildTrackbackRequest, read: readTrackbackResponse, repeatSafe: false },
};

export interface Notified {
  outcome: Outcome;
  /** A later run may send it again by itself: nothing reached the server, or a repeat is harmless. */
  retryable: boolean;
  /** The request may have been delivered but no answer came: record as uncertain, never re-send by itself. */
  uncertain: boolean;
  /** Requests started for it in this call (retries included): what the state's `attempts` adds up. */
  attempts: number;
}

/**
 * `beforeSend` runs in the connection slot right before the request goes on the wire (the sender makes
 * "in flight" durable there); if it throws, nothing is sent. `onHold`, when given, runs when an attempt
 * certainly did not reach processing (429 / 503: the server says so; a connect failure: nothing was sent) and
 * a retry will follow after a wait that may be long (Retry-After): the sender records that outcome, so a kill
 * during the wait does not leave the notification "in flight", hence uncertain. `beforeSend` then runs again
 * before the next attempt. Without `onHold`, `beforeSend` runs once, before the first attempt.
 */
export async function notify(
  ctx: NetContext,
  source: Post,
  targetUrl: string,
  endpoint: Endpoint,
  beforeSend?: () => Promise<void>,
  onHold?: (held: Outcome) => Promise<void>,
): Promise<Notified> {
  const module = PROTOCOLS[endpoint.protocol];
  let inFlight = false;
  const got = await requestWithRetry(ctx, module.build({ source, targetUrl, endpoint }), module.repeatSafe, async () => {
    if (inFlight) return;
    await beforeSend?.();
    inFlight = true;
  }, async (_attempt, result) => {
    const held = unprocessed(result, module);
    if (!onHold || !held) return;
    await onHold(held);
    inFlight = false;
  });
  if ('response' in got) {
    const outcome = module.read(got.response);
    // An answer came, so the server has the request. A later run sends it again only where the answer
    // itself says "not processed, come back later" (429/503), or where a repeat is harmless.
    const comeBack = got.response.status === 429 || got.response.status === 503;
    const retryable = outcome.status !== 'sent' && (comeBack || (module.repeatSafe && got.response.status >= 500));
    return { outcome, retryable, uncertain: false, attempts: got.attempts };
  }
  const error = got.error;
  const attempts = got.attempts;
  if (error.code === 'private-address' || error.code === 'bad-url') {
    return { outcome: { status: 'skipped', code: error.code, message: `endpoint ${endpoint.url}: ${error.message}` }, retryable: true, uncertain: false, attempts };
  }
  if (error.phase === 'connect') {
    // Nothing was sent: safe to try again in a later run.
    return { outcome: { status: 'failed', code: 'unreachable', message: error.message }, retryable: true, uncertain: false, attempts };
  }
  if (module.repeatSafe) {
    if (error.code === 'protocol' || error.code === 'too-large') {
      // An answer came, but not one HTTP can carry: like any other unreadable answer, it takes --retry-failed.
      return { outcome: { status: 'failed', code: 'invalid-response', message: `unreadable answer: ${error.message}` }, retryable: false, uncertain: false, attempts };
    }
    return { outcome: { status: 'failed', code: error.code === 'timeout' ? 'timeout' : 'uncertain', message: `${error.message} (no answer; a later run tries again)` }, retryable: true, uncertain: false, attempts };
  }
  return {
    outcome: { status: 'failed', code: 'uncertain', message: `${error.message}: the request may have been delivered; not re-sent automatically (--retry-uncertain)` },
    retryable: false,
    uncertain: true,
    attempts,
  };
}

/** The outcome of an attempt that certainly did not reach processing, or null. */
function unprocessed(result: { response: HttpResponse } | { error: FetchError }, module: ProtocolModule): Outcome | null {
  if ('response' in result) {
    const { status } = result.response;
    if (status !== 429 && status !== 503) return null;
    const outcome = module.read(result.response);
    return { ...outcome, message: `${outcome.message} (waiting to try again)` };
  }
  if (result.error.phase !== 'connect') return null;
  return { status: 'failed', code: 'unreachable', message: `${result.error.message} (waiting to try again)` };
}
