// The moderation page in a real browser: Debian's Chromium, driven by playwright-core (nothing downloaded). Logs in
// with the admin token, approves one mention and marks one spam through the page's own buttons, and checks the
// store; a stored XSS payload must not run; a form posted from another site must change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { adminRoute, type AdminContext } from '../src/receive/publish/admin.ts';
import type { Mention } from '../src/receive/types.ts';
import { MemoryStore, sample } from './fixtures/receive/memory-store.ts';
import { serveRoutes } from './fixtures/receive/route-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN = 'browser-admin-token-4f1c2e';
const XSS_CONTENT = '<p>nice post</p><script>window.__xss = "script"</script><img src="x" onerror="window.__xss = \'img\'"><svg onload="window.__xss=\'svg\'"></svg><a href="javascript:window.__xss=\'link\'">click</a>';
const XSS_NAME = '<img src=x onerror="window.__xss=\'name\'">Mallory';

async function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    timeout: 120_000,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
      // Another site for the CSRF attempt, without DNS: attacker.test is 127.0.0.1 for this browser only.
      '--host-resolver-rules=MAP attacker.test 127.0.0.1',
    ],
  });
}

/** A page on another site that posts a form to the moderation page as soon as it loads. */
async function attackerSite(action: string) {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><form id="f" method="post" action="${action}">
<input name="action" value="approve"><input name="return" value="pending"></form><script>document.getElementById('f').submit()</script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://attacker.test:${port}/`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

test('moderation page in Chromium: log in, approve, mark spam; stored XSS does not run; cross-site POST refused', { skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}`, timeout: 300_000 }, async (t) => {
  const store = new MemoryStore();
  store.add(sample(1, { status: 'pending', author: { name: XSS_NAME, url: 'javascript:window.__xss="author"' }, content: { html: XSS_CONTENT, text: 'nice post' } }));
  store.add(sample(2, { status: 'pending' }));
  store.add(sample(3, { status: 'pending', source: 'https://spammy.example/buy' }));
  const approved: Mention[] = [];
  const ctx: AdminContext = { store, adminToken: ADMIN, now: () => new Date(), onApproved: (m) => approved.push(m) };
  const server = await serveRoutes([(req) => adminRoute(req, ctx)]);
  const mention = (id: number) => `${server.url}/admin/mentions/${id}`;
  const attacker = await attackerSite(mention(1));
  const browser = await launch();
  t.after(async () => {
    await browser.close();
    await attacker.close();
    await server.close();
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });

  // Log in with the token.
  await page.goto(`${server.url}/admin`);
  await page.fill('input[name="token"]', ADMIN);
  await Promise.all([page.waitForURL(`${server.url}/admin`), page.click('button[type="submit"]')]);
  await page.waitForSelector('#mention-1');
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'lb_admin');
  assert.ok(session);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(await page.evaluate('document.cookie'), '', 'the session cookie is out of reach of scripts');

  // The stored payload is shown as text, and nothing of it ran.
  assert.equal(await page.evaluate('window.__xss'), undefined);
  assert.equal(await page.locator('#mention-1 script, #mention-1 img, #mention-1 svg, #mention-1 [onerror], #mention-1 [onload]').count(), 0);
  assert.equal(await page.locator('#mention-1 a[href^="javascript:"]').count(), 0);
  assert.match(await page.locator('#mention-1').innerText(), /<img src=x onerror="window.__xss='name'">Mallory/);
  assert.match(await page.locator('#mention-1 .content').innerText(), /nice post/);
  assert.deepEqual(dialogs, []);

  // Approve #2 and mark #3 spam with the page's buttons.
  await Promise.all([page.waitForURL(/\/admin\?status=pending$/), page.click('#mention-2 button[value="approve"]')]);
  await Promise.all([page.waitForURL(/\/admin\?status=pending$/), page.click('#mention-3 button[value="spam"]')]);
  assert.equal((await store.mention(2))?.status, 'approved');
  assert.equal((await store.mention(3))?.status, 'spam');
  assert.equal((await store.mention(1))?.status, 'pending');
  assert.deepEqual(approved.map((m) => m.id), [2]);
  assert.equal(await page.locator('#mention-2').count(), 0, 'approved ones leave the pending list');
  await page.goto(`${server.url}/admin?status=approved`);
  assert.equal(await page.locator('#mention-2').count(), 1);

  // Another site's page, in the same logged-in browser, posts a form without the CSRF token: refused, nothing changes.
  const [refused] = await Promise.all([page.waitForResponse(mention(1)), page.goto(attacker.url)]);
  assert.ok(refused.status() === 401 || refused.status() === 403, `status ${refused.status()}`);
  assert.equal((await store.mention(1))?.status, 'pending');

  // Even from the page's own origin, a POST without the token bound to the session is refused.
  // (A form of its own, without the csrf field: the page's CSP lets forms post only here, and blocks fetch.)
  await page.goto(`${server.url}/admin`);
  const [sameOrigin] = await Promise.all([
    page.waitForResponse(mention(1)),
    // A string: the test is type-checked without the DOM library.
    page.evaluate(`(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = ${JSON.stringify(mention(1))};
      form.innerHTML = '<input name="action" value="approve">';
      document.body.append(form);
      form.submit();
    })()`),
  ]);
  assert.equal(sameOrigin.status(), 403);
  assert.equal((await store.mention(1))?.status, 'pending');
  assert.deepEqual(approved.map((m) => m.id), [2]);
});
