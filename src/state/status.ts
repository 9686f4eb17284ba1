// `readStatus(path)`: what the state holds, for `linkback status` — counts, the last activity, and the
// notifications that need a person (failed, uncertain). Read-only: no lock is taken, nothing is written,
// so it is safe while a run is going on.
import { access, readFile } from 'node:fs/promises';
import type { Protocol } from '../types.ts';
import type { NotificationRecord, RecordStatus } from './format.ts';
import { recoverInFlight } from './plan.ts';
import { openState } from './store.ts';

export type { NotificationRecord, RecordStatus };

export interface StateStatus {
  path: string;
  /** False when there is no state yet (nothing ever sent): every count is then 0. */
  exists: boolean;
  notifications: number;
  posts: number;
  byStatus: Record<RecordStatus, number>;
  /** Per protocol ('none': no endpoint was found, or discovery failed), counts by status. */
  byProtocol: Record<Protocol | 'none', Record<RecordStatus, number>>;
  /** The latest time any record was written: when the last run did something. */
  lastActivity: string | null;
  /** Failed ones, newest first; `retryable` ones are sent again by the next run on its own. Not the gone ones. */
  failed: NotificationRecord[];
  /**
   * Targets whose page answered 404/410 (code target-gone, counted as failed in byStatus): old news, not a
   * failure of any run but the first; checked again after `retryAt` (lifecycle/dead.ts). Soonest check first.
   */
  gone: NotificationRecord[];
  /** Ones that may have been delivered (no answer came): only --retry-uncertain sends them again. */
  uncertain: NotificationRecord[];
  /** A run holding the lock right now (or one that died holding it), when the lock file says so. */
  lockedBy: { pid: number; hostname: string; startedAt: string } | null;
}

const STATUSES: readonly RecordStatus[] = ['sent', 'failed', 'uncertain', 'no-endpoint', 'in-flight'];
const PROTOCOLS: ReadonlyArray<Protocol | 'none'> = ['webmention', 'pingback', 'trackback', 'none'];

/** Throws LinkbackError STATE_CORRUPT / STATE_VERSION like a run would; a missing file is an empty state. */
export async function readStatus(path: string): Promise<StateStatus> {
  const store = await openState(path, { readOnly: true });
  try {
    const counts = () => Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<RecordStatus, number>;
    const byStatus = counts();
    const byProtocol = Object.fromEntries(PROTOCOLS.map((p) => [p, counts()])) as StateStatus['byProtocol'];
    const failed: NotificationRecord[] = [];
    const uncertain: NotificationRecord[] = [];
    const gone: NotificationRecord[] = [];
    let notifications = 0;
    let posts = 0;
    let lastActivity: string | null = null;
    const later = (at: string) => {
      if (lastActivity === null || Date.parse(at) > Date.parse(lastActivity)) lastActivity = at;
    };
    for (const record of store.notifications()) {
      notifications++;
      byStatus[record.status]++;
      byProtocol[record.protocol ?? 'none'][record.status]++;
      later(record.at);
      // A record still "in flight" in a state nobody is writing is what a killed run left: listed as the next run
      // will settle it (a trackback uncertain, a webmention or pingback failed and retryable).
      const settled = record.status === 'in-flight' ? recoverInFlight(record, record.at) : record;
      if (settled.status === 'failed') (settled.code === 'target-gone' ? gone : failed).push(settled);
      if (settled.status === 'uncertain') uncertain.push(settled);
    }
    for (const post of store.posts()) {
      posts++;
      later(post.seen);
    }
    const newestFirst = (a: NotificationRecord, b: NotificationRecord) => Date.parse(b.at) - Date.parse(a.at);
    return {
      path,
      exists: notifications + posts > 0 || (await fileExists(path)),
      notifications,
      posts,
      byStatus,
      byProtocol,
      lastActivity,
      failed: failed.sort(newestFirst),
      uncertain: uncertain.sort(newestFirst),
      gone: gone.sort((a, b) => Date.parse(a.retryAt ?? a.at) - Date.parse(b.retryAt ?? b.at)),
      lockedBy: await lockOwner(`${path}.lock`),
    };
  } finally {
    await store.close();
  }
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(() => true, () => false);
}

/** The owner written in the lock file; anything unreadable counts as no lock (this is information only). */
async function lockOwner(lockPath: string): Promise<StateStatus['lockedBy']> {
  try {
    const owner = JSON.parse(await readFile(lockPath, 'utf8')) as Record<string, unknown>;
    if (typeof owner.pid !== 'number' || typeof owner.hostname !== 'string' || typeof owner.startedAt !== 'string') return null;
    return { pid: owner.pid, hostname: owner.hostname, startedAt: owner.startedAt };
  } catch {
    return null;
  }
}
