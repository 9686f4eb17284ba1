// A webhook on each newly approved mention: typically a static host's build hook (Netlify, Vercel, Cloudflare
// Pages, a CI trigger), so the site rebuilds and shows the mention. The body is webmention.io's callback payload
// ({ secret, source, target, private, post: <jf2 entry> }), so a handler written for webmention.io works as is.
//
// Sent through the project's guarded client (SSRF guard, timeouts) and its retry rules (net/retry.ts): 5xx, 429,
// 503 with Retry-After and unreachable hosts are retried with backoff; another 4xx is final. A build hook is
// repeat-safe (a second build is harmless), so a timed-out POST is retried too. One call at a time: a burst of
// approvals queues instead of starting a burst of builds. A failure is a result (reported), never an exception.
import { requestWithRetry, sleep as realSleep } from '../../net/attempt.ts';
import { createLimiter } from '../../net/limiter.ts';
import type { RetryPolicy } from '../../net/retry.ts';
import type { HttpClient } from '../../net/types.ts';
import type { Mention } from '../types.ts';
import { jf2Entry, type Jf2Entry } from './jf2.ts';

export const WEBHOOK_RETRY: RetryPolicy = { retries: 5, baseDelayMs: 2_000, maxDelayMs: 120_000, maxRetryAfterMs: 600_000 };

export interface WebhookOptions {
  url: string;
  /** Sent as `secret` in the body, as webmention.io does, so the receiver can tell the call is ours. */
  secret?: string;
  client: HttpClient;
  retry?: RetryPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  signal?: AbortSignal;
}

export type WebhookResult =
  | { ok: true; mentionId: number; status: number; attempts: number }
  | { ok: false; mentionId: number; attempts: number; reason: string };

export interface WebhookPayload {
  secret: string | null;
  source: string;
  target: string;
  private: false;
  post: Jf2Entry;
}

export function webhookPayload(mention: Mention, secret?: string): WebhookPayload {
  return { secret: secret ?? null, source: mention.source, target: mention.target, private: false, post: jf2Entry(mention) };
}

export interface Webhook {
  /** Sends (queued behind earlier calls, retried); resolves with the outcome. */
  notify(mention: Mention): Promise<WebhookResult>;
}

export function createWebhook(options: WebhookOptions): Webhook {
  const ctx = {
    client: options.client,
    // One at a time, whatever the host.
    limit: createLimiter({ concurrency: 1, perHost: 1 }),
    retry: options.retry ?? WEBHOOK_RETRY,
    now: options.now ?? Date.now,
    sleep: options.sleep ?? realSleep,
    ...(options.signal ? { signal: options.signal } : {}),
  };
  return {
    async notify(mention: Mention): Promise<WebhookResult> {
      const body = JSON.stringify(webhookPayload(mention, options.secret));
      const request = { method: 'POST' as const, url: options.url, headers: { 'content-type': 'application/json' }, body, followRedirects: false };
      const outcome = await requestWithRetry(ctx, request, true);
      if ('error' in outcome) return { ok: false, mentionId: mention.id, attempts: outcome.attempts, reason: `${outcome.error.code}: ${outcome.error.message}` };
      const { status } = outcome.response;
      if (status >= 200 && status < 300) return { ok: true, mentionId: mention.id, status, attempts: outcome.attempts };
      return { ok: false, mentionId: mention.id, attempts: outcome.attempts, reason: `HTTP ${status}` };
    },
  };
}
