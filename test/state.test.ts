import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isLinkbackError } from '../src/errors.ts';
import type { ErrorCode, LinkbackError } from '../src/errors.ts';
import { openState } from '../src/state/store.ts';
import { decide } from '../src/state/plan.ts';
import { readStatus } from '../src/state/status.ts';
import { parseJournal, parseSnapshot, serializeJournalEntry, serializeSnapshot } from '../src/state/format.ts';
import type { NotificationRecord, PostRecord } from '../src/state/format.ts';

const VERSION_0 = fileURLToPath(new URL('./fixtures/state/version-0.json', import.meta.url));

async function statePathIn(t: { after: (fn: () => Promise<void>) => void }, ...sub: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-state-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, ...sub, 'state.json');
}

function notification(n: number | string, overrides: Partial<NotificationRecord> = {}): NotificationRecord {
  return {
    source: `https://blog.example/posts/${n}/`,
    target: `https://other.example/${n}`,
    protocol: 'webmention',
    endpoint: 'https://other.example/webmention',
    status: 'sent',
    code: 'ok',
    message: 'accepted',
    at: '2024-01-02T03:04:05.000Z',
    attempts: 1,
    retryable: false,
    ...overrides,
  };
}

function post(n: number | string, overrides: Partial<PostRecord> = {}): PostRecord {
  return {
    url: `https://blog.example/posts/${n}/`,
    file: `posts/${n}/index.html`,
    hash: 'ab'.repeat(32),
    targets: [`https://other.example/${n}`],
    seen: '2024-01-02T03:04:05.000Z',
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>, code: ErrorCode): Promise<LinkbackError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  assert.ok(isLinkbackError(error, code), `expected ${code}, got ${String(error)}`);
  return error;
}

/** What a crash leaves: the snapshot and the journal of a store that was never closed (not its live lock). */
async function crashImage(from: string, to: string): Promise<void> {
  await mkdir(dirname(to), { recursive: true });
  for (const suffix of ['', '.journal']) {
    if (existsSync(from + suffix)) await copyFile(from + suffix, to + suffix);
  }
}

const line = (entry: object): string => `${JSON.stringify(entry)}\n`;

// ---- writing and reading back -----------------------------------------------------------------------------

test('round trip: a reopened store returns what was put', async (t) => {
  const path = await statePathIn(t, '.linkback');
  const records = [
    notification(1),
    notification(2, { status: 'failed', code: 'rejected', message: 'HTTP 400: "bad source"\nsecond line', httpStatus: 400, retryable: true, attempts: 3 }),
    notification(3, { protocol: null, endpoint: null, status: 'no-endpoint', code: 'no-endpoint', attempts: 0 }),
    notification(4, { httpStatus: 201, location: 'https://other.example/status/9' }),
  ];
  const posts = [post(1), post(2, { targets: [] })];
  const store = await openState(path);
  for (const record of records) await store.put(record);
  for (const p of posts) await store.putPost(p);
  await store.close();

  const again = await openState(path);
  for (const record of records) assert.deepEqual(again.get(record.source, record.target), record);
  for (const p of posts) assert.deepEqual(again.getPost(p.url), p);
  assert.equal([...again.notifications()].length, records.length);
  assert.equal([...again.posts()].length, posts.length);
  assert.equal(again.get('https://blog.example/posts/1/', 'https://other.example/2'), undefined);
  assert.deepEqual(again.recovered, []);
  await again.close();
});

test('the journal of a run that never closed is replayed; the last write for a key wins', async (t) => {
  const path = await statePathIn(t, 'a');
  const store = await openState(path);
  await store.put(notification(1, { status: 'in-flight', code: 'uncertain', message: 'sending' }));
  await store.put(notification(2));
  await store.put(notification(1, { attempts: 2, message: 'accepted at last' }));
  await store.putPost(post(1));
  const crashed = join(dirname(path), '..', 'b', 'state.json');
  await crashImage(path, crashed);
  await store.close();

  const replayed = await openState(crashed);
  assert.deepEqual(replayed.get(notification(1).source, notification(1).target), notification(1, { attempts: 2, message: 'accepted at last' }));
  assert.deepEqual(replayed.get(notification(2).source, notification(2).target), notification(2));
  assert.deepEqual(replayed.getPost(post(1).url), post(1));
  assert.deepEqual(replayed.recovered, []);
  await replayed.close();
});

