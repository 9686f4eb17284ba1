// The W3C Webmention receiver's request verification (https://www.w3.org/TR/webmention/#request-verification):
// a form POST with `source` and `target`, both http(s) URLs, not the same, and the target one of ours. Pure:
// a request in, a claim (Received) or the 400 that refuses it out. Queuing and answering 202 is the route's.
import type { HttpAnswer, Received, ReceiverRequest } from '../types.ts';

export type WebmentionClaim = { ok: true; received: Received } | { ok: false; answer: HttpAnswer };

export interface WebmentionContext {
  /** The sites (origins) this endpoint receives for: one for `/<domain>/webmention`, or all of them. */
  sites: readonly string[];
  now: Date;
}

export function badRequest(message: string, status = 400): HttpAnswer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `${message}\n` };
}

/** An absolute http(s) URL without its fragment (the spec ignores fragments when comparing), or null. */
export function webUrl(value: string | undefined): URL | null {
  if (value === undefined || value === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.hash = '';
  return url;
}

export function acceptWebmention(req: ReceiverRequest, context: WebmentionContext): WebmentionClaim {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    return { ok: false, answer: badRequest('send source and target as application/x-www-form-urlencoded', 400) };
  }
  const form = new URLSearchParams(req.body.toString('utf8'));
  const sourceText = form.get('source') ?? undefined;
  const targetText = form.get('target') ?? undefined;
  if (!sourceText || !targetText) return { ok: false, answer: badRequest('source and target are both required') };
  const source = webUrl(sourceText);
  if (!source) return { ok: false, answer: badRequest('source must be an absolute http(s) URL') };
  const target = webUrl(targetText);
  if (!target) return { ok: false, answer: badRequest('target must be an absolute http(s) URL') };
  if (source.href === target.href) return { ok: false, answer: badRequest('source and target are the same URL') };
  const site = context.sites.find((origin) => origin === target.origin);
  if (!site) return { ok: false, answer: badRequest('target is not on a site this endpoint receives for') };
  return {
    ok: true,
    received: {
      site, protocol: 'webmention', source: source.href, target: target.href,
      clientAddress: req.clientAddress, receivedAt: context.now.toISOString(),
    },
  };
}
