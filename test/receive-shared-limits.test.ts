// Rate limits that hold for the whole cluster on Postgres: two web receivers on one database (each its own store and
// pool, as two processes hold) share --rate-source and --rate-client, where each process's own bucket alone would let
// through twice the limit. The sliding-window rule they share is pure and tested on its own.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { slidingWindow } from '../src/receive/accept/limits.ts';
import { parseSettings } from '../src/options.ts';
import { startReceiver } from '../src/receive/serve.ts';
import type { Receiver } from '../src/receive/serve.ts';
import { openPostgresStore } from '../src/receive/store/postgres.ts';
import { POSTGRES_MISSING, postgresBin, startPostgres } from './postgres-fixture.ts';
import type { PostgresServer } from './postgres-fixture.ts';
import { sendWebmention } from './receive-helpers.ts';

const SITE = 'https://blog.example';
const MINUTE = 60_000;
// Half-way into a minute: the minute before weighs half.
const T0 = Date.parse('2026-03-01T12:00:30.000Z');

test('sliding window: this minute\'s count plus the previous one\'s share of the last 60 s, against the limit', () => {
  assert.deepEqual(slidingWindow(10, { current: 10, previous: 0 }, T0), { ok: true });
  assert.deepEqual(slidingWindow(10, { current: 5, previous: 10 }, T0), { ok: true }, '5 + 10 × ½');
  // 6 + 10 × ½ = 11: refused until the previous minute weighs 4, at 36 s past the minute (6 s from now).
  assert.deepEqual(slidingWindow(10, { current: 6, previous: 10 }, T0), { ok: false, retryAfterSeconds: 6 });
  // Over the limit within this minute alone: into the next one, where 11 of this minute must weigh 9 at most.
  const refused = slidingWindow(10, { current: 11, previous: 0 }, T0);
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.retryAfterSeconds, 30 + Math.ceil((1 - 9 / 11) * 60));
  // The minute before fades out as this one goes on: 9 + 100 × 1/60 is over, 9 + 100 × 0.4/60 is not.
  assert.equal(slidingWindow(10, { current: 9, previous: 100 }, T0 + 29_000).ok, false);
  assert.deepEqual(slidingWindow(10, { current: 9, previous: 100 }, T0 + 29_600), { ok: true });
});

const bin = postgresBin();
describe('rate limits across web processes on Postgres', { skip: bin ? false : POSTGRES_MISSING }, () => {
  let server: PostgresServer | undefined;
  after(() => server?.stop());

  test('two web processes share one limit per source host and per client: the cluster lets the limit through, not twice it', { timeout: 180_000 }, async (t) => {
    server = await startPostgres(bin!);
    const url = await server.createDatabase();
    let clock = T0;
    const settings = parseSettings({ sites: [SITE], port: 0, database: url, role: 'web', rateSource: 3, rateClient: 5 });
    const webs: Receiver[] = [];
    for (let i = 0; i < 2; i++) {
      const store = await openPostgresStore({ url, maxAttempts: 5 });
      webs.push(await startReceiver(settings, { store, verify: async () => ({ ok: true, property: 'mention-of' }), now: () => new Date(clock) }));
    }
    t.after(async () => {
      for (const web of webs) await web.close();
    });
    let n = 0;
    const send = async (web: number, host: string) => {
      const answer = await sendWebmention(`${webs[web]!.url}/webmention`, `https://${host}/post/${n++}`, `${SITE}/post`);
      assert.ok(answer !== 'failed');
      return answer;
    };

    // Three from one host, spread over both processes: each process's bucket saw at most two.
    for (const web of [0, 1, 0]) assert.equal((await send(web, 'a.example')).status, 202);
    const fourth = await send(1, 'a.example');
    assert.equal(fourth.status, 429, 'the fourth from a.example, although process 1 saw only one before');
    assert.match(fourth.body, /source host/);
    assert.ok(Number(fourth.retryAfter) >= 1, `Retry-After ${fourth.retryAfter}`);
    // Another host has its own count; the client's is now 5 (the refused one counted too: it reached the server).
    assert.equal((await send(1, 'b.example')).status, 202);
    const sixth = await send(0, 'c.example');
    assert.equal(sixth.status, 429, 'the sixth request of this client in the cluster');
    assert.match(sixth.body, /your address/);

    // Two minutes on, every count has aged out, here and in the database.
    clock = T0 + 2 * MINUTE;
    assert.equal((await send(1, 'a.example')).status, 202);
    assert.equal((await webs[0]!.store.queueDepth()), 5, 'only what was acknowledged was queued');
  });
});