test('a journal already folded into the snapshot replays to the same state (crash between rename and truncate)', async (t) => {
  const path = await statePathIn(t);
  const store = await openState(path);
  await store.put(notification(1, { status: 'in-flight', code: 'uncertain' }));
  await store.put(notification(1));
  await store.put(notification(2, { status: 'failed', code: 'server-error', retryable: true }));
  const journal = await readFile(`${path}.journal`);
  await store.close();
  const snapshot = await readFile(path);
  await writeFile(`${path}.journal`, journal);

  const again = await openState(path);
  assert.deepEqual([...again.notifications()].sort((a, b) => a.source.localeCompare(b.source)), [
    notification(1), notification(2, { status: 'failed', code: 'server-error', retryable: true }),
  ]);
  await again.close();
  assert.deepEqual(await readFile(path), snapshot);
});

test('past its threshold the journal is folded into the snapshot while putting, and nothing is lost', async (t) => {
  const path = await statePathIn(t);
  const store = await openState(path);
  const count = 1200;
  for (let start = 0; start < count; start += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.put(notification(start + i))));
  }
  const journalLines = (await readFile(`${path}.journal`, 'utf8')).split('\n').length - 1;
  assert.ok(journalLines < count, `journal still holds ${journalLines} lines: it was never compacted`);
  const snapshot = JSON.parse(await readFile(path, 'utf8')) as { notifications: unknown[] };
  assert.equal(snapshot.notifications.length + journalLines, count);
  await store.close();

  const again = await openState(path, { readOnly: true });
  assert.equal([...again.notifications()].length, count);
  for (let i = 0; i < count; i++) assert.ok(again.get(notification(i).source, notification(i).target), `record ${i} lost`);
});

test('concurrent puts all land', async (t) => {
  const path = await statePathIn(t);
  const store = await openState(path);
  await Promise.all(Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? store.putPost(post(i)) : store.put(notification(i)))));
  await store.close();
  const again = await openState(path, { readOnly: true });
  assert.equal([...again.notifications()].length, 200);
  assert.equal([...again.posts()].length, 100);
});

test('the snapshot is sorted, one record per line, and the same content gives the same bytes', async (t) => {
  const records = [notification('b'), notification('a', { target: 'https://z.example/' }), notification('a'), notification('c')];
  const posts = [post('y'), post('x')];
  const write = async (order: 'forward' | 'backward'): Promise<string> => {
    const path = await statePathIn(t);
    const store = await openState(path);
    const list = order === 'forward' ? records : [...records].reverse().map((r) => Object.fromEntries(Object.entries(r).reverse()) as unknown as NotificationRecord);
    for (const record of list) await store.put(record);
    for (const p of order === 'forward' ? posts : [...posts].reverse()) await store.putPost(p);
    await store.close();
    return readFile(path, 'utf8');
  };
  const forward = await write('forward');
  assert.equal(await write('backward'), forward);

  const lines = forward.split('\n');
  const parsed = lines.map((text) => text.trim().replace(/,$/, '')).filter((text) => text.startsWith('{"'));
  const sources = parsed.map((text) => JSON.parse(text) as Record<string, string>);
  assert.deepEqual(sources.slice(0, 2).map((p) => p.url), [post('x').url, post('y').url]);
  assert.deepEqual(sources.slice(2).map((r) => `${r.source} ${r.target}`), [
    `${notification('a').source} ${notification('a').target}`,
    `${notification('a').source} https://z.example/`,
    `${notification('b').source} ${notification('b').target}`,
    `${notification('c').source} ${notification('c').target}`,
  ]);
  const doc = JSON.parse(forward) as Record<string, unknown>;
  assert.equal(doc.format, 'linkback-state');
  assert.equal(doc.version, 1);
  assert.ok(forward.endsWith('}\n'));

  // Opening and closing without changes rewrites nothing.
  const path = await statePathIn(t);
  await writeFile(path, forward);
  const store = await openState(path);
  await store.close();
  assert.equal(await readFile(path, 'utf8'), forward);
});

