// The state store: what linkback has sent, kept so that no notification is ever sent twice — across runs,
// crashes (kill -9 at any instant) and concurrent runs.
//
// On disk (next to each other):
//   state.json          the snapshot: sorted, one record per line (src/state/format.ts); may be committed
//   state.json.journal  every change since the snapshot, one JSON line each, fsync'd before put() resolves
//   state.json.lock     who is writing (src/state/lock.ts)
// A put costs one append + fdatasync, whatever the number of records. The journal is folded into the snapshot
// (compaction) on close and when it grows past max(1000 lines, the records in the snapshot): compaction then
// costs O(1) per put amortised, and the journal stays smaller than the snapshot. Compaction writes a temporary
// file, fsyncs it, renames it over the snapshot, fsyncs the folder and only then empties the journal; a crash
// in between leaves a journal whose replay changes nothing (last write per key wins).
import { mkdir, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LinkbackError } from '../errors.ts';
import {
  STATE_VERSION, canonicalExtra, canonicalNotification, canonicalPost, extraKey, extraProblem, notificationKey,
  notificationProblem, parseJournal, parseSnapshot, postProblem, serializeJournalEntry, serializeSnapshot,
} from './format.ts';
import type { ExtraKind, ExtraRecord, JournalEntry, NotificationRecord, PostRecord } from './format.ts';
import { appendDurably, openJournal, readIfExists, removeTemporaryFiles, replaceFile, unwritable, writeBackup } from './files.ts';
import { acquireLock } from './lock.ts';
import { recoverInFlight as recoverRecord } from './plan.ts';
import type { Lock } from './lock.ts';

export const DEFAULT_STATE_PATH = '.linkback/state.json';
const MIN_COMPACT_LINES = 1000;

export interface OpenStateOptions {
  /** No lock, no writes; a missing file is an empty state (--dry-run, `status`). */
  readOnly?: boolean;
  /** When another run holds the lock: 'fail' (default) at once, or 'wait' up to lockTimeoutMs. */
  lock?: 'wait' | 'fail';
  lockTimeoutMs?: number;
  now?: () => Date;
}

export interface StateStore {
  readonly path: string;
  get(source: string, target: string): NotificationRecord | undefined;
  getPost(url: string): PostRecord | undefined;
  notifications(): IterableIterator<NotificationRecord>;
  posts(): IterableIterator<PostRecord>;
  /** Durable when resolved (appended + fsync'd). Rejects with LinkbackError('STATE_UNWRITABLE') on any write failure. */
  put(record: NotificationRecord): Promise<void>;
  putPost(post: PostRecord): Promise<void>;
  /** What the run keeps besides notifications (format.ts ExtraRecord): archive captures, input validators, WebSub. */
  getExtra<K extends ExtraKind>(kind: K, key: string): Extract<ExtraRecord, { kind: K }> | undefined;
  extras(): IterableIterator<ExtraRecord>;
  /** Durable when resolved, like put(). */
  putExtra(record: ExtraRecord): Promise<void>;
  /**
   * Records left 'in-flight' by a run that died, as turned at open (and persisted): trackbacks 'uncertain',
   * webmentions and pingbacks 'failed' and retryable (plan.ts recoverInFlight).
   */
  readonly recovered: readonly NotificationRecord[];
  /** Compacts (unless readOnly) and releases the lock; idempotent. */
  close(): Promise<void>;
}

/**
 * Opens the state at `path`. Unless readOnly, it takes the lock and proves it can write (the journal is
 * created and fsync'd) before returning, so a run stops before sending anything it could not record.
 * Throws LinkbackError STATE_CORRUPT, STATE_VERSION, STATE_LOCKED or STATE_UNWRITABLE.
 */
export async function openState(path: string, options: OpenStateOptions = {}): Promise<StateStore> {
  const now = options.now ?? (() => new Date());
  if (options.readOnly) {
    const loaded = await load(path);
    return new Store(path, loaded, [], null, null);
  }
  await mkdir(dirname(path), { recursive: true }).catch((error: unknown) => {
    throw unwritable(path, error);
  });
  const lock = await acquireLock(`${path}.lock`, {
    mode: options.lock ?? 'fail',
    ...(options.lockTimeoutMs !== undefined ? { timeoutMs: options.lockTimeoutMs } : {}),
    now,
    subject: path,
  });
  try {
    const loaded = await load(path);
    return await startWriting(path, loaded, recoverInFlight(loaded.notifications, now().toISOString()), lock);
  } catch (error) {
    await lock.release().catch(() => {});
    throw error;
  }
}

