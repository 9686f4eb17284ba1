// Webmention (W3C Recommendation, 2017): a form POST of source and target. Any 2xx is success;
// 201 and 202 may carry a Location where the receiver reports the processing status.
import type { Outcome } from '../types.ts';
import type { HttpRequest, HttpResponse } from '../net/types.ts';
import { header } from '../net/types.ts';
import type { NotifyInput } from './types.ts';
import { MAX_ANSWER_BYTES } from './types.ts';
import { sent, statusFailure } from './outcome.ts';
import { answerReason } from './reason.ts';

export function buildWebmentionRequest(input: NotifyInput): HttpRequest {
  const form = new URLSearchParams({ source: input.source.url, target: input.targetUrl });
  return {
    method: 'POST',
    url: input.endpoint.url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    maxBytes: MAX_ANSWER_BYTES,
  };
}

export function readWebmentionResponse(res: HttpResponse): Outcome {
  const byStatus = statusFailure(res);
  if (byStatus) return byStatus;
  const location = res.status === 201 || res.status === 202 ? statusLocation(res) : undefined;
  const where = location === undefined ? '' : `; status at ${location}`;
  // The receiver's words, when it says something ("The webmention was successfully received"); a JSON body
  // without a message field is an echo of the request, not words.
  const reason = answerReason(res, { rawJson: false });
  const said = reason === '' ? '' : `: ${reason}`;
  if (res.status === 201) return sent('ok', `webmention created${said}${where}`, res, location);
  if (res.status === 202) return sent('ok', `webmention queued by the receiver${said}${where}`, res, location);
  return sent('ok', `${res.status === 200 ? 'webmention accepted' : `webmention accepted (HTTP ${res.status})`}${said}`, res);
}

/** The Location header resolved against the endpoint; dropped unless it is an http(s) URL. */
function statusLocation(res: HttpResponse): string | undefined {
  const value = header(res, 'location');
  if (value === undefined || value.trim() === '') return undefined;
  try {
    const url = new URL(value.trim(), res.url);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}