test('property: any valid records survive the snapshot and the journal unchanged', () => {
  const text = fc.string({ unit: 'binary', maxLength: 40 });
  const url = text.map((s) => `https://x.example/${s}`);
  const record = fc.record({
    source: url, target: url,
    protocol: fc.constantFrom('webmention', 'pingback', 'trackback', null),
    endpoint: fc.option(url, { nil: null }),
    status: fc.constantFrom('in-flight', 'sent', 'failed', 'uncertain', 'no-endpoint'),
    code: fc.constantFrom('ok', 'rejected', 'uncertain', 'no-endpoint'),
    message: text,
    at: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
    attempts: fc.nat(1000),
    retryable: fc.boolean(),
    httpStatus: fc.integer({ min: 100, max: 599 }),
    location: url,
  }, { requiredKeys: ['source', 'target', 'protocol', 'endpoint', 'status', 'code', 'message', 'at', 'attempts', 'retryable'] })
    .map((r) => ({ ...r }) as NotificationRecord); // a plain object, as callers make them
  fc.assert(fc.property(fc.uniqueArray(record, { selector: (r) => `${r.source}\n${r.target}`, maxLength: 8 }), (records) => {
    const snapshot = serializeSnapshot({ posts: [], notifications: records });
    const parsed = parseSnapshot(snapshot, 'state.json');
    const key = (r: NotificationRecord): string => `${r.source}\n${r.target}`;
    assert.deepEqual(new Map(parsed.notifications.map((r) => [key(r), r])), new Map(records.map((r) => [key(r), r])));
    assert.equal(snapshot.split('\n').length, records.length + (records.length === 0 ? 7 : 8));
    const journal = records.map((r) => serializeJournalEntry({ notification: r })).join('');
    assert.deepEqual(parseJournal(Buffer.from(journal), 'j').entries, records.map((r) => ({ notification: r })));
  }));
});

test('records are copies: changing an object after put() changes nothing, and what get() returns is frozen', async (t) => {
  const path = await statePathIn(t);
  const store = await openState(path);
  const record = notification(1);
  await store.put(record);
  record.status = 'failed';
  const stored = store.get(record.source, record.target);
  assert.equal(stored?.status, 'sent');
  assert.throws(() => {
    (stored as NotificationRecord).status = 'failed';
  }, TypeError);
  await store.close();
});

// ---- crashes and corruption -------------------------------------------------------------------------------

test('a torn last journal line (a kill mid-append) is ignored, and cut before the next append', async (t) => {
  const path = await statePathIn(t);
  await writeFile(`${path}.journal`, line({ notification: notification(1) }) + line({ notification: notification(2) }) + '{"notification":{"source":"https://blog.ex');
  const store = await openState(path);
  assert.equal([...store.notifications()].length, 2);
  await store.put(notification(3));
  // Not closed: the next open replays what this one appended after the cut.
  const crashed = join(dirname(path), 'after', 'state.json');
  await crashImage(path, crashed);
  await store.close();
  const again = await openState(crashed, { readOnly: true });
  assert.deepEqual([...again.notifications()].map((r) => r.source).sort(), [1, 2, 3].map((n) => notification(n).source));
});

test('a last journal line without its newline was never acknowledged: it is ignored even if it parses', async (t) => {
  const path = await statePathIn(t);
  await writeFile(`${path}.journal`, line({ notification: notification(1) }) + JSON.stringify({ notification: notification(2) }));
  const store = await openState(path, { readOnly: true });
  assert.deepEqual([...store.notifications()], [notification(1)]);
});

test('an unparsable journal line in the middle: STATE_CORRUPT naming file and line, and the files are left as they are', async (t) => {
  const path = await statePathIn(t);
  const journal = line({ notification: notification(1) }) + '{"notification": garbage\n' + line({ notification: notification(2) });
  await writeFile(`${path}.journal`, journal);
  for (const options of [{}, { readOnly: true }]) {
    const error = await rejection(openState(path, options), 'STATE_CORRUPT');
    assert.ok(error.message.includes(`${path}.journal line 2:`), error.message);
    assert.match(error.message, /not valid JSON/);
  }
  assert.equal(await readFile(`${path}.journal`, 'utf8'), journal);
  assert.deepEqual(await readdir(dirname(path)), ['state.json.journal']); // no lock left behind, no snapshot written
});

test('an unparsable last line that does end in a newline is corruption, not a torn append', async (t) => {
  const path = await statePathIn(t);
  await writeFile(`${path}.journal`, line({ notification: notification(1) }) + 'garbage\n');
  const error = await rejection(openState(path), 'STATE_CORRUPT');
  assert.ok(error.message.includes(`${path}.journal line 2:`), error.message);
});

