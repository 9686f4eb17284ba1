// A blocked source domain (--block-domain, subdomains included) is refused at accept on all three protocols, in
// each protocol's words, and nothing is queued; --block-action spam accepts it instead (filed as spam later).
// On the wire, against a `linkback serve` child process; the queue is read from its database after it stops, with
// the store itself. On SQLite and on Postgres alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { close, listen, sendWebmention, startServe } from './receive-helpers.ts';
import { forEachStore } from './receive-stores.ts';
import type { StoreKind } from './receive-stores.ts';

const SITE = 'https://blog.example.org';
const DOMAIN = 'blog.example.org';
const TARGET = `${SITE}/post/a/`;

const pingbackBody = (source: string, target: string) => '<?xml version="1.0"?><methodCall><methodName>pingback.ping</methodName><params>' +
  `<param><value><string>${source}</string></value></param><param><value><string>${target}</string></value></param></params></methodCall>`;

async function post(url: string, body: string, type: string): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body });
  return `${res.status} ${await res.text()}`;
}

async function serveWith(kind: StoreKind, t: { after: (fn: () => Promise<unknown>) => void }, extra: string[]) {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-blocked-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const db = await kind.database(t);
  // Every source host is this local page (--connect-to *=…): nothing a claim makes the workers fetch leaves the machine.
  const source = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(`<a href="${TARGET}">a link</a>`));
  t.after(() => close(source.server));
  const serve = await startServe(['--site', SITE, ...db.args, '--allow-private', '--connect-to', `*=${source.origin.slice('http://'.length)}`,
    '--block-domain', 'spam.example', ...extra], { cwd: dir });
  t.after(async () => serve.child.kill('SIGKILL'));
  return {
    serve,
    /** The source of every job ever queued, from the database once the server has stopped. */
    queued: async () => {
      serve.child.kill('SIGTERM');
      assert.equal(await serve.exited, 0, serve.stderr());
      const store = await db.openStore();
      try {
        // Jobs are numbered from 1 without gaps; the counts per state say how many there are.
        const { jobs } = await store.queueStats();
        const count = jobs.queued + jobs.running + jobs.done + jobs.dead;
        const sources = [];
        for (let id = 1; id <= count; id++) sources.push((await store.job(id))?.received.source);
        return sources;
      } finally {
        await store.close();
      }
    },
  };
}

forEachStore((kind) => {
  test('a blocked source domain is refused at accept: webmention 400 with the reason, pingback fault 0x31, trackback error 1; nothing queued', { timeout: 300_000 }, async (t) => {
    const { serve, queued } = await serveWith(kind, t, []);
    const webmention = await sendWebmention(`${serve.url}/${DOMAIN}/webmention`, 'https://www.spam.example/p', TARGET);
    assert.ok(webmention !== 'failed');
    assert.equal(webmention.status, 400);
    assert.equal(webmention.body, 'the source domain www.spam.example is blocked on this site\n');

    const pingback = await post(`${serve.url}/${DOMAIN}/xmlrpc`, pingbackBody('https://spam.example/p', TARGET), 'text/xml');
    assert.match(pingback, /^200 /);
    assert.match(pingback, /<name>faultCode<\/name><value><int>49<\/int><\/value>/);
    assert.match(pingback, /the source domain spam\.example is blocked on this site/);

    const trackback = await post(`${serve.url}/${DOMAIN}/trackback?target=${encodeURIComponent(TARGET)}`,
      new URLSearchParams({ url: 'https://spam.example/p', title: 'Buy' }).toString(), 'application/x-www-form-urlencoded');
    assert.match(trackback, /^200 <\?xml[^>]*>\n<response>\n<error>1<\/error>\n<message>the source domain spam\.example is blocked on this site<\/message>/);

    // A domain that only ends like a blocked one is not blocked: its claim is queued (202).
    const other = await sendWebmention(`${serve.url}/${DOMAIN}/webmention`, 'https://notspam.example/p', TARGET);
    assert.ok(other !== 'failed');
    assert.equal(other.status, 202, other.body);
    assert.deepEqual(await queued(), ['https://notspam.example/p']);
  });

  test('--block-action spam: a blocked source domain is accepted (and filed as spam once verified)', { timeout: 300_000 }, async (t) => {
    const { serve, queued } = await serveWith(kind, t, ['--block-action', 'spam']);
    const webmention = await sendWebmention(`${serve.url}/${DOMAIN}/webmention`, 'https://spam.example/p', TARGET);
    assert.ok(webmention !== 'failed');
    assert.equal(webmention.status, 202, webmention.body);
    assert.deepEqual(await queued(), ['https://spam.example/p']);
  });
});
