// Is a post that left the site gone from the web too? A receiver re-fetches the source when told of a deletion;
// if the page still answers 200 (the deploy has not happened yet, or a folder could not be read), telling it now
// would be wasted and recorded as done. So a deletion is only sent once the URL answers 404 or 410.
import type { NetContext } from '../net/attempt.ts';
import { requestWithRetry } from '../net/attempt.ts';

export interface SourceCheck {
  /**
   * gone: 404/410, send the deletions. moved: a redirect, the post lives elsewhere and a receiver following it
   * finds the link still there: nothing to send, ever. online / unknown: ask again next run.
   */
  state: 'gone' | 'moved' | 'online' | 'unknown';
  message: string;
}

export async function checkGone(ctx: NetContext, url: string): Promise<SourceCheck> {
  const got = await requestWithRetry(ctx, { method: 'GET', url, followRedirects: false, maxBytes: 16 * 1024 }, true);
  if ('error' in got) return { state: 'unknown', message: `cannot tell whether ${url} is gone (${got.error.message}); asked again next run` };
  return goneFromStatus(got.response.status, url);
}

export function goneFromStatus(status: number, url: string): SourceCheck {
  if (status === 404 || status === 410) return { state: 'gone', message: `${url} answers HTTP ${status}` };
  if (status >= 300 && status < 400) return { state: 'moved', message: `${url} redirects (HTTP ${status}): moved, not deleted; nothing to send` };
  if (status >= 200 && status < 300) return { state: 'online', message: `${url} still answers HTTP ${status}: deploy the deletion first; asked again next run` };
  return { state: 'unknown', message: `${url} answers HTTP ${status}: cannot tell whether it is gone; asked again next run` };
}