async function writtenSnapshot(t: Parameters<typeof statePathIn>[0]): Promise<{ path: string; text: string }> {
  const path = await statePathIn(t);
  const store = await openState(path);
  for (const n of [1, 2, 3]) await store.put(notification(n));
  await store.close();
  return { path, text: await readFile(path, 'utf8') };
}

test('an unparsable snapshot: STATE_CORRUPT naming the file and the line; the file is left as it is', async (t) => {
  const { path, text } = await writtenSnapshot(t);
  const lines = text.split('\n');
  const bad = lines.findIndex((l) => l.includes(notification(2).source));
  lines[bad] = (lines[bad] ?? '').slice(0, 40) + ',';
  const broken = lines.join('\n');
  await writeFile(path, broken);
  for (const options of [{}, { readOnly: true }]) {
    const error = await rejection(openState(path, options), 'STATE_CORRUPT');
    assert.ok(error.message.startsWith(`${path} line ${bad + 1}: not valid JSON`), error.message);
  }
  assert.equal(await readFile(path, 'utf8'), broken);
  assert.deepEqual(await readdir(dirname(path)), ['state.json']);
});

test('a snapshot with merge conflict markers: STATE_CORRUPT pointing at the marker', async (t) => {
  const { path, text } = await writtenSnapshot(t);
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes(notification(2).source));
  lines.splice(at, 0, '<<<<<<< HEAD');
  lines.splice(at + 2, 0, '=======', lines[at + 1] ?? '', '>>>>>>> theirs');
  await writeFile(path, lines.join('\n'));
  const error = await rejection(openState(path), 'STATE_CORRUPT');
  assert.ok(error.message.startsWith(`${path} line ${at + 1}:`), error.message);
});

test('an empty or non-object snapshot is STATE_CORRUPT', async (t) => {
  const path = await statePathIn(t);
  for (const text of ['', '[]', '"linkback"', '{"format":"something-else","version":1}']) {
    await writeFile(path, text);
    const error = await rejection(openState(path, { readOnly: true }), 'STATE_CORRUPT');
    assert.ok(error.message.startsWith(path), error.message);
  }
});

test('a snapshot record failing validation: STATE_CORRUPT naming the file, the line and the field', async (t) => {
  const { path, text } = await writtenSnapshot(t);
  const lines = text.split('\n');
  const bad = lines.findIndex((l) => l.includes(notification(3).source));
  lines[bad] = (lines[bad] ?? '').replace('"status":"sent"', '"status":"delivered"');
  await writeFile(path, lines.join('\n'));
  const error = await rejection(openState(path), 'STATE_CORRUPT');
  assert.ok(error.message.startsWith(`${path} line ${bad + 1}: notifications[2]: status:`), error.message);
  assert.equal(await readFile(path, 'utf8'), lines.join('\n'));
});

test('journal records failing validation: STATE_CORRUPT naming the line and the field', async (t) => {
  const path = await statePathIn(t);
  const cases: Array<[object, RegExp]> = [
    [{ notification: { ...notification(1), attempts: -1 } }, /attempts/],
    [{ notification: { ...notification(1), colour: 'red' } }, /colour/],
    [{ post: { ...post(1), hash: 'xyz' } }, /hash/],
    [{ something: 1 }, /expected \{"notification": \.\.\.\}, \{"post": \.\.\.\} or \{"extra": \.\.\.\}/],
  ];
  for (const [entry, field] of cases) {
    await writeFile(`${path}.journal`, line({ post: post(9) }) + line(entry));
    const error = await rejection(openState(path, { readOnly: true }), 'STATE_CORRUPT');
    assert.ok(error.message.startsWith(`${path}.journal line 2: `), error.message);
    assert.match(error.message, field);
  }
});

test('two records for the same pair in a snapshot are STATE_CORRUPT', async (t) => {
  const { path, text } = await writtenSnapshot(t);
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes(notification(1).source));
  lines.splice(at + 1, 0, lines[at] ?? '');
  await writeFile(path, lines.join('\n'));
  const error = await rejection(openState(path), 'STATE_CORRUPT');
  assert.ok(error.message.startsWith(`${path} line ${at + 2}: notifications[1]: a second record`), error.message);
});