async function startWriting(path: string, loaded: Loaded, recovered: NotificationRecord[], lock: Lock): Promise<Store> {
  let journal: FileHandle;
  try {
    await removeTemporaryFiles(path);
    journal = await openJournal(path);
  } catch (error) {
    throw unwritable(path, error);
  }
  try {
    const older = loaded.snapshot && loaded.snapshot.version < STATE_VERSION ? loaded.snapshot : null;
    if (older) await writeBackup(path, older.version, older.bytes);
    const store = new Store(path, loaded, recovered, journal, lock);
    // Start from a clean journal: this persists recovered and migrated records, and cuts a torn last line
    // that would otherwise end up in the middle of the journal once we append.
    if (loaded.journalLines > 0 || loaded.journalTorn || recovered.length > 0 || older) await store.compact();
    return store;
  } catch (error) {
    await journal.close().catch(() => {});
    throw unwritable(path, error);
  }
}

interface Loaded {
  notifications: Map<string, NotificationRecord>;
  posts: Map<string, PostRecord>;
  extras: Map<string, ExtraRecord>;
  snapshot: { version: number; bytes: Buffer } | null;
  snapshotRecords: number;
  journalLines: number;
  journalTorn: boolean;
}

async function load(path: string): Promise<Loaded> {
  // Journal first: a run compacting meanwhile renames the new snapshot in before it empties the journal, so a
  // reader without the lock (read-only) cannot pair an emptied journal with the snapshot from before.
  const journalPath = `${path}.journal`;
  const journalBytes = await readIfExists(journalPath);
  const snapshotBytes = await readIfExists(path);
  const notifications = new Map<string, NotificationRecord>();
  const posts = new Map<string, PostRecord>();
  const extras = new Map<string, ExtraRecord>();
  let snapshot: Loaded['snapshot'] = null;
  if (snapshotBytes) {
    const parsed = parseSnapshot(snapshotBytes.toString('utf8').replace(/^\uFEFF/, ''), path);
    for (const record of parsed.notifications) notifications.set(notificationKey(record.source, record.target), freezeNotification(record));
    for (const post of parsed.posts) posts.set(post.url, freezePost(post));
    for (const extra of parsed.extras ?? []) extras.set(extraKey(extra.kind, extra.key), Object.freeze(canonicalExtra(extra)));
    snapshot = { version: parsed.version, bytes: snapshotBytes };
  }
  const snapshotRecords = notifications.size + posts.size + extras.size;
  const journal = journalBytes ? parseJournal(journalBytes, journalPath) : { entries: [], torn: false };
  // Last write wins, so replaying entries already folded into the snapshot changes nothing.
  for (const entry of journal.entries) apply(notifications, posts, extras, entry);
  return { notifications, posts, extras, snapshot, snapshotRecords, journalLines: journal.entries.length, journalTorn: journal.torn };
}

function apply(notifications: Map<string, NotificationRecord>, posts: Map<string, PostRecord>, extras: Map<string, ExtraRecord>, entry: JournalEntry): void {
  if ('notification' in entry) {
    const record = freezeNotification(entry.notification);
    notifications.set(notificationKey(record.source, record.target), record);
  } else if ('extra' in entry) {
    extras.set(extraKey(entry.extra.kind, entry.extra.key), Object.freeze(canonicalExtra(entry.extra)));
  } else {
    const post = freezePost(entry.post);
    posts.set(post.url, post);
  }
}

/**
 * The run that wrote 'in-flight' died before recording an answer: the request may have reached the server.
 * What each record becomes is the rule book's (plan.ts recoverInFlight): a trackback uncertain, a webmention or
 * pingback retryable.
 */
function recoverInFlight(notifications: Map<string, NotificationRecord>, at: string): NotificationRecord[] {
  const recovered: NotificationRecord[] = [];
  for (const [key, record] of notifications) {
    if (record.status !== 'in-flight') continue;
    const settled = freezeNotification(recoverRecord(record, at));
    notifications.set(key, settled);
    recovered.push(settled);
  }
  return recovered;
}

interface Pending {
  line: string;
  apply: () => void;
  resolve: () => void;
  reject: (error: unknown) => void;
}

class Store implements StateStore {
  readonly path: string;
  readonly recovered: readonly NotificationRecord[];
  readonly #notifications: Map<string, NotificationRecord>;
  readonly #posts: Map<string, PostRecord>;
  readonly #extras: Map<string, ExtraRecord>;
  readonly #journal: FileHandle | null; // null: read-only
  readonly #lock: Lock | null;
  #journalLines: number;
  #snapshotRecords: number;
  #queue: Pending[] = [];
  #writing = false;
  #idle: Promise<void> = Promise.resolve();
  #failure: LinkbackError | null = null;
  #closing: Promise<void> | null = null;

  constructor(path: string, loaded: Loaded, recovered: NotificationRecord[], journal: FileHandle | null, lock: Lock | null) {
    this.path = path;
    this.recovered = Object.freeze(recovered);
    this.#notifications = loaded.notifications;
    this.#posts = loaded.posts;
    this.#extras = loaded.extras;
    this.#journal = journal;
    this.#lock = lock;
    this.#journalLines = loaded.journalLines;
    this.#snapshotRecords = loaded.snapshotRecords;
  }

