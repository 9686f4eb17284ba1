// Send one notification and read the answer strictly. The protocol modules build the request and read the
// answer; this file only picks the module, applies the retry rules and turns transport errors into Outcomes.
import type { Endpoint, Outcome, Post, Protocol } from '../types.ts';
import type { HttpRequest, HttpResponse } from '../net/types.ts';
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
}

/** `beforeSend` runs once, in the connection slot, right before the first attempt; if it throws, nothing is sent. */
export async function notify(ctx: NetContext, source: Post, targetUrl: string, endpoint: Endpoint, beforeSend?: () => Promise<void>): Promise<Notified> {
  const module = PROTOCOLS[endpoint.protocol];
  const got = await requestWithRetry(ctx, module.build({ source, targetUrl, endpoint }), module.repeatSafe, async (attempt) => {
    if (attempt === 1) await beforeSend?.();
  });
  if ('response' in got) {
    const outcome = module.read(got.response);
    // An answer came, so the server has the request. A later run sends it again only where the answer
    // itself says "not processed, come back later" (429/503), or where a repeat is harmless.
    const comeBack = got.response.status === 429 || got.response.status === 503;
    const retryable = outcome.status !== 'sent' && (comeBack || (module.repeatSafe && got.response.status >= 500));
    return { outcome, retryable, uncertain: false };
  }
  const error = got.error;
  if (error.code === 'private-address' || error.code === 'bad-url') {
    return { outcome: { status: 'skipped', code: error.code, message: `endpoint ${endpoint.url}: ${error.message}` }, retryable: true, uncertain: false };
  }
  if (error.phase === 'connect') {
    // Nothing was sent: safe to try again in a later run.
    return { outcome: { status: 'failed', code: 'unreachable', message: error.message }, retryable: true, uncertain: false };
  }
  if (module.repeatSafe) {
    return { outcome: { status: 'failed', code: error.code === 'timeout' ? 'timeout' : 'uncertain', message: `${error.message} (no answer; a later run tries again)` }, retryable: true, uncertain: false };
  }
  return {
    outcome: { status: 'failed', code: 'uncertain', message: `${error.message}: the request may have been delivered; not re-sent automatically (--retry-uncertain)` },
    retryable: false,
    uncertain: true,
  };
}