test('a snapshot written by a newer linkback is refused with STATE_VERSION', async (t) => {
  const path = await statePathIn(t);
  const text = '{"format":"linkback-state","version":2,"posts":[],"notifications":[],"tags":{}}\n';
  await writeFile(path, text);
  const error = await rejection(openState(path), 'STATE_VERSION');
  assert.match(error.message, /newer linkback/);
  assert.match(error.message, /version 2/);
  assert.ok(error.message.includes(path));
  assert.equal(await readFile(path, 'utf8'), text);
  assert.deepEqual(await readdir(dirname(path)), ['state.json']);
});

test('a version 0 state is migrated, after a backup of the original file', async (t) => {
  const path = await statePathIn(t);
  await copyFile(VERSION_0, path);
  const original = await readFile(VERSION_0, 'utf8');
  const old = JSON.parse(original) as Record<string, { status: string; at: string; endpoint?: string; message?: string }>;

  const readOnly = await openState(path, { readOnly: true });
  assert.equal([...readOnly.notifications()].length, Object.keys(old).length);
  assert.deepEqual(await readdir(dirname(path)), ['state.json'], 'a read-only open writes nothing');

  const store = await openState(path);
  assert.equal(await readFile(`${path}.bak-v0`, 'utf8'), original);
  const upgraded = JSON.parse(await readFile(path, 'utf8')) as { format: string; version: number; notifications: NotificationRecord[] };
  assert.equal(upgraded.format, 'linkback-state');
  assert.equal(upgraded.version, 1);
  assert.equal(upgraded.notifications.length, Object.keys(old).length);
  for (const [key, value] of Object.entries(old)) {
    const [source = '', target = ''] = key.split(' ');
    const record = store.get(source, target);
    assert.ok(record, key);
    assert.equal(record.status, value.status);
    assert.equal(record.at, value.at);
    assert.equal(record.endpoint, value.endpoint ?? null);
    assert.equal(record.retryable, false);
    if (value.message) assert.equal(record.message, value.message);
  }
  const sent = store.get('https://blog.example/2019/hello/', 'https://other.example/post');
  assert.equal(sent?.code, 'ok');
  assert.equal(sent?.protocol, 'webmention');
  await store.put(notification(1));
  await store.close();

  const again = await openState(path, { readOnly: true });
  assert.equal([...again.notifications()].length, Object.keys(old).length + 1);
  assert.equal(await readFile(`${path}.bak-v0`, 'utf8'), original, 'the backup is written once and kept');
});

test('a version 0 state that cannot be read is STATE_CORRUPT, and no backup is written', async (t) => {
  const path = await statePathIn(t);
  const text = '{"https://blog.example/no-target": {"status": "sent", "at": "2019-01-01T00:00:00Z"}}';
  await writeFile(path, text);
  const error = await rejection(openState(path), 'STATE_CORRUPT');
  assert.ok(error.message.startsWith(`${path}: state version 0: key "https://blog.example/no-target"`), error.message);
  assert.deepEqual(await readdir(dirname(path)), ['state.json']);
  assert.equal(await readFile(path, 'utf8'), text);
});

