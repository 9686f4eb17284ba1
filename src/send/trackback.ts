// TrackBack (Six Apart, 2002): a form POST to the listener; the answer is
// <response><error>0</error></response>, or error 1 with a <message>. Nothing else counts as success, except
// a listener's own words for "I have this one already", which count as sent like pingback fault 48.
import type { Outcome } from '../types.ts';
import type { HttpRequest, HttpResponse } from '../net/types.ts';
import type { NotifyInput } from './types.ts';
import { MAX_ANSWER_BYTES } from './types.ts';
import { decodeBody } from './body.ts';
import { answerSays, failed, quote, sent, statusFailure } from './outcome.ts';
import { fieldReason } from './reason.ts';
import { child, parseXml, textOf } from '../xml.ts';

export type { NotifyInput } from './types.ts';

/**
 * What listeners answer to a trackback they already list (a repeat after the state was lost). The protocol has
 * no code for it, so these are whole messages, compared without case, spacing or a final full stop: a refusal
 * that merely mentions a ping ("Sorry, trackbacks are closed") never matches. Movable Type answers a repeat with
 * <error>0</error>, and Serendipity and b2evolution do not tell a repeat apart, so they need no entry.
 */
const ALREADY_LISTED = new Set(
  [
    'There is already a ping from that URL for this post.', // WordPress (wp-trackback.php)
    'We already have a ping from that URL for this post.', // WordPress, older releases
    'Trackback is already registered', // Zinnia (Django blog engine)
    'Trackback already registered', // BlogEngine.NET (inside <error> itself, not <message>)
    'Trackback already received', // ExpressionEngine; DokuWiki's linkback plugin ("… received.")
  ].map(normalise),
);

function normalise(message: string): string {
  return message.replace(/\s+/g, ' ').trim().replace(/[.!]+$/, '').toLowerCase();
}

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
  if (!xml.ok) return failed('invalid-response', `not a TrackBack answer: ${xml.message}${answerSays(res)}`, res);
  const { root } = xml;
  if (root.name !== 'response') {
    return failed('invalid-response', `not a TrackBack answer: root element <${quote(root.name, 40)}>, expected <response>`, res);
  }
  const error = child(root, 'error');
  const messageElement = child(root, 'message');
  const message = messageElement ? fieldReason(textOf(messageElement)) : '';
  if (error === undefined) return failed('invalid-response', 'TrackBack answer without <error>', res);
  const flag = textOf(error);
  if (flag === '0') return sent('ok', message === '' ? 'trackback accepted' : `trackback accepted: ${message}`, res);
  if (flag === '1' && ALREADY_LISTED.has(normalise(message))) return sent('already-registered', `already registered (${message})`, res);
  if (flag === '1') return failed('rejected', message === '' ? 'trackback refused (no message)' : `trackback refused: ${message}`, res);
  const said = fieldReason(flag);
  if (ALREADY_LISTED.has(normalise(said))) return sent('already-registered', `already registered (${said})`, res);
  return failed('invalid-response', `TrackBack answer with <error>${quote(said, 100)}</error>, expected 0 or 1`, res);
}
