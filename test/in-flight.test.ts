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
import { openState } from '../src/state/store.ts';
import { localWeb, runCli, startCli, until, writePosts } from './fixtures/chaos/cli.ts';

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
    const papers = Array.from({ length: 60 }, (_, i) => `2401.${String(i).padStart(5, '0')}`);
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
      // Not arXiv's 3 s between requests (60 papers would take 3 minutes), and no live check (no post is served):
      // what is measured is the in-flight bound.
      hosts: { 'arxiv.org': { interval: 0 } }, checkLive: false,
    });
    assert.equal(report.summary.sent, papers.length);
    assert.equal(seen.length, papers.length);
    assert.ok(Math.max(...seen) <= perHost, `in flight for arxiv.org when a request arrived: ${seen.join(' ')}`);
  });
}

test('SIGKILL with a webmention, a pingback and a trackback on the wire: the next run sends the webmention and the pingback again, the trackback stays uncertain', { timeout: 120_000 }, async (t) => {
  const dir = await folder(t);
  const state = join(dir, 'state.json');
  await writePosts(join(dir, 'site'), {
    one: '<p><a href="http://wm.example/a">a</a> <a href="http://pb.example/a">b</a> <a href="https://arxiv.org/abs/2401.00001">c</a></p>',
  });
  const arrived: string[] = [];
  let hold = true;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '');
      if (req.method === 'GET' && host === 'wm.example') return void res.writeHead(200, { 'content-type': 'text/html', link: '<http://wm.example/webmention>; rel="webmention"' }).end('<p>wm</p>');
      if (req.method === 'GET' && host === 'pb.example') return void res.writeHead(200, { 'content-type': 'text/html', 'x-pingback': 'http://pb.example/xmlrpc' }).end('<p>pb</p>');
      if (req.method !== 'POST') return void res.writeHead(404).end();
      const protocol = host === 'wm.example' ? 'webmention' : host === 'pb.example' ? 'pingback' : 'trackback';
      const again = arrived.includes(protocol);
      arrived.push(protocol);
      const answer = (): void => {
        if (protocol === 'webmention') res.writeHead(202, { 'content-type': 'text/plain' }).end('Accepted');
        else if (protocol === 'trackback') res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0"?><response><error>0</error></response>');
        else res.writeHead(200, { 'content-type': 'text/xml' }).end(again
          ? '<?xml version="1.0"?><methodResponse><fault><value><struct><member><name>faultCode</name><value><int>48</int></value></member><member><name>faultString</name><value><string>already registered</string></value></member></struct></value></fault></methodResponse>'
          : '<?xml version="1.0"?><methodResponse><params><param><value><string>registered</string></value></param></params></methodResponse>');
      };
      if (hold) held.push(answer);
      else answer();
    });
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
  const args = ['send', join(dir, 'site'), '--state', state, ...localWeb((server.address() as AddressInfo).port), '--json'];

  // All three are on the wire, none answered: the run is killed.
  const first = startCli(args);
  await until(() => arrived.length === 3);
  first.child.kill('SIGKILL');
  await first.ended;
  hold = false;
  for (const answer of held) answer();

  const next = await runCli(args);
  assert.equal(next.code, 0, next.stderr);
  assert.deepEqual(arrived.slice(3).sort(), ['pingback', 'webmention'], 'sent again: the two a repeat cannot hurt, not the trackback');
  const summary = (JSON.parse(next.stdout) as { summary: { recoveredUncertain: number; recoveredResend: number; sent: number } }).summary;
  assert.deepEqual([summary.recoveredUncertain, summary.recoveredResend, summary.sent], [1, 2, 2]);
  const store = await openState(state, { readOnly: true });
  const statuses = Object.fromEntries([...store.notifications()].map((r) => [r.protocol, `${r.status} ${r.code}`]));
  await store.close();
  assert.deepEqual(statuses, { webmention: 'sent ok', pingback: 'sent already-registered', trackback: 'uncertain uncertain' });

  // And a third run sends nothing: the trackback waits for --retry-uncertain.
  const third = await runCli(args);
  assert.equal(third.code, 0, third.stderr);
  assert.equal(arrived.length, 5);
});
