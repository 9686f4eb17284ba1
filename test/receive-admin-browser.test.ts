// The moderation page in a real browser: Debian's Chromium, driven by playwright-core (nothing downloaded). Logs in
// with the admin token, approves one mention and marks one spam through the page's own buttons, and checks the
// store; a stored XSS payload must not run; a form posted from another site must change nothing. On SQLite and on
// Postgres alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { parseSettings } from '../src/options.ts';
import type { WebhookResult } from '../src/receive/publish/webhook.ts';
import { startReceiver } from '../src/receive/serve.ts';
import type { Received, Verification } from '../src/receive/types.ts';
import { close, listen, sendWebmention } from './receive-helpers.ts';
import { forEachStore } from './receive-stores.ts';

const CHROMIUM = '/usr/bin/chromium';
const ADMIN = 'browser-admin-token-4f1c2e';
const SITE = 'https://blog.example';
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

forEachStore((kind) => test(`${kind.name}: moderation page in Chromium: log in, approve, mark spam; stored XSS does not run; cross-site POST refused`, { skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}`, timeout: 300_000 }, async (t) => {
  // The real receiver (store, queue, workers, server). The verifier stands in for a broken sanitiser: it stores the
  // payload as it came, so what is tested is the page's own escaping and sanitising.
  const { settings: database } = await kind.database(t);
  const verified: number[] = [];
  let allVerified: () => void = () => {};
  const three = new Promise<void>((resolve) => (allVerified = resolve));
  const hooked: WebhookResult[] = [];
  let hookAnswered: () => void = () => {};
  const firstHook = new Promise<void>((resolve) => (hookAnswered = resolve));
  const hook = await listen((_req, res) => void res.writeHead(204).end());
  const receiver = await startReceiver(
    parseSettings({ sites: [SITE], port: 0, ...database, rateClient: 0, rateSource: 0, adminToken: ADMIN, allowPrivate: true, webhook: `${hook.origin}/build` }),
    {
      verify: async (received: Received): Promise<Verification> => received.source.endsWith('/xss')
        ? { ok: true, property: 'in-reply-to', author: { name: XSS_NAME, url: 'javascript:window.__xss="author"' }, content: { html: XSS_CONTENT, text: 'nice post' } }
        : { ok: true, property: 'mention-of', content: { html: '<p>fine</p>', text: 'fine' } },
      onWorkerEvent: (event) => {
        if (event.type === 'done' && verified.push(event.job.id) === 3) allVerified();
      },
      onWebhook: (result) => {
        hooked.push(result);
        hookAnswered();
      },
    },
  );
  const browser = await launch();
  const attacker = { close: async () => {}, url: '' };
  t.after(async () => {
    await browser.close();
    await attacker.close();
    await receiver.close();
    await close(hook.server);
  });
  for (const source of ['https://x.example/xss', 'https://fine.example/two', 'https://spammy.example/buy']) {
    assert.equal((await sendWebmention(`${receiver.url}/blog.example/webmention`, source, `${SITE}/post/`) as { status: number }).status, 202);
  }
  await three;
  const idOf = async (source: string) => (await receiver.store.mentions({})).find((m) => m.source === source)?.id ?? -1;
  const [xss, two, spammy] = [await idOf('https://x.example/xss'), await idOf('https://fine.example/two'), await idOf('https://spammy.example/buy')];
  const statusOf = async (id: number) => (await receiver.store.mention(id))?.status;
  assert.deepEqual([await statusOf(xss), await statusOf(two), await statusOf(spammy)], ['pending', 'pending', 'pending']);
  assert.match((await receiver.store.mention(xss))?.content?.html ?? '', /<script>/, 'the payload is in the store as it came');
  const server = { url: receiver.url };
  const mention = (id: number) => `${server.url}/admin/mentions/${id}`;
  Object.assign(attacker, await attackerSite(mention(xss)));
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
  await page.waitForSelector(`#mention-${xss}`);
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'lb_admin');
  assert.ok(session);
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  assert.equal(await page.evaluate('document.cookie'), '', 'the session cookie is out of reach of scripts');

  // The stored payload is shown as text, and nothing of it ran.
  assert.equal(await page.evaluate('window.__xss'), undefined);
  assert.equal(await page.locator(`#mention-${xss} :is(script, img, svg, iframe, [onerror], [onload])`).count(), 0);
  assert.equal(await page.locator(`#mention-${xss} a[href^="javascript:"]`).count(), 0);
  assert.match(await page.locator(`#mention-${xss}`).innerText(), /<img src=x onerror="window.__xss='name'">Mallory/);
  assert.match(await page.locator(`#mention-${xss} .content`).innerText(), /nice post/);
  assert.deepEqual(dialogs, []);

  // Approve #2 and mark #3 spam with the page's buttons.
  await Promise.all([page.waitForURL(/\/admin\?status=pending$/), page.click(`#mention-${two} button[value="approve"]`)]);
  await Promise.all([page.waitForURL(/\/admin\?status=pending$/), page.click(`#mention-${spammy} button[value="spam"]`)]);
  assert.equal(await statusOf(two), 'approved');
  assert.equal(await statusOf(spammy), 'spam');
  assert.equal(await statusOf(xss), 'pending');
  assert.equal(await page.locator(`#mention-${two}`).count(), 0, 'approved ones leave the pending list');
  await page.goto(`${server.url}/admin?status=approved`);
  assert.equal(await page.locator(`#mention-${two}`).count(), 1);

  // Another site's page, in the same logged-in browser, posts a form without the CSRF token: refused, nothing changes.
  const [refused] = await Promise.all([page.waitForResponse(mention(xss)), page.goto(attacker.url)]);
  assert.ok(refused.status() === 401 || refused.status() === 403, `status ${refused.status()}`);
  assert.equal(await statusOf(xss), 'pending');

  // Even from the page's own origin, a POST without the token bound to the session is refused.
  // (A form of its own, without the csrf field: the page's CSP lets forms post only here, and blocks fetch.)
  await page.goto(`${server.url}/admin`);
  const [sameOrigin] = await Promise.all([
    page.waitForResponse(mention(xss)),
    // A string: the test is type-checked without the DOM library.
    page.evaluate(`(() => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = ${JSON.stringify(mention(xss))};
      form.innerHTML = '<input name="action" value="approve">';
      document.body.append(form);
      form.submit();
    })()`),
  ]);
  assert.equal(sameOrigin.status(), 403);
  assert.equal(await statusOf(xss), 'pending');
  // One approval, one webhook call (sent in the background).
  await firstHook;
  assert.deepEqual(hooked.map((r) => [r.ok, r.mentionId]), [[true, two]]);
}));
