// Parsing pages on worker threads: the calling thread walks, reads and hashes (so the incremental re-run
// still skips an unchanged page before anything parses it) and hands pages to the workers, who decode,
// parse, classify and build the posts; pages the workers cannot take yet it parses itself (./scan.ts). A
// page travels as a copy of its bytes (not transferred), so that if a worker dies the calling thread can
// still read the page itself.

import { availableParallelism } from 'node:os';
import { setImmediate } from 'node:timers';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { SiteContext } from './post.ts';
import type { FeedEvidence } from './site-feed.ts';
import type { ScannedPage, SiteOptions, SiteWarning } from './types.ts';

/**
 * Jobs go out once this many are waiting (or at the end of the turn): the calling thread reads and parses pages
 * in long synchronous runs, and a worker must not wait for the end of one to get work.
 */
const BATCH = 4;

export interface ParseJob {
  file: string;
  hash: string;
  encoding: string;
  declared: boolean;
  bytes: Uint8Array;
}

export interface ParsedPage {
  page: ScannedPage;
  warnings: SiteWarning[];
}

/** What every worker needs to know about the site; URLs as strings (a URL object cannot cross threads). */
export interface WorkerSetup {
  options: SiteOptions;
  site: Omit<SiteContext, 'siteBase' | 'homeBase'> & { siteBase: string | null; homeBase: string | null };
  /** What the site's feed says about which pages are posts, read once by the calling thread. */
  feed: FeedEvidence | null;
}

export interface ParsePool {
  /** Rejects with PoolFailure when the worker died: the caller parses the page itself. */
  parse(job: ParseJob): Promise<ParsedPage>;
  /** False once a worker died: the rest of the scan runs on the main thread. */
  readonly healthy: boolean;
  /** Pages handed to the pool and not answered yet (answers that already arrived are taken first). */
  readonly backlog: number;
  /** Worker threads. */
  readonly size: number;
  /** Worker threads that have loaded and said so (up to date after reading `backlog`, which takes their messages). */
  readonly ready: number;
  close(): Promise<void>;
}

export class PoolFailure extends Error {
  override name = 'PoolFailure';
}

/** Threads that parse pages, the calling thread included: `requested` when given, else one per core (at most 8). */
export function poolSize(requested: number | undefined): number {
  if (requested !== undefined) return Math.max(1, Math.floor(requested));
  return Math.min(availableParallelism(), 8);
}

export function toWorkerSetup(options: SiteOptions, site: SiteContext, feed: FeedEvidence | null = null): WorkerSetup {
  return { options, site: { ...site, siteBase: site.siteBase?.href ?? null, homeBase: site.homeBase?.href ?? null }, feed };
}

export function fromWorkerSetup(setup: WorkerSetup['site']): SiteContext {
  return {
    ...setup,
    siteBase: setup.siteBase === null ? null : new URL(setup.siteBase),
    homeBase: setup.homeBase === null ? null : new URL(setup.homeBase),
  };
}

export type Reply = { id: number; parsed: ParsedPage } | { id: number; error: string };

interface Waiter {
  resolve: (page: ParsedPage) => void;
  reject: (error: Error) => void;
}

interface Queued {
  id: number;
  job: ParseJob;
  waiter: Waiter;
}

interface Slot {
  worker: Worker;
  /** The worker's answers come on a port of their own, so that they can also be taken synchronously (see backlog). */
  replies: MessagePort;
  pending: Waiting<Waiter>;
  /** The worker has loaded: its first message (./worker.ts) says so. */
  ready: boolean;
}

/**
 * The pages handed to one worker and not answered yet, by id: a table of slots, each cleared when its page is
 * answered, that grows (rarely) and never shrinks.
 *
 * Not a Map, whose entries come and go a few at a time for the whole scan: V8 rehashes such a Map every few
 * pages, allocates the new table where the old one lives (old space, once it has lived a while) and leaves the
 * entries in the old table. Until the next full collection every such dead table is a root for the young
 * generation, so every page a worker answered (its waiter, promise and the page itself) survived the scavenges
 * and was promoted: on the calling thread, 13.6 MB promoted per 11,214 pages (10,000-post site, 2 threads;
 * 2.7 MB with this table) and an old space that grew from 8 to 29 MB between full collections.
 */
export class Waiting<T> {
  private ids: number[];
  private waiters: Array<T | undefined>;
  private count = 0;

