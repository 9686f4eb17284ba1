// THE durability test of `linkback serve`: a flood of 1,000 webmentions, the server SIGKILLed mid-flood (no chance to
// clean up), then started again on the same database. Every acknowledged (202) webmention ends verified, none is
// lost, none is stored twice — including those whose verification was in flight at the kill (taken again after
// their lease) and those the sender re-sent because the 202 never reached it. On SQLite and on Postgres alike: the
// same kill, and the same checks, read from the database through the store once the server is gone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { close, listen, sendWebmention, startServe } from './receive-helpers.ts';
import { forEachStore } from './receive-stores.ts';

const FLOOD = 1000;
const KILL_AFTER = 300; // acknowledgements before the SIGKILL
const SITE = 'https://blog.example';
const target = (i: number) => `${SITE}/posts/${i}`;

forEachStore((kind) => test(`${kind.name}: SIGKILL mid-flood of 1,000 webmentions, restart: every acknowledged one ends verified, none lost, none duplicated`, { timeout: 600_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-durable-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const database = await kind.database(t);

  // Until the kill the source never answers: every verification is in flight or queued when the server dies,
  // so the restart has both kinds to recover. Afterwards it answers at once.
  let open = false;
  const held: ServerResponse[] = [];
  const source = await listen((req, res) => {
    if (!open) {
      held.push(res);
      return;
    }
    const i = Number(/\/post\/(\d+)$/.exec(req.url ?? '')?.[1]);
    res.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><p>See <a href="${target(i)}">this post</a>.</p>`);
  });
  t.after(() => close(source.server));
  const sourceUrl = (i: number) => `${source.origin}/post/${i}`;
  const args = ['--site', SITE, ...database.args, '--allow-private', '--rate-client', '0', '--rate-source', '0', '--verify-workers', '4', '--verify-timeout', '5000'];

  const first = await startServe(args, { cwd: dir });
  t.after(() => first.child.kill('SIGKILL'));
  const acked = new Map<number, number>(); // i -> job id
  let next = 0;
  async function sender(endpoint: string, todo: number[]): Promise<void> {
    while (next < todo.length) {
      const i = todo[next++]!;
      const answer = await sendWebmention(endpoint, sourceUrl(i), target(i));
      if (answer === 'failed') continue;
      assert.equal(answer.status, 202, answer.body);
      const id = Number(/^\/status\/(\d+)$/.exec(answer.location ?? '')?.[1]);
      assert.ok(id > 0, `Location ${answer.location}`);
      acked.set(i, id);
      if (acked.size === KILL_AFTER) first.child.kill('SIGKILL');
    }
  }
  const all = Array.from({ length: FLOOD }, (_, i) => i);
  await Promise.all(Array.from({ length: 16 }, () => sender(`${first.url}/webmention`, all)));
  assert.equal(await first.exited, 'SIGKILL');
  const ackedBeforeKill = new Map(acked);
  assert.ok(ackedBeforeKill.size >= KILL_AFTER && ackedBeforeKill.size < FLOOD, `killed mid-flood (${ackedBeforeKill.size} acknowledged)`);
  for (const res of held) res.destroy();

  // What the kill left: nothing verified yet; some jobs taken by workers (leased), the rest queued.
  const killed = await database.openStore();
  const { jobs: states } = await killed.queueStats();
  await killed.close();
  assert.equal(states.done, 0, JSON.stringify(states));
  assert.ok(states.running > 0 && states.queued > 0, JSON.stringify(states));
  for (const id of ackedBeforeKill.values()) assert.ok(id > 0);

  open = true;
  const second = await startServe(args, { cwd: dir });
  t.after(() => second.child.kill('SIGKILL'));
  // The sender re-sends what it never saw acknowledged (some of it may be on disk already: its 202 was lost).
  next = 0;
  const unacked = all.filter((i) => !acked.has(i));
  await Promise.all(Array.from({ length: 16 }, () => sender(`${second.url}/webmention`, unacked)));
  assert.equal(acked.size, FLOOD);

  // Wait until the queue is empty (the jobs in flight at the kill come due when their lease ends).
  const reader = await database.openStore();
  t.after(() => reader.close());
  const waiting = async () => {
    const { jobs } = await reader.queueStats();
    return jobs.queued + jobs.running;
  };
  while (await waiting() > 0) await new Promise((resolve) => setTimeout(resolve, 250));
  second.child.kill('SIGTERM');
  assert.equal(await second.exited, 0, second.stderr());

  const ids = [...acked.values()];
  assert.equal(new Set(ids).size, FLOOD, 'one job per acknowledged webmention');
  for (const [i, id] of acked) {
    const job = await reader.job(id);
    assert.ok(job, `the job of acknowledged webmention ${i} exists`);
    assert.equal(job.state, 'done', `webmention ${i}: ${job.state} ${job.lastError}`);
    assert.equal(job.lastError, undefined, `webmention ${i} verified`);
    assert.equal(job.received.source, sourceUrl(i), `job ${id} is webmention ${i}'s`);
  }
  const mentions = await reader.mentions({});
  assert.equal(mentions.length, FLOOD, 'one mention per source and target, none lost, none twice');
  assert.ok(mentions.every((m) => m.verifiedAt !== undefined && m.status !== 'deleted'), 'every one verified');
  const pairs = new Set(mentions.map((m) => `${m.source} ${m.target}`));
  for (const i of all) assert.ok(pairs.has(`${sourceUrl(i)} ${target(i)}`), `mention ${i} stored`);
}));
