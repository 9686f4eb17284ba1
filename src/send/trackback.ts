// TrackBack (Six Apart, 2002): a form POST to the listener; the answer is
// <response><error>0</error></response>, or error 1 with a <message>. Nothing else counts as success.
import type { Outcome } from '../types.ts';
import type { HttpRequest, HttpResponse } from '../net/types.ts';
import type { NotifyInput } from './types.ts';
import { MAX_ANSWER_BYTES } from './types.ts';
import { decodeBody } from './body.ts';
import { bodyStart, failed, quote, sent, statusFailure } from './outcome.ts';
import { child, parseXml, textOf } from './xml.ts';

export type { NotifyInput } from './types.ts';

export function buildTrackbackRequest(input: NotifyInput): HttpRequest {
  const { source, endpoint } = input;
  const form = new URLSearchParams({ title: source.title, url: source.url, excerpt: source.excerpt, blog_name: source.blogName });
  return {
    method: 'POST',
    url: endpoint.url,
    // The charset is spelled out: old listeners assume Latin-1 for a bare form POST.
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: form.toString(),
    maxBytes: MAX_ANSWER_BYTES,
  };
}

export function readTrackbackResponse(res: HttpResponse): Outcome {
  const byStatus = statusFailure(res);
  if (byStatus) return byStatus;
  if (res.truncated) return failed('invalid-response', 'not a TrackBack answer: the body is over the size limit', res);
  const text = decodeBody(res);
  const xml = parseXml(text);
  if (!xml.ok) return failed('invalid-response', `not a TrackBack answer: ${xml.message}${bodyStart(text)}`, res);
  const { root } = xml;
  if (root.name !== 'response') {
    return failed('invalid-response', `not a TrackBack answer: root element <${quote(root.name, 40)}>, expected <response>`, res);
  }
  const error = child(root, 'error');
  const messageElement = child(root, 'message');
  const message = messageElement ? quote(textOf(messageElement)) : '';
  if (error === undefined) return failed('invalid-response', 'TrackBack answer without <error>', res);
  const flag = textOf(error);
  if (flag === '0') return sent('ok', message === '' ? 'trackback accepted' : `trackback accepted: ${message}`, res);
  if (flag === '1') return failed('rejected', message === '' ? 'trackback refused (no message)' : `trackback refused: ${message}`, res);
  return failed('invalid-response', `TrackBack answer with <error>${quote(flag, 20)}</error>, expected 0 or 1`, res);
}
