// Parsing pages on worker threads: the main thread walks, reads and hashes (so the incremental re-run
// still skips an unchanged page before anything parses it), the workers decode, parse, classify and build
// the posts. A page travels as a copy of its bytes (not transferred), so that if a worker dies the main
// thread can still read the page itself.

import { availableParallelism } from 'node:os';
import { setImmediate } from 'node:timers';
import { Worker } from 'node:worker_threads';
import type { SiteContext } from './post.ts';
import type { ScannedPage, SiteOptions, SiteWarning } from './types.ts';

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
}

export interface ParsePool {
  /** Rejects with PoolFailure when the worker died: the caller parses the page itself. */
  parse(job: ParseJob): Promise<ParsedPage>;
  /** False once a worker died: the rest of the scan runs on the main thread. */
  readonly healthy: boolean;
  close(): Promise<void>;
}

export class PoolFailure extends Error {
  override name = 'PoolFailure';
}

/** Worker threads for a scan: `requested` when given, else one per core (none on a single core). */
export function poolSize(requested: number | undefined): number {
  if (requested !== undefined) return Math.max(1, Math.floor(requested));
  return Math.min(availableParallelism(), 8);
}

export function toWorkerSetup(options: SiteOptions, site: SiteContext): WorkerSetup {
  return { options, site: { ...site, siteBase: site.siteBase?.href ?? null, homeBase: site.homeBase?.href ?? null } };
}

export function fromWorkerSetup(setup: WorkerSetup['site']): SiteContext {
  return {
    ...setup,
    siteBase: setup.siteBase === null ? null : new URL(setup.siteBase),
    homeBase: setup.homeBase === null ? null : new URL(setup.homeBase),
  };
}

type Reply = { id: number; parsed: ParsedPage } | { id: number; error: string };

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
  pending: Map<number, Waiter>;
}

/**
 * The worker script: dist/site/worker.js when linkback runs built. From the TypeScript sources (tests,
 * `tsx`), a worker does not inherit tsx's loader (tsx issue #354), so it registers it before importing
 * worker.ts; where tsx cannot be found this throws and the pool is not used.
 */
function startWorker(setup: WorkerSetup): Worker {
  // A page's garbage dies young: V8 would grow each worker's young generation to 48 MB under this
  // allocation rate, and the process's peak RSS with it (measured: 225 MB at 50,000 posts; 8 MB: 175 MB,
  // no slower).
  const options = { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: 8 } };
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./worker.js', import.meta.url), options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const script = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(code, { ...options, eval: true });
}

/**
 * Jobs asked for in the same turn of the event loop go out together, a batch per worker: one message
 * each way per batch instead of per page (every message wakes the other thread, and on a busy machine
 * a wake-up can cost more than the page).
 */
export function createParsePool(size: number, setup: WorkerSetup): ParsePool {
  let healthy = true;
  let nextId = 0;
  const slots: Slot[] = [];
  let queued: Queued[] = [];
  let flushing = false;

  const fail = (slot: Slot, reason: string): void => {
    healthy = false;
    for (const { reject } of slot.pending.values()) reject(new PoolFailure(reason));
    slot.pending.clear();
  };

  for (let i = 0; i < size; i++) {
    let worker: Worker;
    try {
      worker = startWorker(setup);
    } catch {
      // Cannot start threads here (see startWorker): the scan reads every page on the calling thread.
      healthy = false;
      break;
    }
    // An idle worker must not keep the process alive; a busy one must (see flush()).
    worker.unref();
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (replies: Reply[]) => {
      for (const reply of replies) {
        const waiting = slot.pending.get(reply.id);
        if (!waiting) continue;
        slot.pending.delete(reply.id);
        if ('parsed' in reply) waiting.resolve(reply.parsed);
        else waiting.reject(new Error(reply.error));
      }
      if (slot.pending.size === 0) worker.unref();
    });
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
    // Each job to the worker with the least work waiting, then one message per worker.
    const batches = new Map<Slot, Queued[]>();
    for (const queuedJob of jobs) {
      let slot = slots[0] as Slot;
      const load = (s: Slot) => s.pending.size + (batches.get(s)?.length ?? 0);
      for (const s of slots) if (load(s) < load(slot)) slot = s;
      batches.set(slot, [...(batches.get(slot) ?? []), queuedJob]);
    }
    for (const [slot, batch] of batches) {
      if (slot.pending.size === 0) slot.worker.ref();
      for (const { id, waiter } of batch) slot.pending.set(id, waiter);
      slot.worker.postMessage(batch.map(({ id, job }) => ({ id, job })));
    }
  };

  return {
    get healthy() {
      return healthy;
    },
    parse(job: ParseJob): Promise<ParsedPage> {
      if (!healthy) return Promise.reject(new PoolFailure('parse workers unavailable'));
      const id = nextId++;
      return new Promise<ParsedPage>((resolve, reject) => {
        queued.push({ id, job, waiter: { resolve, reject } });
        if (!flushing) {
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
        return slot.worker.terminate();
      }));
    },
  };
}
