// Who is asking: the admin (management: the moderation page, every site's mentions), a site's reader (its
// read token: the jf2 API of that site), nobody, or someone with a wrong token. Tokens are compared in constant
// time: both sides are hashed first, so neither the content nor the length of a token leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ReceiverRequest, Site } from '../types.ts';

export type Access =
  | { kind: 'admin' }
  | { kind: 'site'; site: Site }
  | { kind: 'anonymous' }
  | { kind: 'invalid' };

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

export function tokensEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The token of a request: `Authorization: Bearer …` (kept out of access logs), else the query's `token`. */
export function requestToken(request: Pick<ReceiverRequest, 'headers'>, params: URLSearchParams): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  return bearer ?? (params.get('token') || params.get('access_token') || undefined);
}

/**
 * An empty or missing admin token disables management (no token matches it). Every site's token is compared,
 * with no early exit, so the time taken does not say which site's token was close.
 */
export function whoIs(token: string | undefined, adminToken: string | undefined, sites: readonly Site[]): Access {
  if (token === undefined || token === '') return { kind: 'anonymous' };
  const admin = adminToken !== undefined && adminToken !== '' && tokensEqual(token, adminToken);
  let found: Site | undefined;
  for (const site of sites) {
    if (site.readToken !== '' && tokensEqual(token, site.readToken)) found ??= site;
  }
  if (admin) return { kind: 'admin' };
  return found ? { kind: 'site', site: found } : { kind: 'invalid' };
}

/**
 * The admin API's check (sites, jobs): the admin token as a Bearer token only (no cookie, so no CSRF to defend; no
 * query token, so it stays out of access logs). 'off' when no admin token is configured (management is off).
 */
export function adminBearer(request: Pick<ReceiverRequest, 'headers'>, adminToken: string | undefined): 'ok' | 'off' | 'missing' | 'wrong' {
  if (!adminToken) return 'off';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer === undefined) return 'missing';
  return tokensEqual(bearer, adminToken) ? 'ok' : 'wrong';
}
