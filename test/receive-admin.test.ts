// The moderation page (/admin): login and sessions, escaping what strangers wrote, CSRF-guarded actions. The route
// reads and writes a real store, on SQLite and on Postgres alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adminRoute, type AdminContext } from '../src/receive/publish/admin.ts';
import { escapeHtml, sanitiseForAdmin } from '../src/receive/publish/admin-page.ts';
import { SESSION_MS, csrfToken, newSession, validSession } from '../src/receive/publish/session.ts';
import type { Mention, ReceiverRequest } from '../src/receive/types.ts';
import { sample, storeMention } from './fixtures/receive/mentions.ts';
import { forEachStore } from './receive-stores.ts';
import type { StoreKind } from './receive-stores.ts';

const ADMIN = 'admin-token-0123456789';
const XSS = '<img src=x onerror="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)">x</a><iframe src="https://evil.test"></iframe><p onclick="alert(4)">hi</p>';

/** A store on `kind`'s database with one site and two pending mentions, the first one hostile. */
async function setup(kind: StoreKind, t: { after: (fn: () => Promise<void>) => void }, now = new Date('2026-02-01T00:00:00Z')) {
  const { store } = await kind.open(t);
  const site = await store.ensureSite('https://blog.example.org');
  await storeMention(store, sample(1, { status: 'pending', author: { name: '<script>alert("name")</script>', url: 'javascript:alert(5)' }, content: { html: XSS, text: 'hi' } }));
  await storeMention(store, sample(2, { status: 'pending' }));
  const approved: Mention[] = [];
  const clock = { now };
  const ctx: AdminContext = { store, adminToken: ADMIN, now: () => clock.now, onApproved: (m) => approved.push(m) };
  return { store, site, ctx, approved, clock };
}

function request(method: string, url: string, headers: Record<string, string> = {}, body = ''): ReceiverRequest {
  return { method, url, headers: { host: '127.0.0.1', ...headers }, body: Buffer.from(body), clientAddress: '127.0.0.1' };
}

async function call(ctx: AdminContext, req: ReceiverRequest) {
  const answer = await adminRoute(req, ctx);
  assert.ok(answer, req.url);
  return { ...answer, text: String(answer.body) };
}

async function login(ctx: AdminContext): Promise<{ cookie: string; csrf: string }> {
  const answer = await call(ctx, request('POST', '/admin/login', { 'content-type': 'application/x-www-form-urlencoded' }, `token=${ADMIN}`));
  assert.equal(answer.status, 303);
  const setCookie = answer.headers['set-cookie'] ?? '';
  const cookie = setCookie.split(';')[0] ?? '';
  const page = await call(ctx, request('GET', '/admin', { cookie }));
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
  assert.ok(csrf);
  return { cookie, csrf };
}

