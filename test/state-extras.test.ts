// The state's extra records (archive captures, input validators, WebSub): durable like notifications, and a state
// without them is written exactly as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openState } from '../src/state/store.ts';
import { parseSnapshot, serializeSnapshot } from '../src/state/format.ts';
import type { ExtraRecord } from '../src/state/format.ts';

async function statePath(t: { after: (fn: () => Promise<void>) => void }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'linkback-extras-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return join(dir, 'state.json');
}

const AT = '2026-01-02T03:04:05.000Z';
const capture: ExtraRecord = { kind: 'archive', key: 'https://cited.example/a', status: 'sent', at: AT, attempts: 1, retryable: false, message: 'captured', snapshot: 'https://web.archive.org/web/20260102030405/https://cited.example/a' };
const validators: ExtraRecord = { kind: 'validators', key: 'https://blog.example/feed.xml', at: AT, etag: '"v1"' };

test('extra records survive a clean close and a kill (journal only), and are found by kind and key', async (t) => {
  const path = await statePath(t);
  const state = await openState(path);
  await state.putExtra(capture);
  await state.close();
  const again = await openState(path);
  assert.deepEqual(again.getExtra('archive', capture.key), capture);
  assert.equal(again.getExtra('validators', capture.key), undefined, 'the kind is part of the key');
  await again.putExtra(validators);
  // A kill: the journal holds the line, the snapshot does not. Read it back as a read-only reader would.
  const killed = await openState(path, { readOnly: true });
  assert.deepEqual(killed.getExtra('validators', validators.key), validators);
  assert.deepEqual([...killed.extras()].map((r) => r.kind).sort(), ['archive', 'validators']);
  await again.close();
  const snapshot = parseSnapshot(await readFile(path, 'utf8'), path);
  assert.equal(snapshot.extras?.length, 2);
});

test('a state without extras is written byte for byte as before; a bad extra is refused, never written', async (t) => {
  const before = serializeSnapshot({ posts: [], notifications: [] });
  assert.equal(before, '{\n  "format": "linkback-state",\n  "version": 1,\n  "posts": [],\n  "notifications": []\n}\n');
  const path = await statePath(t);
  const state = await openState(path);
  await assert.rejects(state.putExtra({ ...capture, at: 'yesterday' }), /invalid extra record/);
  await state.close();
  await writeFile(path, serializeSnapshot({ posts: [], notifications: [], extras: [capture] }).replace('"captured"', '7'));
  await assert.rejects(openState(path, { readOnly: true }), (e: Error & { code?: string }) => e.code === 'STATE_CORRUPT' && /extras\[0\]/.test(e.message));
});
