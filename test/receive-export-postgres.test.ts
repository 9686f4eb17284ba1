// `linkback mentions export --database postgres://…`: the CLI reads the approved mentions from a Postgres database
// (the one `serve --database` writes), as it reads the SQLite file with --db. A real Postgres (test/postgres-fixture.ts).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgresStore } from '../src/receive/store/postgres.ts';
import { feedFromStore } from '../src/receive/publish/export.ts';
import { POSTGRES_MISSING, postgresBin, startPostgres } from './postgres-fixture.ts';
import type { PostgresServer } from './postgres-fixture.ts';
import { root } from './receive-helpers.ts';

const BLOG = 'https://blog.example.org';
const NOTES = 'https://notes.example.org';

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('LINKBACK_')) delete env[name];
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', import.meta.resolve('tsx'), join(root, 'src/cli/bin.ts'), ...args], { cwd, env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stdout, stderr });
    });
  });
}

const bin = postgresBin();
describe('mentions export on Postgres', { skip: bin ? false : POSTGRES_MISSING }, () => {
  let server: PostgresServer | undefined;
  after(() => server?.stop());

  test('mentions export --database postgres://… writes the approved mentions, as from the store; --domain picks a site', { timeout: 300_000 }, async (t) => {
    server = await startPostgres(bin!);
    const url = await server.createDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'linkback-pg-export-'));
    t.after(() => rm(dir, { recursive: true, force: true }));

    // What serve would have stored: verified mentions on two sites, one approved per site, one pending.
    const store = await openPostgresStore({ url, maxAttempts: 5 });
    t.after(() => store.close());
    for (const site of [BLOG, NOTES]) await store.ensureSite(site);
    const verified = async (site: string, source: string, approve: boolean) => {
      const now = new Date();
      await store.enqueue({ site, protocol: 'webmention', source, target: `${site}/post/`, clientAddress: '127.0.0.1', receivedAt: now.toISOString() });
      const job = await store.claim('test', now, 60_000);
      assert.ok(job);
      const mention = await store.complete(job.id, { ok: true, property: 'in-reply-to', name: `A reply from ${source}` }, now);
      assert.ok(mention);
      if (approve) await store.setStatus(mention.id, 'approved', now);
    };
    await verified(BLOG, 'https://a.example/1', true);
    await verified(BLOG, 'https://b.example/2', false);
    await verified(NOTES, 'https://c.example/3', true);

    const all = await cli(['mentions', 'export', '--database', url, '--out', join(dir, 'all.json')], dir);
    assert.equal(all.code, 0, all.stderr);
    assert.equal(all.stderr, `linkback: 2 mentions written to ${join(dir, 'all.json')}\n`);
    assert.deepEqual(JSON.parse(await readFile(join(dir, 'all.json'), 'utf8')), await feedFromStore(store));

    const one = await cli(['mentions', 'export', '--database', url, '--domain', 'blog.example.org', '--out', join(dir, 'blog.json'), '--json'], dir);
    assert.equal(one.code, 0, one.stderr);
    const feed = JSON.parse(await readFile(join(dir, 'blog.json'), 'utf8')) as { children: { 'wm-source': string; 'wm-property': string }[] };
    assert.deepEqual(feed.children.map((c) => [c['wm-source'], c['wm-property']]), [['https://a.example/1', 'in-reply-to']]);

    // A database that is not there: exit 3, naming it without its password.
    const wrong = await cli(['mentions', 'export', '--database', url.replace(/\/[^/?]+(\?|$)/, '/nosuchdb$1').replace('postgres://', 'postgres://postgres:hunter2@'), '--out', join(dir, 'x.json')], dir);
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.match(wrong.stderr, /cannot connect to the mentions database .*nosuchdb/);
    assert.doesNotMatch(wrong.stderr, /hunter2/);
  });
});