forEachStore((kind) => {
  test('login: a wrong token is refused; the right one sets an HttpOnly, SameSite=Strict session cookie', async (t) => {
    const { ctx } = await setup(kind, t);
    const wrong = await call(ctx, request('POST', '/admin/login', {}, 'token=guess'));
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers['set-cookie'], undefined);
    const right = await call(ctx, request('POST', '/admin/login', {}, `token=${ADMIN}`));
    assert.equal(right.status, 303);
    assert.match(right.headers['set-cookie'] ?? '', /^lb_admin=[^;]+; Path=\/admin; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const https = await call({ ...ctx, publicUrl: 'https://mentions.example.org' }, request('POST', '/admin/login', {}, `token=${ADMIN}`));
    assert.match(https.headers['set-cookie'] ?? '', /; Secure$/);
  });

  test('the page: without a session only the login form; management off without an admin token', async (t) => {
    const { ctx } = await setup(kind, t);
    const anonymous = await call(ctx, request('GET', '/admin'));
    assert.match(anonymous.text, /name="token"/);
    assert.doesNotMatch(anonymous.text, /mention-1/);
    const off = await call({ ...ctx, adminToken: '' }, request('GET', '/admin'));
    assert.equal(off.status, 404);
    assert.equal(await adminRoute(request('GET', '/api/mentions.jf2'), ctx), undefined);
    assert.equal(await adminRoute(request('GET', '/administrator'), ctx), undefined);
  });

  test('the page escapes what strangers wrote and shows content only sanitised; CSP forbids scripts', async (t) => {
    const { ctx, site } = await setup(kind, t);
    const { cookie } = await login(ctx);
    const page = await call(ctx, request('GET', '/admin?status=pending', { cookie }));
    assert.equal(page.status, 200);
    assert.match(page.headers['content-security-policy'] ?? '', /default-src 'none'/);
    assert.doesNotMatch(page.headers['content-security-policy'] ?? '', /script-src/);
    assert.doesNotMatch(page.text, /<script|onerror|onclick|javascript:|<iframe|<img/i);
    assert.match(page.text, /&lt;script&gt;alert\(&quot;name&quot;\)&lt;\/script&gt;/);
    assert.match(page.text, /<p>hi<\/p>/);
    assert.match(page.text, /pending \(2\)/);
    assert.ok(page.text.includes(`https://blog.example.org: <code>${site.readToken}</code>`), 'the site and its read token');
    assert.equal(escapeHtml(`<a href="x" title='y'>&`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;');
    assert.equal(sanitiseForAdmin('<a href="https://ok.example/">ok</a>'), '<a href="https://ok.example/" rel="noopener noreferrer nofollow ugc">ok</a>');
  });

  test('actions: approve needs the session and its CSRF token; a newly approved mention reaches onApproved once', async (t) => {
    const { ctx, store, approved } = await setup(kind, t);
    const { cookie, csrf } = await login(ctx);
    const noCsrf = await call(ctx, request('POST', '/admin/mentions/2', { cookie }, 'action=approve'));
    assert.equal(noCsrf.status, 403);
    const otherSession = csrfToken(ADMIN, newSession(ADMIN, new Date('2026-02-01T00:00:00Z')));
    assert.equal((await call(ctx, request('POST', '/admin/mentions/2', { cookie }, `action=approve&csrf=${otherSession}`))).status, 403);
    const noCookie = await call(ctx, request('POST', '/admin/mentions/2', {}, `action=approve&csrf=${csrf}`));
    assert.equal(noCookie.status, 401);
    const crossSite = await call(ctx, request('POST', '/admin/mentions/2', { cookie, 'sec-fetch-site': 'cross-site' }, `action=approve&csrf=${csrf}`));
    assert.equal(crossSite.status, 403);
    assert.equal((await store.mention(2))?.status, 'pending');
    assert.equal(approved.length, 0);

    const ok = await call(ctx, request('POST', '/admin/mentions/2', { cookie, 'sec-fetch-site': 'same-origin' }, `action=approve&csrf=${csrf}&return=pending`));
    assert.equal(ok.status, 303);
    assert.equal(ok.headers.location, '/admin?status=pending');
    assert.equal((await store.mention(2))?.status, 'approved');
    await call(ctx, request('POST', '/admin/mentions/2', { cookie }, `action=approve&csrf=${csrf}`));
    assert.deepEqual(approved.map((m) => m.id), [2]);

    await call(ctx, request('POST', '/admin/mentions/1', { cookie }, `action=spam&csrf=${csrf}`));
    assert.equal((await store.mention(1))?.status, 'spam');
    assert.equal((await call(ctx, request('POST', '/admin/mentions/1', { cookie }, `action=publish&csrf=${csrf}`))).status, 400);
    assert.equal((await call(ctx, request('POST', '/admin/mentions/99', { cookie }, `action=delete&csrf=${csrf}`))).status, 404);
  });

  test('sessions end: after 12 hours, when tampered with, or when the admin token changes', async (t) => {
    const { ctx, clock } = await setup(kind, t);
    const { cookie } = await login(ctx);
    const value = cookie.slice('lb_admin='.length);
    assert.equal(validSession(ADMIN, value, clock.now), true);
    assert.equal(validSession(ADMIN, value, new Date(clock.now.getTime() + SESSION_MS + 1)), false);
    assert.equal(validSession('another-token', value, clock.now), false);
    const [expiry, nonce, mac] = value.split('.');
    assert.equal(validSession(ADMIN, `${Number(expiry) + 1000}.${nonce}.${mac}`, clock.now), false);
    assert.equal(validSession(ADMIN, undefined, clock.now), false);
    clock.now = new Date(clock.now.getTime() + SESSION_MS + 1);
    assert.match((await call(ctx, request('GET', '/admin', { cookie }))).text, /name="token"/);
  });
});