test('records left in-flight by a run that died: a trackback becomes uncertain, a webmention or pingback retryable; listed in recovered, and persisted', async (t) => {
  const path = await statePathIn(t, 'run');
  const store = await openState(path);
  const trackback = notification(1, { protocol: 'trackback', endpoint: 'https://other.example/tb/1', status: 'in-flight', code: 'uncertain', message: 'sending', attempts: 2 });
  const webmention = notification(3, { status: 'in-flight', code: 'uncertain', message: 'sending' });
  const pingback = notification(4, { protocol: 'pingback', endpoint: 'https://other.example/xmlrpc', status: 'in-flight', code: 'uncertain', message: 'sending' });
  for (const record of [trackback, webmention, pingback]) await store.put(record);
  await store.put(notification(2));
  const crashed = join(dirname(path), '..', 'crashed', 'state.json');
  await crashImage(path, crashed);
  await store.close();

  const now = new Date('2025-06-07T08:09:10.000Z');
  const reopened = await openState(crashed, { now: () => now });
  assert.equal(reopened.recovered.length, 3);
  const recovered = (record: NotificationRecord) => reopened.recovered.find((r) => r.source === record.source);
  // The trackback may have been listed: uncertain, never sent again by itself.
  assert.equal(recovered(trackback)?.status, 'uncertain');
  assert.equal(recovered(trackback)?.code, 'uncertain');
  assert.equal(recovered(trackback)?.retryable, false);
  assert.equal(recovered(trackback)?.attempts, 2);
  assert.equal(recovered(trackback)?.at, now.toISOString());
  assert.deepEqual(reopened.get(trackback.source, trackback.target), recovered(trackback));
  // A webmention or pingback repeat is harmless: the next run sends it, as after a live no-answer.
  for (const record of [webmention, pingback]) {
    assert.equal(recovered(record)?.status, 'failed', record.protocol ?? '');
    assert.equal(recovered(record)?.retryable, true, record.protocol ?? '');
    assert.equal(recovered(record)?.at, now.toISOString());
    assert.equal(decide(reopened.get(record.source, record.target), { retryFailed: false, retryUncertain: false, now: now.getTime() }).action, 'send');
  }
  assert.equal(decide(reopened.get(trackback.source, trackback.target), { retryFailed: false, retryUncertain: false, now: now.getTime() }).action, 'skip');
  assert.equal(reopened.get(notification(2).source, notification(2).target)?.status, 'sent');

  // Persisted at open, before any close: another reader already sees it.
  const reader = await openState(crashed, { readOnly: true });
  assert.equal(reader.get(trackback.source, trackback.target)?.status, 'uncertain');
  assert.equal(reader.get(webmention.source, webmention.target)?.status, 'failed');
  await reopened.close();
  const later = await openState(crashed);
  assert.deepEqual(later.recovered, []);
  await later.close();
});

test('decide: a record still in flight (read without recovery) is planned as its recovery would be', () => {
  const flags = { retryFailed: false, retryUncertain: false, now: Date.now() };
  const inFlight = (protocol: NotificationRecord['protocol']) => notification(1, { protocol, status: 'in-flight', code: 'uncertain' });
  assert.equal(decide(inFlight('webmention'), flags).action, 'send');
  assert.equal(decide(inFlight('pingback'), flags).action, 'send');
  assert.equal(decide(inFlight('trackback'), flags).action, 'skip');
  assert.equal(decide(inFlight('trackback'), { ...flags, retryUncertain: true }).action, 'send');
  // An uncertain record stays uncertain whatever its protocol: only what a kill left in flight is re-read.
  assert.equal(decide(notification(1, { status: 'uncertain', code: 'uncertain' }), flags).action, 'skip');
});

// ---- read-only, locking, writability ----------------------------------------------------------------------

test('read-only: a missing state is empty, nothing is created, and writes are refused', async (t) => {
  const path = await statePathIn(t, 'missing', 'folder');
  const store = await openState(path, { readOnly: true });
  assert.deepEqual([...store.notifications()], []);
  assert.deepEqual([...store.posts()], []);
  assert.deepEqual(store.recovered, []);
  await rejection(store.put(notification(1)), 'STATE_UNWRITABLE');
  await rejection(store.putPost(post(1)), 'STATE_UNWRITABLE');
  await store.close();
  assert.equal(existsSync(dirname(path)), false);
});

test('read-only: takes no lock and leaves in-flight records as they are (their run may be alive)', async (t) => {
  const path = await statePathIn(t);
  const writer = await openState(path);
  await writer.put(notification(1, { status: 'in-flight', code: 'uncertain' }));
  const reader = await openState(path, { readOnly: true });
  assert.equal(reader.get(notification(1).source, notification(1).target)?.status, 'in-flight');
  assert.deepEqual(reader.recovered, []);
  await reader.close();
  await writer.close();
});

test('a second writer is refused with STATE_LOCKED; in wait mode it gets in once the first closes', async (t) => {
  const path = await statePathIn(t);
  const first = await openState(path);
  const error = await rejection(openState(path, { lock: 'fail' }), 'STATE_LOCKED');
  assert.ok(error.message.startsWith(`${path} is locked by pid ${process.pid}`), error.message);
  await rejection(openState(path, { lock: 'wait', lockTimeoutMs: 100 }), 'STATE_LOCKED');

  const waiting = openState(path, { lock: 'wait', lockTimeoutMs: 1500 });
  await first.put(notification(1));
  setTimeout(() => void first.close(), 100);
  const second = await waiting;
  assert.equal(second.get(notification(1).source, notification(1).target)?.status, 'sent');
  await second.close();
});

