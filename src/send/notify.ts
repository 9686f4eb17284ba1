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
import { slowDown } from './slow-down.ts';
import type { SlowDown } from './slow-down.ts';
import { hostKey, seconds } from '../ratelimit/host.ts';

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
  /** Requests put on the wire for it in this call, retries and the tries after a "slow down" included. */
  attempts: number;
}

type Settled = Omit<Notified, 'attempts'>;

/**
 * `beforeSend` runs in the connection slot right before the request goes on the wire (the sender makes
 * "in flight" durable there); if it throws, nothing is sent. `onHold`, when given, runs when an attempt
 * certainly did not reach processing (a "slow down" answer: the server says so; a connect failure: nothing was
 * sent) and another attempt will follow after a wait that may be long: the sender records that outcome, so a kill
 * during the wait does not leave the notification "in flight", hence uncertain. `beforeSend` then runs again
 * before the next attempt. Without `onHold`, `beforeSend` runs once, before the first attempt.
 *
 * A "slow down" (src/send/slow-down.ts) is never a refusal and is not retried inside the --retries budget: the
 * host is paused for the run (ctx.pacer, escalating), and this notification waits for the host's next turn and
 * goes again. When the host's budget for the run is spent (or there is no pacer), it comes back `held`:
 * retryable, code rate-limited; the next run sends it.
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
  const request = module.build({ source, targetUrl, endpoint });
  const host = hostKey(endpoint.url);
  const pacer = ctx.pacer;
  const slow = (res: HttpResponse): SlowDown | null =>
    slowDown(res, endpoint.protocol, module.read(res), (pacer?.schedule.slowDowns(endpoint.url) ?? 0) > 0, ctx.now());
  let inFlight = false;
  let attempts = 0;
  const done = (settled: Settled): Notified => ({ ...settled, attempts });
  for (;;) {
    if (pacer?.schedule.givenUp(endpoint.url)) return done(held(host, pacer.schedule.slowDowns(endpoint.url), 'its budget for this run is spent'));
    const got = await requestWithRetry(ctx, request, module.repeatSafe, async () => {
      if (inFlight) return;
      await beforeSend?.();
      inFlight = true;
    }, async (_attempt, result) => {
      const unsent = unprocessed(result);
      if (!onHold || !unsent) return;
      await onHold(unsent);
      inFlight = false;
    }, { notification: true, final: (res) => slow(res) !== null });
    attempts += got.attempts;
    if ('response' in got) {
      const asked = slow(got.response);
      if (asked) {
        const decision = pacer?.slowedDown(endpoint.url, asked.retryAfterMs, asked.wordpress) ?? { retry: false as const, why: 'no pacing in this context' };
        const times = pacer?.schedule.slowDowns(endpoint.url) ?? 1;
        const retry = decision.retry && !ctx.signal?.aborted;
        if (retry && onHold) {
          // Not processed, and we come back: no longer "in flight" while the host is paused.
          await onHold({ status: 'failed', code: 'rate-limited', message: `asked to slow down (${asked.reason}); waiting ${seconds(decision.pauseMs)} to try again`, httpStatus: got.response.status });
          inFlight = false;
        }
        if (retry) continue;
        return done(held(host, times, decision.retry ? 'stopped' : decision.why, asked.reason, got.response.status));
      }
      const outcome = module.read(got.response);
      // An answer came, so the server has the request. A later run sends it again only where a repeat is harmless.
      const retryable = outcome.status !== 'sent' && module.repeatSafe && got.response.status >= 500;
      return done({ outcome, retryable, uncertain: false });
    }
    if (got.error.code === 'aborted' && pacer?.schedule.givenUp(endpoint.url)) return done(held(host, pacer.schedule.slowDowns(endpoint.url), 'its budget for this run is spent'));
    return done(fromError(got.error, endpoint, module));
  }
}

/** Still asked to slow down when this run stops trying: held, and the next run sends it. */
function held(host: string, times: number, why: string, reason?: string, httpStatus?: number): Settled {
  const asked = `asked to slow down ${times === 1 ? 'once' : `${times} times`}${reason ? `, last: ${reason}` : ''}`;
  const outcome: Outcome = { status: 'held', code: 'rate-limited', message: `held by ${host}: rate-limited (${asked}; ${why}; the next run sends it)` };
  if (httpStatus !== undefined) outcome.httpStatus = httpStatus;
  return { outcome, retryable: true, uncertain: false };
}

function fromError(error: FetchError, endpoint: Endpoint, module: ProtocolModule): Settled {
  if (error.code === 'private-address' || error.code === 'bad-url') {
    return { outcome: { status: 'skipped', code: error.code, message: `endpoint ${endpoint.url}: ${error.message}` }, retryable: true, uncertain: false };
  }
  if (error.phase === 'connect') {
    // Nothing was sent: safe to try again in a later run.
    return { outcome: { status: 'failed', code: 'unreachable', message: error.message }, retryable: true, uncertain: false };
  }
  if (module.repeatSafe) {
    if (error.code === 'protocol' || error.code === 'too-large') {
      // An answer came, but not one HTTP can carry: like any other unreadable answer, it takes --retry-failed.
      return { outcome: { status: 'failed', code: 'invalid-response', message: `unreadable answer: ${error.message}` }, retryable: false, uncertain: false };
    }
    return { outcome: { status: 'failed', code: error.code === 'timeout' ? 'timeout' : 'uncertain', message: `${error.message} (no answer; a later run tries again)` }, retryable: true, uncertain: false };
  }
  return {
    outcome: { status: 'failed', code: 'uncertain', message: `${error.message}: the request may have been delivered; not re-sent automatically (--retry-uncertain)` },
    retryable: false,
    uncertain: true,
  };
}

/**
 * The outcome of an attempt that certainly did not reach processing and will be retried, or null. Answers never
 * are: a "slow down" ends the attempts (handled above), and any other answer reached the server.
 */
function unprocessed(result: { response: HttpResponse } | { error: FetchError }): Outcome | null {
  if ('response' in result) return null;
  if (result.error.phase !== 'connect') return null;
  return { status: 'failed', code: 'unreachable', message: `${result.error.message} (waiting to try again)` };
}
