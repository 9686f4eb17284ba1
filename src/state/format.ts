// What the state files contain, and how they are read back. Pure: text in, records out (or a typed error
// naming the file and the line). No I/O here; src/state/store.ts owns the files.
//
// Two files:
// - the snapshot (state.json): one JSON document, records sorted by key, one record per line, so that a
//   committed state file diffs by record and the same content always gives the same bytes;
// - the journal (state.json.journal): JSON Lines, one change per line, appended since the last snapshot.
// Older versions are migrated by ./migrate.ts; problems are told by ./problems.ts.
import { z } from 'zod';
import { LinkbackError } from '../errors.ts';
import type { Protocol, OutcomeCode } from '../types.ts';
import { STATE_FORMAT, STATE_VERSION, migrate } from './migrate.ts';
import { corrupt, describeIssues, isPlainObject, recordLine, syntaxErrorLine } from './problems.ts';

export type RecordStatus = 'in-flight' | 'sent' | 'failed' | 'uncertain' | 'no-endpoint';

export interface NotificationRecord {
  source: string;
  target: string;
  protocol: Protocol | null;
  endpoint: string | null;
  status: RecordStatus;
  code: OutcomeCode;
  message: string;
  /** ISO time of this record; for a gone target (code target-gone), when it was first found gone (lifecycle/dead.ts). */
  at: string;
  /** How many times a request was started for this pair, across runs. */
  attempts: number;
  /** A later run may send it again by itself (nothing reached the server). */
  retryable: boolean;
  httpStatus?: number;
  location?: string;
  // Optional fields below were added for a post's later life (updates, deletions, verify); older states lack them.
  /** Fingerprint of the post's content this record was written for (src/site/fingerprint.ts). */
  fingerprint?: string;
  /** A re-send to a target notified before: the post changed, dropped the link, or was deleted. */
  update?: boolean;
  /** The last `verify` check of whether the target shows the post. */
  verification?: Verification;
  /** ISO time before which a retryable record is not tried again (a gone target's widening schedule). */
  retryAt?: string;
}

export interface Verification {
  result: 'verified' | 'not-yet';
  at: string;
  /** What was looked at: arXiv's trackback listing, the Webmention status URL, or the target page. */
  method: 'arxiv-listing' | 'status-url' | 'target-page';
  url: string;
}

export interface PostRecord {
  url: string;
  file: string;
  hash: string;
  targets: string[];
  seen: string;
  /** Fingerprint of the post's content at `seen` (src/site/fingerprint.ts). */
  fingerprint?: string;
  /** Targets the post no longer links to whose re-send is not settled yet. */
  unlinked?: string[];
  /** When the post was found gone from the site and its deletion was handled. */
  deleted?: string;
}

/**
 * What a run remembers besides notifications and posts, keyed by (kind, key), kept with the same care (journal,
 * fsync, compaction) so that it survives a kill like the rest:
 * - `archive`: a Save Page Now capture of a cited page (src/archive/), key = the page's URL; 'in-flight' is
 *   written before the request goes out, so a kill never makes a later run ask twice;
 * - `validators`: the ETag / Last-Modified of a remote feed or sitemap read as input (src/input/conditional.ts);
 * - `websub`: whether a feed (key = its topic URL) changed since its hubs were last told (src/websub/).
 * Added after version 1 without a version bump: a snapshot without extras is byte-for-byte what it was, and an
 * older linkback reading a snapshot with extras ignores them (it would capture a page again, never notify twice).
 */
export type ExtraRecord =
  | { kind: 'archive'; key: string; status: 'in-flight' | 'sent' | 'failed'; at: string; attempts: number; retryable: boolean; message: string; snapshot?: string }
  | { kind: 'validators'; key: string; at: string; etag?: string; lastModified?: string }
  | { kind: 'websub'; key: string; status: 'pending' | 'sent'; at: string; message: string; hubs: string[] };

export type ExtraKind = ExtraRecord['kind'];

export interface StateContent {
  posts: PostRecord[];
  notifications: NotificationRecord[];
  /** Absent in files written before extras existed. */
  extras?: ExtraRecord[];
}

export type JournalEntry = { notification: NotificationRecord } | { post: PostRecord } | { extra: ExtraRecord };

export { STATE_FORMAT, STATE_VERSION } from './migrate.ts';

