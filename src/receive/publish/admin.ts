// The moderation page's routes, under /admin:
//   GET  /admin                   the login form, or (logged in) the mentions of one status, newest first
//   POST /admin/login             token=<admin token>  -> session cookie, 303 to /admin
//   POST /admin/logout            csrf=…               -> cookie cleared
//   POST /admin/mentions/<id>     csrf=…&action=approve|spam|delete|unapprove&return=<status>
//   POST /admin/jobs/<id>/retry   csrf=…&return=<status>          -> a dead-lettered job back in the queue, due now
//   POST /admin/jobs/retry        csrf=…&site=<origin>&return=…   -> every dead-lettered job of that site
// Every POST but the login needs the session cookie and the CSRF token bound to it (session.ts); a browser that
// says the POST comes from another site (Sec-Fetch-Site) is refused before anything else.
import { isModerationAction, newlyApproved, statusAfter } from '../moderate/index.ts';
import type { HttpAnswer, Mention, MentionStatus, ReceiverRequest, ReceiverStore } from '../types.ts';
import { tokensEqual } from './access.ts';
import { STATUSES, listPage, loginPage, messagePage } from './admin-page.ts';
import { SESSION_COOKIE, clearedCookie, csrfToken, newSession, readCookie, sessionCookie, validCsrf, validSession } from './session.ts';

export interface AdminContext {
  store: ReceiverStore;
  /** Unset or empty: the page answers 404 (management is off). */
  adminToken?: string;
  now: () => Date;
  /** The public base URL; an https one makes the cookie Secure. */
  publicUrl?: string;
  /** Called for each mention a moderator approves that was not approved before (the webhook). */
  onApproved?: (mention: Mention) => void;
}

const PER_PAGE = 50;
/** Dead-lettered jobs listed on the page; the rest are counted, and "Retry all" of their site re-queues them too. */
const FAILED_SHOWN = 50;

// No script may run on this page at all, nothing may frame it, forms may only post back here, and no remote
// image is fetched (it would tell a stranger when the admin reads their mention).
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html;charset=UTF-8',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function html(status: number, body: string, extra: Record<string, string> = {}): HttpAnswer {
  return { status, headers: { ...PAGE_HEADERS, ...extra }, body };
}

function seeOther(location: string, extra: Record<string, string> = {}): HttpAnswer {
  return { status: 303, headers: { ...PAGE_HEADERS, location, ...extra }, body: '' };
}

function secure(request: ReceiverRequest, ctx: AdminContext): boolean {
  return ctx.publicUrl?.startsWith('https:') === true || request.headers['x-forwarded-proto'] === 'https';
}

/** Fetch Metadata: browsers say where a request comes from; another site's page is never allowed to post here. */
function crossSite(request: ReceiverRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  return site === 'cross-site' || site === 'same-site';
}

function asStatus(value: string | null | undefined): MentionStatus {
  return STATUSES.find((status) => status === value) ?? 'pending';
}

export async function adminRoute(request: ReceiverRequest, ctx: AdminContext): Promise<HttpAnswer | undefined> {
  const url = new URL(request.url, 'http://localhost');
  const path = url.pathname.replace(/\/+$/, '');
  if (path !== '/admin' && !path.startsWith('/admin/')) return undefined;
  const adminToken = ctx.adminToken;
  if (!adminToken) return html(404, messagePage('Not found', 'Moderation is off: no admin token is configured.'));

  const now = ctx.now();
  const session = readCookie(request.headers.cookie, SESSION_COOKIE);
  const loggedIn = validSession(adminToken, session, now);

  if (request.method === 'GET' || request.method === 'HEAD') {
    if (path !== '/admin') return html(404, messagePage('Not found', 'No such page.'));
    if (!loggedIn || session === undefined) return html(200, loginPage());
    return html(200, await renderList(ctx, url.searchParams, csrfToken(adminToken, session)));
  }
  if (request.method !== 'POST') return html(405, messagePage('Method not allowed', 'Use the page.'), { allow: 'GET, HEAD, POST' });
  if (crossSite(request)) return html(403, messagePage('Forbidden', 'A request from another site was refused.'));
  const form = new URLSearchParams(request.body.toString('utf8'));

  if (path === '/admin/login') {
    const token = form.get('token') ?? '';
    if (!tokensEqual(token, adminToken)) return html(401, loginPage('That is not the admin token.'));
    return seeOther('/admin', { 'set-cookie': sessionCookie(newSession(adminToken, now), secure(request, ctx)) });
  }
  if (!loggedIn || session === undefined) return html(401, loginPage('Please log in again.'));
  if (!validCsrf(adminToken, session, form.get('csrf') ?? undefined)) {
    return html(403, messagePage('Forbidden', 'The form was not sent from this page (CSRF token missing or wrong). Reload the page and try again.'));
  }
  if (path === '/admin/logout') return seeOther('/admin', { 'set-cookie': clearedCookie(secure(request, ctx)) });

  const retry = /^\/admin\/jobs\/(?:(\d{1,15})\/)?retry$/.exec(path);
  if (retry) {
    const site = form.get('site') ?? '';
    if (retry[1] === undefined && site === '') return html(400, messagePage('Bad request', 'Which site\'s jobs?'));
    const requeued = await ctx.store.requeue(retry[1] === undefined ? { site } : { job: Number(retry[1]) }, now);
    return seeOther(`/admin?status=${asStatus(form.get('return'))}&requeued=${requeued}#failed`);
  }

  const match = /^\/admin\/mentions\/(\d{1,15})$/.exec(path);
  const action = form.get('action') ?? '';
  if (!match?.[1] || !isModerationAction(action)) return html(400, messagePage('Bad request', 'Unknown mention or action.'));
  const before = await ctx.store.mention(Number(match[1]));
  if (!before) return html(404, messagePage('Not found', 'No such mention.'));
  const wasStatus = before.status;
  const after = await ctx.store.setStatus(before.id, statusAfter(action), now);
  if (after && newlyApproved(wasStatus, after.status)) ctx.onApproved?.(after);
  return seeOther(`/admin?status=${asStatus(form.get('return'))}`);
}

async function renderList(ctx: AdminContext, params: URLSearchParams, csrf: string): Promise<string> {
  const status = asStatus(params.get('status'));
  const page = Math.min(Number.parseInt(params.get('page') ?? '0', 10) || 0, 1_000_000);
  const mentions = await ctx.store.mentions({ status, page, perPage: PER_PAGE });
  // Is there an older page: the first row after this page (row n is page n of one row).
  const hasMore = mentions.length === PER_PAGE && (await ctx.store.mentions({ status, page: (page + 1) * PER_PAGE, perPage: 1 })).length > 0;
  const pending = (await ctx.store.mentions({ status: 'pending' })).length;
  const failed = await ctx.store.deadJobs({ limit: FAILED_SHOWN });
  // After a Retry: how many went back in the queue (none: it was re-queued already, or its site was removed).
  const requeued = params.get('requeued');
  const flash = requeued === null ? undefined
    : requeued === '0' ? 'Nothing was re-queued: already re-queued, or its site was removed.'
      : `${Number.parseInt(requeued, 10) || 0} failed job(s) back in the queue.`;
  return listPage({ status, mentions, pending, csrf, page, hasMore, sites: await ctx.store.sites(), failed, ...(flash ? { flash } : {}) });
}
