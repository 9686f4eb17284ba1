// The state under hostile conditions, through whole `send` runs (the CLI as a child process): a state that
// cannot be written stops the run before it sends anything it could not record; a write failure mid-run
// stops sending and is reported; two runs at once: the second refuses naming the holder; the lock of a
// killed run is taken over. The full and read-only disks are real tmpfs mounts (skipped where mount is not
// permitted).
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openState } from '../src/state/store.ts';
import type { NotificationRecord } from '../src/state/format.ts';
import { localWeb, runCli, startCli, until, writePosts } from './fixtures/chaos/cli.ts';

const run = promisify(execFile);

interface Listener {
  port: number;
  /** Every request: "GET host/path" or the paper id of a trackback POST. */
  requests: string[];
  posts: string[];
  delayMs: number;
  /** While set, answers wait for it to resolve. */
  gate: Promise<void> | null;
}

/** An arXiv-like trackback listener; every other request is only counted (and answered 404). */
async function listener(t: TestContext, delayMs = 0): Promise<Listener> {
  const sockets = new Set<Socket>();
  const seen: Listener = { port: 0, requests: [], posts: [], delayMs, gate: null };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = /^\/trackback\/(.+)$/.exec(req.url ?? '')?.[1];
      if (req.method !== 'POST' || id === undefined) {
        seen.requests.push(`${req.method} ${req.headers.host}${req.url}`);
        res.writeHead(404).end();
        return;
      }
      seen.requests.push(id);
      seen.posts.push(id);
      const answer = (): void => void setTimeout(() => res.writeHead(200, { 'content-type': 'text/xml' }).end('<?xml version="1.0"?><response><error>0</error></response>'), seen.delayMs);
      if (seen.gate) void seen.gate.then(answer);
      else answer();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  seen.port = (server.address() as AddressInfo).port;
  t.after(() => new Promise<void>((resolve) => {
    for (const socket of sockets) socket.destroy();
    server.close(() => resolve());
  }));
  return seen;
}

const paper = (i: number): string => `2403.${String(i).padStart(5, '0')}`;

/** A site of one post citing `papers` arXiv papers and one Webmention page (so a run would also GET). */
async function site(t: TestContext, papers: number): Promise<{ dir: string; site: string; ids: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const ids = Array.from({ length: papers }, (_, i) => paper(i));
  const links = ids.map((id) => `<a href="https://arxiv.org/abs/${id}">${id}</a>`).join(' ');
  await writePosts(join(dir, 'site'), { cites: `<p>${links} and <a href="http://page.example/notes">notes</a></p>` });
  return { dir, site: join(dir, 'site'), ids };
}

async function loadRecords(path: string): Promise<NotificationRecord[]> {
  const store = await openState(path, { readOnly: true });
  const records = [...store.notifications()];
  await store.close();
  return records;
}

const idOf = (record: NotificationRecord): string => record.target.replace('https://arxiv.org/abs/', '');