// The unions above are the source of truth; these lists must name every member (checked just below).
const PROTOCOLS = ['webmention', 'pingback', 'trackback'] as const satisfies readonly Protocol[];
const STATUSES = ['in-flight', 'sent', 'failed', 'uncertain', 'no-endpoint'] as const satisfies readonly RecordStatus[];
const OUTCOME_CODES = [
  'ok', 'already-registered', 'rejected', 'invalid-response', 'server-error', 'rate-limited', 'not-deployed',
  'target-gone', 'unreachable',
  'uncertain', 'private-address', 'bad-url', 'too-large', 'timeout', 'redirects', 'discovery-failed',
  'no-endpoint', 'already-done', 'dry-run',
] as const satisfies readonly OutcomeCode[];
type Exhaustive<Union, Listed> = [Exclude<Union, Listed>] extends [never] ? true : never;
const _allListed: [
  Exhaustive<Protocol, (typeof PROTOCOLS)[number]>,
  Exhaustive<RecordStatus, (typeof STATUSES)[number]>,
  Exhaustive<OutcomeCode, (typeof OUTCOME_CODES)[number]>,
] = [true, true, true];

const isoTime = z.iso.datetime({ offset: true });
const url = z.string().min(1);

const notificationSchema = z.strictObject({
  source: url,
  target: url,
  protocol: z.enum(PROTOCOLS).nullable(),
  endpoint: z.string().min(1).nullable(),
  status: z.enum(STATUSES),
  code: z.enum(OUTCOME_CODES),
  message: z.string(),
  at: isoTime,
  attempts: z.int().nonnegative(),
  retryable: z.boolean(),
  httpStatus: z.int().min(100).max(599).optional(),
  location: z.string().optional(),
  fingerprint: z.string().min(1).optional(),
  update: z.boolean().optional(),
  verification: z.strictObject({
    result: z.enum(['verified', 'not-yet']),
    at: isoTime,
    method: z.enum(['arxiv-listing', 'status-url', 'target-page']),
    url: z.string().min(1),
  }).optional(),
  retryAt: isoTime.optional(),
});

const postSchema = z.strictObject({
  url,
  file: z.string().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/, 'expected a sha256 hex digest'),
  targets: z.array(url),
  seen: isoTime,
  fingerprint: z.string().min(1).optional(),
  unlinked: z.array(url).optional(),
  deleted: isoTime.optional(),
});

const extraSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('archive'), key: url, status: z.enum(['in-flight', 'sent', 'failed']), at: isoTime,
    attempts: z.int().nonnegative(), retryable: z.boolean(), message: z.string(), snapshot: z.string().min(1).optional(),
  }),
  z.strictObject({ kind: z.literal('validators'), key: url, at: isoTime, etag: z.string().min(1).optional(), lastModified: z.string().min(1).optional() }),
  z.strictObject({ kind: z.literal('websub'), key: url, status: z.enum(['pending', 'sent']), at: isoTime, message: z.string(), hubs: z.array(url) }),
]);

const journalEntrySchema = z.union([
  z.strictObject({ notification: notificationSchema }),
  z.strictObject({ post: postSchema }),
  z.strictObject({ extra: extraSchema }),
]);

const headerSchema = z.object({
  format: z.literal(STATE_FORMAT),
  version: z.int().positive(),
});

/** The one key of a notification. NUL cannot occur in a URL and sorts first, so keys sort by (source, target). */
export function notificationKey(source: string, target: string): string {
  return `${source}\u0000${target}`;
}

/** Why a record is not valid, or null. For put(): never write what a later load would refuse. */
export function notificationProblem(record: unknown): string | null {
  const result = notificationSchema.safeParse(record);
  return result.success ? null : describeIssues(result.error);
}

/** The one key of an extra record. */
export function extraKey(kind: ExtraKind, key: string): string {
  return `${kind}\u0000${key}`;
}

export function extraProblem(record: unknown): string | null {
  const result = extraSchema.safeParse(record);
  return result.success ? null : describeIssues(result.error);
}

/** A copy with the fields in one fixed order (the schema's), optional fields only when set. */
export function canonicalExtra(r: ExtraRecord): ExtraRecord {
  const source = r as unknown as Record<string, unknown>;
  return Object.fromEntries(EXTRA_FIELDS[r.kind].filter((k) => source[k] !== undefined).map((k) => [k, source[k]])) as ExtraRecord;
}

