// The moderation page's login session and its CSRF tokens, without any server-side table: the session cookie is
// "<expiry>.<nonce>.<mac>", signed with a key derived from the admin token, and the CSRF token of a page is a MAC
// of that cookie. So a CSRF token is bound to one session (a token from another session, or from before a new
// login, does not pass), nothing survives a change of the admin token, and a restart logs nobody out.
// Pure apart from the randomness of the nonce; the clock is passed in.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'lb_admin';
/** Twelve hours: a working day of moderating, not a permanent login. */
export const SESSION_MS = 12 * 60 * 60 * 1000;

function key(adminToken: string): Buffer {
  return createHmac('sha256', adminToken).update('linkback admin session key v1').digest();
}

function mac(adminToken: string, purpose: string, value: string): string {
  return createHmac('sha256', key(adminToken)).update(`${purpose}\n${value}`).digest('base64url');
}

function equal(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function newSession(adminToken: string, now: Date): string {
  const body = `${now.getTime() + SESSION_MS}.${randomBytes(16).toString('base64url')}`;
  return `${body}.${mac(adminToken, 'session', body)}`;
}

export function validSession(adminToken: string | undefined, cookie: string | undefined, now: Date): boolean {
  if (!adminToken || !cookie) return false;
  const match = /^(\d{1,15})\.([\w-]{22})\.([\w-]{43})$/.exec(cookie);
  if (!match?.[1] || !match[3]) return false;
  if (Number(match[1]) <= now.getTime()) return false;
  return equal(match[3], mac(adminToken, 'session', `${match[1]}.${match[2]}`));
}

export function csrfToken(adminToken: string, session: string): string {
  return mac(adminToken, 'csrf', session);
}

export function validCsrf(adminToken: string, session: string, token: string | undefined): boolean {
  return token !== undefined && equal(token, csrfToken(adminToken, session));
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * HttpOnly: page scripts (there are none, but an injected one) cannot read it; SameSite=Strict: another site's page
 * cannot make the browser send it; Path=/admin: the public API never sees it; Secure when served over HTTPS.
 */
export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`;
}

export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