test('put() refuses an invalid record and writes nothing', async (t) => {
  const path = await statePathIn(t);
  const store = await openState(path);
  await assert.rejects(store.put(notification(1, { status: 'delivered' as NotificationRecord['status'] })), TypeError);
  await assert.rejects(store.put(notification(1, { attempts: 1.5 })), TypeError);
  await assert.rejects(store.putPost(post(1, { seen: 'yesterday' })), TypeError);
  await store.put(notification(2));
  await store.close();
  const again = await openState(path, { readOnly: true });
  assert.deepEqual([...again.notifications()], [notification(2)]);
  assert.deepEqual([...again.posts()], []);
});

test('close() is idempotent, and a put() after it is refused', async (t) => {
  const path = await statePathIn(t);
  const store = await openState(path);
  const pending = store.put(notification(1));
  await Promise.all([store.close(), store.close()]);
  await pending; // a put made before close() still lands
  await store.close();
  await rejection(store.put(notification(2)), 'STATE_UNWRITABLE');
  const again = await openState(path, { readOnly: true });
  assert.deepEqual([...again.notifications()], [notification(1)]);
});

test('temporary files of a compaction cut short are removed; a clean close leaves only state.json', async (t) => {
  const path = await statePathIn(t);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp-999999-0a1b2c`, '{"format":"linkback-st');
  const store = await openState(path);
  assert.ok(!(await readdir(dirname(path))).includes('state.json.tmp-999999-0a1b2c'));
  await store.put(notification(1));
  await store.close();
  assert.deepEqual(await readdir(dirname(path)), ['state.json']);
});

test('unwritable: when the state folder cannot be created, openState throws STATE_UNWRITABLE naming the path', async (t) => {
  const dir = dirname(await statePathIn(t));
  await writeFile(join(dir, 'not-a-folder'), '');
  const path = join(dir, 'not-a-folder', 'state.json');
  const error = await rejection(openState(path), 'STATE_UNWRITABLE');
  assert.ok(error.message.includes(path), error.message);
  assert.ok(error.cause, 'the OS error is kept as the cause');
});

test('unwritable: a journal that cannot be created stops the open and releases the lock', async (t) => {
  const path = await statePathIn(t);
  await mkdir(dirname(path), { recursive: true });
  // A dangling link into a folder that does not exist: reads as "no journal yet", cannot be created.
  await symlink(join(dirname(path), 'gone', 'journal'), `${path}.journal`);
  const error = await rejection(openState(path), 'STATE_UNWRITABLE');
  assert.ok(error.message.includes(path), error.message);
  assert.deepEqual(await readdir(dirname(path)), ['state.json.journal']);
});

test('unwritable: a read-only folder', async (t) => {
  const dir = dirname(await statePathIn(t));
  const folder = join(dir, 'read-only');
  await mkdir(folder);
  await chmod(folder, 0o500);
  try {
    // root (as in many CI containers) writes regardless of permissions; the two tests above cover that case.
    const probe = await writeFile(join(folder, 'probe'), '').then(() => true, () => false);
    if (probe) return t.skip('permissions do not stop this user from writing (root)');
    const error = await rejection(openState(join(folder, 'state.json')), 'STATE_UNWRITABLE');
    assert.ok(error.message.includes(join(folder, 'state.json')), error.message);
  } finally {
    await chmod(folder, 0o700);
  }
});

test('status of a state a killed run left: in-flight trackbacks listed uncertain, webmentions and pingbacks as failed and retryable', async (t) => {
  const path = await statePathIn(t);
  const store = await openState(path);
  await store.put(notification(1, { protocol: 'trackback', endpoint: 'https://other.example/tb/1', status: 'in-flight', code: 'uncertain' }));
  await store.put(notification(2, { status: 'in-flight', code: 'uncertain' }));
  await store.put(notification(3, { protocol: 'pingback', endpoint: 'https://other.example/xmlrpc', status: 'in-flight', code: 'uncertain' }));
  await store.close(); // a close does not recover: the next run that opens the state does
  const status = await readStatus(path);
  assert.equal(status.byStatus['in-flight'], 3);
  assert.deepEqual(status.uncertain.map((r) => r.protocol), ['trackback']);
  assert.deepEqual(status.failed.map((r) => [r.protocol, r.retryable]).sort(), [['pingback', true], ['webmention', true]]);
});