const EXTRA_FIELDS: Record<ExtraKind, readonly string[]> = {
  archive: ['kind', 'key', 'status', 'at', 'attempts', 'retryable', 'message', 'snapshot'],
  validators: ['kind', 'key', 'at', 'etag', 'lastModified'],
  websub: ['kind', 'key', 'status', 'at', 'message', 'hubs'],
};

export function postProblem(post: unknown): string | null {
  const result = postSchema.safeParse(post);
  return result.success ? null : describeIssues(result.error);
}

/** A copy with the fields in one fixed order, optional fields only when set: same record, same bytes. */
export function canonicalNotification(r: NotificationRecord): NotificationRecord {
  return {
    source: r.source, target: r.target, protocol: r.protocol, endpoint: r.endpoint, status: r.status, code: r.code,
    message: r.message, at: r.at, attempts: r.attempts, retryable: r.retryable,
    ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
    ...(r.location !== undefined ? { location: r.location } : {}),
    ...(r.fingerprint !== undefined ? { fingerprint: r.fingerprint } : {}),
    ...(r.update !== undefined ? { update: r.update } : {}),
    ...(r.verification !== undefined ? { verification: { ...r.verification } } : {}),
    ...(r.retryAt !== undefined ? { retryAt: r.retryAt } : {}),
  };
}

export function canonicalPost(p: PostRecord): PostRecord {
  return {
    url: p.url, file: p.file, hash: p.hash, targets: [...p.targets], seen: p.seen,
    ...(p.fingerprint !== undefined ? { fingerprint: p.fingerprint } : {}),
    ...(p.unlinked !== undefined ? { unlinked: [...p.unlinked] } : {}),
    ...(p.deleted !== undefined ? { deleted: p.deleted } : {}),
  };
}

/** The snapshot text: sorted, one record per line, trailing newline. */
export function serializeSnapshot(content: StateContent): string {
  const posts = sortedBy(content.posts, (p) => p.url).map(canonicalPost);
  const notifications = sortedBy(content.notifications, (r) => notificationKey(r.source, r.target)).map(canonicalNotification);
  const extras = sortedBy(content.extras ?? [], (r) => extraKey(r.kind, r.key)).map(canonicalExtra);
  return [
    '{',
    `  "format": ${JSON.stringify(STATE_FORMAT)},`,
    `  "version": ${STATE_VERSION},`,
    `  "posts": ${list(posts)},`,
    // Only when there are any: a state without them keeps the bytes it always had.
    ...(extras.length > 0 ? [`  "notifications": ${list(notifications)},`, `  "extras": ${list(extras)}`] : [`  "notifications": ${list(notifications)}`]),
    '}',
    '',
  ].join('\n');
}

function list(records: readonly object[]): string {
  if (records.length === 0) return '[]';
  return `[\n${records.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]`;
}

// Code-unit order, not localeCompare: the bytes must not depend on the machine's locale.
function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  return items
    .map((item) => ({ item, key: key(item) }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ item }) => item);
}

export interface ParsedSnapshot extends StateContent {
  /** The version the file was written in; lower than STATE_VERSION when it was migrated. */
  version: number;
}

/**
 * Reads a snapshot, migrating an older version. Throws STATE_CORRUPT (naming `file`, the line when it can be
 * told, and what is wrong) or STATE_VERSION.
 */
export function parseSnapshot(text: string, file: string): ParsedSnapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, syntaxErrorLine(text), `not valid JSON (${(error as Error).message})`);
  }
  const version = versionOf(doc, file);
  if (version > STATE_VERSION) {
    throw new LinkbackError('STATE_VERSION',
      `${file} was written by a newer linkback (state version ${version}; this linkback reads up to version ${STATE_VERSION}). Upgrade linkback to use it.`);
  }
  const current = version < STATE_VERSION ? migrate(doc, version, file) : doc;
  return { version, ...readContent(current, file, version === STATE_VERSION ? text : null) };
}

function versionOf(doc: unknown, file: string): number {
  if (!isPlainObject(doc)) throw corrupt(file, null, 'not a linkback state file (expected a JSON object)');
  // Version 0 had no header: a flat object keyed by "source target".
  if (!('format' in doc) && !('version' in doc)) return 0;
  const header = headerSchema.safeParse({ format: doc.format, version: doc.version });
  if (!header.success) throw corrupt(file, null, `not a linkback state file: ${describeIssues(header.error)}`);
  return header.data.version;
}

