// A process killed mid-run (SIGKILL, no chance to clean up) and started again sends nothing twice, and
// whatever it never delivered is either sent by a later run or marked uncertain in the state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openState } from '../src/state/store.ts';
import { compiled } from './compiled.ts';


/** A site of `posts` posts, each citing `papers` arXiv papers (trackback: the protocol a repeat would hurt). */
async function writeSite(dir: string, posts: number, papers: number): Promise<void> {
  for (let p = 0; p < posts; p++) {
    const links = Array.from({ length: papers }, (_, i) => `<a href="https://arxiv.org/abs/2401.${String(p * papers + i).padStart(5, '0')}">paper ${i}</a>`).join(' ');
    await mkdir(join(dir, `post-${p}`), { recursive: true });
    await writeFile(join(dir, `post-${p}`, 'index.html'), `<!doctype html><html><head><title>Post ${p}</title>
<link rel="canonical" href="https://blog.example.org/post-${p}/"></head><body>
<article class="h-entry"><h1 class="p-name">Post ${p}</h1><time class="dt-published" datetime="2026-01-0${(p % 9) + 1}">Jan</time>
<div class="e-content"><p>Cites ${links}.</p></div></article></body></html>`);
  }
}

test('SIGKILL at random moments, then restart: no notification is received twice', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-kill-'));
  const site = join(dir, 'site');
  const state = join(dir, 'state.json');
  await writeSite(site, 10, 6);
  const received = new Map<string, number>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const key = `${new URLSearchParams(body).get('url')} ${req.url}`;
      received.set(key, (received.get(key) ?? 0) + 1);
      // Slow answers, so that kills land while requests are in flight.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<?xml version="1.0"?><response><error>0</error></response>');
      }, 80);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  t.after(async () => {
    server.closeAllConnections();
    server.close();
    await rm(dir, { recursive: true, force: true });
  });
  // Up to 13 runs, most of them killed: the CLI compiled, not through tsx (test/compiled.ts).
  const args = [(await compiled()).bin, 'send', site, '--state', state, '--allow-private', '--connect-to', `*=127.0.0.1:${port}`, '--arxiv-endpoint', 'http://arxiv.org/trackback/{id}', '--concurrency', '4', '--per-host', '2', '--retries', '0',
    // The server here is a trackback listener only: our posts are served by nobody (the live check: test/live.test.ts).
    '--no-check-live'];

  let finished = false;
  let kills = 0;
  for (let round = 0; round < 12 && !finished; round++) {
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Kill once the run has made some progress (or at a random early moment).
    const target = received.size + 1 + Math.floor(Math.random() * 6);
    const killer = setInterval(() => {
      if (received.size >= target) {
        child.kill('SIGKILL');
        kills++;
        clearInterval(killer);
      }
    }, 5);
    const code = await exited;
    clearInterval(killer);
    if (code === 0 || code === 1) finished = true;
  }
  assert.ok(kills >= 3, `killed ${kills} times`);
  // A final, uninterrupted run to finish whatever is left.
  const last = spawn(process.execPath, args, { stdio: 'ignore' });
  await new Promise((resolve) => last.on('exit', resolve));

  for (const [key, count] of received) assert.equal(count, 1, `received twice: ${key}`);

  const store = await openState(state, { readOnly: true });
  const records = [...store.notifications()];
  await store.close();
  assert.equal(records.length, 60);
  for (const record of records) {
    const key = `${record.source} ${new URL(record.endpoint ?? '').pathname}`;
    if (record.status === 'sent') assert.equal(received.get(key), 1, key);
    else assert.equal(record.status, 'uncertain', `${key}: ${record.status}`); // never silently dropped
  }
  const uncertain = records.filter((r) => r.status === 'uncertain').length;
  t.diagnostic(`${kills} kills, ${received.size} notifications received, ${uncertain} marked uncertain, 0 duplicates`);
  // Every paper is on one host (arxiv.org): each kill leaves at most --per-host (2) in flight, answered or not.
  assert.ok(uncertain <= kills * 2, `at most the per-host limit (2) per kill is uncertain: ${uncertain} after ${kills} kills`);
});