  get(source: string, target: string): NotificationRecord | undefined {
    return this.#notifications.get(notificationKey(source, target));
  }

  getPost(url: string): PostRecord | undefined {
    return this.#posts.get(url);
  }

  notifications(): IterableIterator<NotificationRecord> {
    return this.#notifications.values();
  }

  posts(): IterableIterator<PostRecord> {
    return this.#posts.values();
  }

  put(record: NotificationRecord): Promise<void> {
    const copy = freezeNotification(record);
    // Never write what the next load would refuse as corrupt.
    const problem = notificationProblem(copy);
    if (problem) return Promise.reject(new TypeError(`invalid notification record: ${problem}`));
    return this.#append({ notification: copy }, () => this.#notifications.set(notificationKey(copy.source, copy.target), copy));
  }

  putPost(post: PostRecord): Promise<void> {
    const copy = freezePost(post);
    const problem = postProblem(copy);
    if (problem) return Promise.reject(new TypeError(`invalid post record: ${problem}`));
    return this.#append({ post: copy }, () => this.#posts.set(copy.url, copy));
  }

  getExtra<K extends ExtraKind>(kind: K, key: string): Extract<ExtraRecord, { kind: K }> | undefined {
    return this.#extras.get(extraKey(kind, key)) as Extract<ExtraRecord, { kind: K }> | undefined;
  }

  extras(): IterableIterator<ExtraRecord> {
    return this.#extras.values();
  }

  putExtra(record: ExtraRecord): Promise<void> {
    const copy = Object.freeze(canonicalExtra(record));
    const problem = extraProblem(copy);
    if (problem) return Promise.reject(new TypeError(`invalid extra record: ${problem}`));
    return this.#append({ extra: copy }, () => this.#extras.set(extraKey(copy.kind, copy.key), copy));
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Folds the journal into the snapshot. Callers make sure no append runs meanwhile. */
  async compact(): Promise<void> {
    if (!this.#journal) return;
    const text = serializeSnapshot({ posts: [...this.#posts.values()], notifications: [...this.#notifications.values()], extras: [...this.#extras.values()] });
    await replaceFile(this.path, text);
    await this.#journal.truncate(0);
    await this.#journal.datasync();
    this.#journalLines = 0;
    this.#snapshotRecords = this.#notifications.size + this.#posts.size + this.#extras.size;
  }

  #append(entry: JournalEntry, apply: () => void): Promise<void> {
    const journal = this.#journal;
    if (!journal) return Promise.reject(new LinkbackError('STATE_UNWRITABLE', `${this.path} was opened read-only`));
    if (this.#closing) return Promise.reject(new LinkbackError('STATE_UNWRITABLE', `${this.path} is closed`));
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#queue.push({ line: serializeJournalEntry(entry), apply, resolve, reject });
      if (!this.#writing) {
        this.#writing = true;
        this.#idle = this.#drain(journal);
      }
    });
  }

  // Group commit: puts made while a write is in progress share the next write + fdatasync.
  // Memory changes only once the line is durable, so get() never reports what a crash could lose.
  async #drain(journal: FileHandle): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      try {
        if (this.#failure) throw this.#failure;
        await appendDurably(journal, batch.map((p) => p.line).join(''));
        for (const pending of batch) pending.apply();
        this.#journalLines += batch.length;
        if (this.#journalLines > Math.max(MIN_COMPACT_LINES, this.#snapshotRecords)) await this.compact();
        for (const pending of batch) pending.resolve();
      } catch (error) {
        // Sticky: after a failed append the journal may end in a partial line, which must stay the last one.
        this.#failure ??= unwritable(this.path, error);
        for (const pending of batch) pending.reject(this.#failure);
      }
    }
    this.#writing = false; // in the same tick as the empty-queue check: no put can slip in between
  }

  async #close(): Promise<void> {
    let folded = false;
    try {
      await this.#idle; // puts made before close() still land
      if (this.#journal && !this.#failure) {
        if (this.#journalLines > 0) await this.compact();
        folded = true;
      }
    } catch (error) {
      throw unwritable(this.path, error);
    } finally {
      await this.#journal?.close().catch(() => {});
      // A clean close leaves only state.json, for people who commit the state folder. (Still under the lock.)
      if (folded) await unlink(`${this.path}.journal`).catch(() => {});
      await this.#lock?.release().catch(() => {});
    }
  }
}

function freezeNotification(record: NotificationRecord): NotificationRecord {
  return Object.freeze(canonicalNotification(record));
}

function freezePost(post: PostRecord): PostRecord {
  const copy = canonicalPost(post);
  Object.freeze(copy.targets);
  return Object.freeze(copy);
}