/** `text` is the file as written, used to point at the line of a bad record (null after a migration). */
function readContent(doc: unknown, file: string, text: string | null): StateContent {
  const shape = z.looseObject({ posts: z.array(z.unknown()), notifications: z.array(z.unknown()), extras: z.array(z.unknown()).optional() }).safeParse(doc);
  if (!shape.success) throw corrupt(file, null, describeIssues(shape.error));
  const posts = new Map<string, PostRecord>();
  shape.data.posts.forEach((raw, index) => {
    const where = (): number | null => recordLine(text, 'posts', index, raw);
    const result = postSchema.safeParse(raw);
    if (!result.success) throw corrupt(file, where(), `posts[${index}]: ${describeIssues(result.error)}`);
    if (posts.has(result.data.url)) throw corrupt(file, where(), `posts[${index}]: a second record for ${result.data.url}`);
    posts.set(result.data.url, result.data);
  });
  const notifications = new Map<string, NotificationRecord>();
  shape.data.notifications.forEach((raw, index) => {
    const where = (): number | null => recordLine(text, 'notifications', index, raw);
    const result = notificationSchema.safeParse(raw);
    if (!result.success) throw corrupt(file, where(), `notifications[${index}]: ${describeIssues(result.error)}`);
    const key = notificationKey(result.data.source, result.data.target);
    if (notifications.has(key)) {
      throw corrupt(file, where(), `notifications[${index}]: a second record for ${result.data.source} -> ${result.data.target}`);
    }
    notifications.set(key, result.data);
  });
  const extras = new Map<string, ExtraRecord>();
  (shape.data.extras ?? []).forEach((raw, index) => {
    const result = extraSchema.safeParse(raw);
    if (!result.success) throw corrupt(file, recordLine(text, 'extras', index, raw), `extras[${index}]: ${describeIssues(result.error)}`);
    extras.set(extraKey(result.data.kind, result.data.key), result.data);
  });
  return { posts: [...posts.values()], notifications: [...notifications.values()], extras: [...extras.values()] };
}

export function serializeJournalEntry(entry: JournalEntry): string {
  const canonical = 'notification' in entry
    ? { notification: canonicalNotification(entry.notification) }
    : 'post' in entry ? { post: canonicalPost(entry.post) } : { extra: canonicalExtra(entry.extra) };
  return `${JSON.stringify(canonical)}\n`;
}

export interface ParsedJournal {
  entries: JournalEntry[];
  /** Bytes up to the end of the last complete line: anything after it is a torn append. */
  completeBytes: number;
  /** True when the file ends in an unfinished line (ignored: it was never acknowledged). */
  torn: boolean;
}

/**
 * Reads a journal. A last line without its newline is an append cut short by a crash: put() never
 * acknowledged it, so it is dropped. Any complete line that is not a valid entry is corruption.
 */
export function parseJournal(bytes: Uint8Array, file: string): ParsedJournal {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // 0x0A never occurs inside a multi-byte UTF-8 sequence, so this is the end of the last whole line.
  const completeBytes = buffer.lastIndexOf(0x0a) + 1;
  const text = buffer.subarray(0, completeBytes).toString('utf8');
  const lines = text.split('\n');
  lines.pop(); // the empty string after the final newline
  const entries = lines.map((line, index) => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      throw corrupt(file, index + 1, line === '' ? 'empty line' : `not valid JSON (${(error as Error).message})`);
    }
    const result = journalEntrySchema.safeParse(raw);
    if (!result.success) throw corrupt(file, index + 1, describeJournalIssues(raw, result.error));
    return result.data;
  });
  return { entries, completeBytes, torn: completeBytes < buffer.length };
}

// A union's error lists both branches; report the branch the line meant.
function describeJournalIssues(raw: unknown, error: z.ZodError): string {
  if (isPlainObject(raw) && 'notification' in raw) {
    const result = z.strictObject({ notification: notificationSchema }).safeParse(raw);
    if (!result.success) return describeIssues(result.error);
  }
  if (isPlainObject(raw) && 'post' in raw) {
    const result = z.strictObject({ post: postSchema }).safeParse(raw);
    if (!result.success) return describeIssues(result.error);
  }
  if (isPlainObject(raw) && 'extra' in raw) {
    const result = z.strictObject({ extra: extraSchema }).safeParse(raw);
    if (!result.success) return describeIssues(result.error);
  }
  if (isPlainObject(raw)) return 'expected {"notification": ...}, {"post": ...} or {"extra": ...}';
  return describeIssues(error);
}
