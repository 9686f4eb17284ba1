// A stand-in verifier until src/receive/verify/ (lb-recv-verify) is merged: the source through the guarded client,
// 404/410 = gone, an <a href> equal to the target = a mention. Deliberately minimal; replaced, not grown.
import type { HttpClient } from '../net/types.ts';
import type { Received, Verification } from './types.ts';

export async function interimVerify(received: Received, deps: { client: HttpClient; signal?: AbortSignal }): Promise<Verification> {
  let response;
  try {
    response = await deps.client.request({ method: 'GET', url: received.source, maxBytes: 1024 * 1024, ...(deps.signal ? { signal: deps.signal } : {}) });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'private-address') return { ok: false, code: 'refused-address', reason: (error as Error).message, retryable: false };
    return { ok: false, code: 'fetch-failed', reason: (error as Error).message, retryable: true };
  }
  if (response.status === 404 || response.status === 410) return { ok: false, code: 'gone', reason: `source answered ${response.status}`, retryable: false };
  if (response.status >= 500) return { ok: false, code: 'fetch-failed', reason: `source answered ${response.status}`, retryable: true };
  if (response.status >= 400) return { ok: false, code: 'unreadable', reason: `source answered ${response.status}`, retryable: false };
  const html = response.body.toString('utf8');
  for (const match of html.matchAll(/href\s*=\s*["']([^"']+)["']/gi)) {
    try {
      if (new URL(match[1] ?? '', response.url).href === received.target) return { ok: true, property: 'mention-of', url: received.source };
    } catch {
      // not a URL: keep looking
    }
  }
  return { ok: false, code: 'no-link', reason: 'the source does not link to the target', retryable: false };
}
