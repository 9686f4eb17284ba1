// After a kill, what stays uncertain is only what a server may have received: at most `perHost` requests per
// host, and only trackbacks (a Webmention or Pingback repeat is harmless by its protocol: the next run sends it).
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { send } from '../src/linkback.ts';
import { writePosts } from './fixtures/chaos/cli.ts';

/** What a kill at this instant would leave: per host, the pairs whose last durable journal line says in flight. */
function inFlightByHost(journal: string): Map<string, number> {
  let text = '';
  try {
    text = readFileSync(journal, 'utf8');
  } catch {
    return new Map();
  }
  const last = new Map<string, { status: string; endpoint: string | null }>();
  for (const line of text.split('\n').slice(0, -1)) { // a line without its newline is not durable yet
    const entry = JSON.parse(line) as { notification?: { source: string; target: string; status: string; endpoint: string | null } };
    if (entry.notification) last.set(`${entry.notification.source} ${entry.notification.target}`, entry.notification);
  }
  const hosts = new Map<string, number>();
  for (const record of last.values()) {
    if (record.status !== 'in-flight' || record.endpoint === null) continue;
    const host = new URL(record.endpoint).host;
    hosts.set(host, (hosts.get(host) ?? 0) + 1);
  }
  return hosts;
}

async function folder(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-inflight-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

for (const perHost of [1, 2]) {
  test(`at every moment a request arrives, at most perHost (${perHost}) trackbacks to its host are in flight in the state`, { timeout: 120_000 }, async (t) => {
    const dir = await folder(t);
    const state = join(dir, 'state.json');
    const papers = Array.from({ length: 40 }, (_, i) => `2401.${String(i).padStart(5, '0')}`);
    await writePosts(join(dir, 'site'), { one: `<p>${papers.map((id) => `<a href="https://arxiv.org/abs/${id}">${id}</a>`).join(' ')}</p>` });
    const seen: number[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((req, res) => {
      // Read the journal the moment the request is here: what a SIGKILL now would leave in flight.
      seen.push(inFlightByHost(`${state}.journal`).get('arxiv.org') ?? 0);
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0"?><response><error>0</error></response>'));
    });
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }));
    const port = (server.address() as AddressInfo).port;
    const report = await send({
      site: join(dir, 'site'), state, allowPrivate: true, connectTo: { '*': `127.0.0.1:${port}` },
      arxivEndpoint: 'http://arxiv.org/trackback/{id}', concurrency: 8, perHost, retries: 0,
    });
    assert.equal(report.summary.sent, papers.length);
    assert.equal(seen.length, papers.length);
    assert.ok(Math.max(...seen) <= perHost, `in flight for arxiv.org when a request arrived: ${seen.join(' ')}`);
  });
}