/** Mounts a tmpfs of `size` bytes at a new folder; null (with the reason) when this user may not mount. */
async function tmpfs(t: TestContext, size: number): Promise<string | null> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-tmpfs-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    t.skip(`cannot mount a tmpfs here: ${(error as Error).message.split('\n')[0]}`);
    return null;
  }
  t.after(async () => {
    await run('umount', ['-l', dir]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

test('a state path whose parent is a file: exit 3 naming the path, and not one request is made', async (t) => {
  const { dir, site: siteDir } = await site(t, 3);
  const web = await listener(t);
  await writeFile(join(dir, 'file'), 'I am a file\n');
  const state = join(dir, 'file', 'state.json');
  const ended = await runCli(['send', siteDir, '--state', state, ...localWeb(web.port)]);
  assert.equal(ended.code, 3, ended.stderr);
  assert.ok(ended.stderr.includes(state), ended.stderr);
  assert.deepEqual(web.requests, []);
  assert.equal(await readFile(join(dir, 'file'), 'utf8'), 'I am a file\n');
});

test('a read-only state folder: exit 3 naming the path, and not one request is made', async (t) => {
  const { site: siteDir } = await site(t, 3);
  const web = await listener(t);
  let folder: string;
  if (process.getuid?.() === 0) {
    // Permissions do not stop root: a read-only mount does.
    const mounted = await tmpfs(t, 64 * 1024);
    if (mounted === null) return;
    await run('mount', ['-o', 'remount,ro', mounted]);
    folder = mounted;
  } else {
    folder = await mkdtemp(join(tmpdir(), 'linkback-ro-'));
    await chmod(folder, 0o500);
    t.after(async () => {
      await chmod(folder, 0o700);
      await rm(folder, { recursive: true, force: true });
    });
  }
  const state = join(folder, 'state.json');
  const ended = await runCli(['send', siteDir, '--state', state, ...localWeb(web.port)]);
  assert.equal(ended.code, 3, ended.stderr);
  assert.ok(ended.stderr.includes(state), ended.stderr);
  assert.deepEqual(web.requests, []);
});

test('a full disk: exit 3, and nothing is sent', async (t) => {
  const { site: siteDir, ids } = await site(t, 3);
  const web = await listener(t);
  const disk = await tmpfs(t, 16 * 1024);
  if (disk === null) return;
  await writeFile(join(disk, 'filler'), Buffer.alloc(16 * 1024));
  const state = join(disk, 'state', 'state.json');
  const ended = await runCli(['send', siteDir, '--state', state, ...localWeb(web.port)]);
  assert.equal(ended.code, 3, ended.stderr);
  assert.match(ended.stderr + ended.stdout, /ENOSPC|no space/i);
  assert.deepEqual(web.posts, []);
  assert.ok(ids.length > 0);
});

test('a disk with room for the lock but not one journal line: nothing is sent, exit 3, the state still loads', async (t) => {
  const { site: siteDir } = await site(t, 3);
  const web = await listener(t);
  const disk = await tmpfs(t, 16 * 1024);
  if (disk === null) return;
  await mkdir(join(disk, 'state'));
  // One 4 KiB page left: the lock file takes it.
  await writeFile(join(disk, 'filler'), Buffer.alloc(12 * 1024));
  const state = join(disk, 'state', 'state.json');
  const ended = await runCli(['send', siteDir, '--state', state, ...localWeb(web.port)]);
  assert.equal(ended.code, 3, `${ended.stderr}\n${ended.stdout}`);
  assert.match(ended.stderr + ended.stdout, /ENOSPC|no space/i);
  assert.deepEqual(web.posts, [], 'no notification without its in-flight record');
  assert.deepEqual(await loadRecords(state), []);
  await assert.rejects(access(`${state}.lock`), 'the lock is released');
});

test('the disk fills up mid-run: sending stops, every notification that went out is in the state, the next run goes on', async (t) => {
  const { site: siteDir, ids } = await site(t, 40);
  const web = await listener(t);
  const disk = await tmpfs(t, 16 * 1024);
  if (disk === null) return;
  await mkdir(join(disk, 'state'));
  // Two pages left: one for the lock, one for the journal (a dozen or so records).
  await writeFile(join(disk, 'filler'), Buffer.alloc(8 * 1024));
  const state = join(disk, 'state', 'state.json');
  const args = ['send', siteDir, '--state', state, ...localWeb(web.port), '--concurrency', '2'];
  const ended = await runCli(args);
  assert.equal(ended.code, 3, `${ended.stderr}\n${ended.stdout}`);
  assert.match(ended.stdout + ended.stderr, /stopped: .*(ENOSPC|no space)/i);
  assert.ok(web.posts.length > 0, 'some were sent before the disk filled up');
  assert.ok(web.posts.length < ids.length, `sending stopped (${web.posts.length} of ${ids.length} sent)`);
  const records = new Map((await loadRecords(state)).map((r) => [idOf(r), r.status]));
  for (const id of web.posts) {
    assert.ok(['sent', 'in-flight', 'uncertain'].includes(records.get(id) ?? 'none'), `${id} went out and the state knows: ${records.get(id)}`);
  }

  // Room again: the next run sends the rest, and no trackback twice.
  await run('mount', ['-o', 'remount,size=4m', disk]);
  const next = await runCli(args);
  assert.ok(next.code === 0 || next.code === 1, `exit ${next.code}: ${next.stderr}\n${next.stdout}`);
  assert.equal(new Set(web.posts).size, web.posts.length, 'no trackback received twice');
  const final = await loadRecords(state);
  for (const id of ids) {
    const record = final.find((r) => idOf(r) === id);
    if (record?.status === 'sent') assert.ok(web.posts.includes(id), `${id} recorded sent was received`);
    else assert.equal(record?.status, 'uncertain', `${id} is sent or uncertain, never dropped`);
  }
});

test('two runs at once: the second refuses at once, naming the pid that holds the state; the first finishes', async (t) => {
  const { dir, site: siteDir, ids } = await site(t, 6);
  const web = await listener(t);
  let open = (): void => {};
  web.gate = new Promise((resolve) => (open = resolve)); // the first run waits on its first answer meanwhile
  const state = join(dir, 'state.json');
  const args = ['send', siteDir, '--state', state, ...localWeb(web.port), '--concurrency', '1'];
  const first = startCli(args);
  await until(() => web.posts.length >= 1);
  const second = await runCli(args);
  web.gate = null;
  open();
  assert.equal(second.code, 3, second.stderr);
  assert.match(second.stderr, new RegExp(`locked by pid ${first.child.pid}\\b`));
  const done = await first.ended;
  assert.equal(done.code, 1, done.stderr); // the Webmention page is not found: one failure
  assert.deepEqual(web.posts.slice().sort(), ids);
});

test('the lock of a run killed with SIGKILL is taken over by the next run, which sends the rest and nothing twice', async (t) => {
  const { dir, site: siteDir, ids } = await site(t, 6);
  const web = await listener(t, 300);
  const state = join(dir, 'state.json');
  const args = ['send', siteDir, '--state', state, ...localWeb(web.port), '--concurrency', '1'];
  const first = startCli(args);
  await until(() => web.posts.length >= 2);
  first.child.kill('SIGKILL');
  await first.ended;
  const lock = JSON.parse(await readFile(`${state}.lock`, 'utf8')) as { pid: number };
  assert.equal(lock.pid, first.child.pid, 'the killed run left its lock behind');
  const next = await runCli(args);
  assert.equal(next.code, 1, next.stderr);
  assert.match(next.stdout, /left in flight by an interrupted run, now marked uncertain/);
  assert.equal(new Set(web.posts).size, web.posts.length, 'no trackback received twice');
  assert.deepEqual([...new Set(web.posts)].sort(), ids);
  assert.ok(!(await readdir(join(state, '..'))).some((name) => name.includes('.lock')), 'the lock is gone after the run');
});