  constructor(capacity = 16) {
    this.ids = new Array<number>(capacity).fill(-1);
    this.waiters = new Array<T | undefined>(capacity).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  add(id: number, waiter: T): void {
    while (this.ids[id % this.ids.length] !== -1) this.grow();
    const at = id % this.ids.length;
    this.ids[at] = id;
    this.waiters[at] = waiter;
    this.count++;
  }

  /** The waiter for `id`, removed; undefined when `id` is not waiting. */
  take(id: number): T | undefined {
    const at = id % this.ids.length;
    if (this.ids[at] !== id) return undefined;
    const waiter = this.waiters[at];
    this.ids[at] = -1;
    this.waiters[at] = undefined;
    this.count--;
    return waiter;
  }

  /** Every waiter, removed. */
  takeAll(): T[] {
    const all: T[] = [];
    for (let at = 0; at < this.ids.length; at++) {
      const id = this.ids[at] as number;
      if (id === -1) continue;
      const waiter = this.take(id);
      if (waiter !== undefined) all.push(waiter);
    }
    return all;
  }

  /** Twice the room (again if ids still collide). The old arrays are emptied: left full, one that had reached old space would keep its waiters (see above). */
  private grow(): void {
    const { ids, waiters } = this;
    this.ids = new Array<number>(ids.length * 2).fill(-1);
    this.waiters = new Array<T | undefined>(ids.length * 2).fill(undefined);
    this.count = 0;
    for (let at = 0; at < ids.length; at++) {
      const waiter = waiters[at];
      if (waiter !== undefined) this.add(ids[at] as number, waiter);
    }
    ids.fill(-1);
    waiters.fill(undefined);
  }
}

/** What a worker is started with: the setup, and the port to answer on. */
export interface WorkerData {
  setup: WorkerSetup;
  replies: MessagePort;
}

/**
 * The worker script: dist/site/worker.js when linkback runs built. From the TypeScript sources (tests,
 * `tsx`), a worker does not inherit tsx's loader (tsx issue #354), so it registers it before importing
 * worker.ts; where tsx cannot be found this throws and the pool is not used.
 */
function startWorker(data: WorkerData): Worker {
  // A page's garbage dies young: V8 would grow each worker's young generation to 48 MB under this
  // allocation rate, and the process's peak RSS with it (measured: 225 MB at 50,000 posts; 8 MB: 175 MB,
  // no slower).
  const options = { workerData: data, transferList: [data.replies], resourceLimits: { maxYoungGenerationSizeMb: 8 } };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const script = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(code, { ...options, eval: true });
}

/**
 * Jobs go out a few at a time, a batch to the worker with the least work waiting (every message wakes the
 * other thread, and on a busy machine a wake-up can cost more than the page); pages come back a few at a
 * time too, as they are parsed (./worker.ts).
 */
export function createParsePool(size: number, setup: WorkerSetup): ParsePool {
  let healthy = true;
  let nextId = 0;
  const slots: Slot[] = [];
  let queued: Queued[] = [];
  let flushing = false;

  const fail = (slot: Slot, reason: string): void => {
    healthy = false;
    for (const { reject } of slot.pending.takeAll()) reject(new PoolFailure(reason));
  };

  const answer = (slot: Slot, replies: Reply[]): void => {
    slot.ready = true;
    for (const reply of replies) {
      const waiting = slot.pending.take(reply.id);
      if (!waiting) continue;
      if ('parsed' in reply) waiting.resolve(reply.parsed);
      else waiting.reject(new Error(reply.error));
    }
    // An idle worker must not keep the process alive; a busy one must (see flush()).
    if (slot.pending.size === 0) slot.worker.unref();
  };

  for (let i = 0; i < size; i++) {
    const channel = new MessageChannel();
    let worker: Worker;
    try {
      worker = startWorker({ setup, replies: channel.port2 });
    } catch {
      // Cannot start threads here (see startWorker): the scan reads every page on the calling thread.
      channel.port1.close();
      healthy = false;
      break;
    }
    worker.unref();
    const slot: Slot = { worker, replies: channel.port1, pending: new Waiting<Waiter>(), ready: false };
    slot.replies.on('message', (replies: Reply[]) => answer(slot, replies));
    // The worker (ref'd while busy) keeps the process alive, never its answer port.
    slot.replies.unref();
    worker.on('error', (error) => fail(slot, `parse worker failed: ${error.message}`));
    worker.on('exit', (code) => fail(slot, `parse worker exited (${code})`));
    slots.push(slot);
  }

  const flush = (): void => {
    flushing = false;
    const jobs = queued;
    queued = [];
    if (!healthy) {
      for (const { waiter } of jobs) waiter.reject(new PoolFailure('parse workers unavailable'));
      return;
    }
    // Each job to the worker with the least work waiting (one that has loaded, when one has), then one message per worker.
    const batches = new Map<Slot, Queued[]>();
    const open = slots.some((s) => s.ready) ? slots.filter((s) => s.ready) : slots;
    for (const queuedJob of jobs) {
      let slot = open[0] as Slot;
      const load = (s: Slot) => s.pending.size + (batches.get(s)?.length ?? 0);
      for (const s of open) if (load(s) < load(slot)) slot = s;
      batches.set(slot, [...(batches.get(slot) ?? []), queuedJob]);
    }
    for (const [slot, batch] of batches) {
      if (slot.pending.size === 0) slot.worker.ref();
      for (const { id, waiter } of batch) slot.pending.add(id, waiter);
      slot.worker.postMessage(batch.map(({ id, job }) => ({ id, job })));
    }
  };

  return {
    get healthy() {
      return healthy;
    },
    get size() {
      return slots.length;
    },
    get ready() {
      let n = 0;
      for (const slot of slots) if (slot.ready) n++;
      return n;
    },
    get backlog() {
      // Answers that arrived while this thread was busy count as answered: taken here, synchronously.
      let n = queued.length;
      for (const slot of slots) {
        for (let m = receiveMessageOnPort(slot.replies); m !== undefined; m = receiveMessageOnPort(slot.replies)) {
          answer(slot, m.message as Reply[]);
        }
        n += slot.pending.size;
      }
      return n;
    },
    parse(job: ParseJob): Promise<ParsedPage> {
      if (!healthy) return Promise.reject(new PoolFailure('parse workers unavailable'));
      const id = nextId++;
      return new Promise<ParsedPage>((resolve, reject) => {
        queued.push({ id, job, waiter: { resolve, reject } });
        if (queued.length >= BATCH) flush();
        else if (!flushing) {
          flushing = true;
          setImmediate(flush);
        }
      });
    },
    async close(): Promise<void> {
      healthy = false;
      flush();
      await Promise.all(slots.map((slot) => {
        slot.worker.removeAllListeners('exit');
        fail(slot, 'scan closed');
        slot.replies.close();
        return slot.worker.terminate();
      }));
    },
  };
}
