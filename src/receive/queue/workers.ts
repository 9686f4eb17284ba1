// Verification workers: each takes a job with a lease, runs the injected verifier under a deadline, and stores
// what it found. A source that never answers costs one worker its deadline, never the server; a worker (or
// process) that dies holding a job loses it when the lease ends, and another takes it again.
import type { Job, ReceiverStore, Received, Verification } from '../types.ts';

/** Fetches and checks one claim; the signal fires at the deadline (or on shutdown). Never rejects on purpose. */
export type Verifier = (received: Received, signal: AbortSignal) => Promise<Verification>;

export type WorkerEvent =
  | { type: 'done'; job: Job; verification: Verification }
  | { type: 'retry'; job: Job; verification: Verification; notBefore: Date }
  | { type: 'error'; error: unknown };

export interface WorkerOptions {
  store: ReceiverStore;
  verify: Verifier;
  count: number;
  /** Deadline of one verification, in ms. */
  deadlineMs: number;
  /** How long a taken job stays a worker's; past it, it is taken again (after a crash). Longer than the deadline; default twice it. */
  leaseMs?: number;
  /** Wait before the next attempt after the n-th retryable failure (1-based; lost leases are not failures). */
  backoffMs?: (attempts: number) => number;
  /** How often an idle worker looks for due jobs (retries come due without a wake-up). */
  pollMs?: number;
  now?: () => Date;
  onEvent?: (event: WorkerEvent) => void;
}

export interface Workers {
  /** A job was enqueued: idle workers look now instead of at their next poll. */
  wake(): void;
  /** Stop taking jobs; abort the verifications in flight and put their jobs back; resolves when all have stopped. */
  stop(): Promise<void>;
}

/** 30 s, 1 min, 2 min … at most 1 h: a source down for a deploy gets a few tries within the hour. */
export function defaultBackoff(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

export function startWorkers(options: WorkerOptions): Workers {
  const now = options.now ?? (() => new Date());
  // Twice the deadline: the race below frees a worker at its deadline, and storing the verdict takes milliseconds.
  const leaseMs = options.leaseMs ?? options.deadlineMs * 2;
  const backoff = options.backoffMs ?? defaultBackoff;
  const pollMs = options.pollMs ?? 1_000;
  const emit = options.onEvent ?? (() => {});
  const stopping = new AbortController();
  let wakeUp: (() => void)[] = [];

  function idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        wakeUp = wakeUp.filter((other) => other !== done);
        resolve();
      };
      const timer = setTimeout(done, pollMs);
      stopping.signal.addEventListener('abort', done);
      wakeUp.push(done);
    });
  }

  async function verifyWithDeadline(received: Received): Promise<Verification> {
    const controller = new AbortController();
    const onStop = () => controller.abort(new Error('the server is stopping'));
    stopping.signal.addEventListener('abort', onStop);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<Verification>((resolve) => {
      const expire = () => resolve({ ok: false, code: 'fetch-failed', reason: `no verdict within ${options.deadlineMs} ms`, retryable: true });
      timer = setTimeout(() => {
        controller.abort(new Error('verification deadline'));
        expire();
      }, options.deadlineMs);
      controller.signal.addEventListener('abort', expire);
    });
    try {
      // The race, not only the signal: a verifier that ignores its signal still frees the worker at the deadline.
      return await Promise.race([
        options.verify(received, controller.signal).catch((error: unknown): Verification => ({
          ok: false, code: 'fetch-failed', reason: `verification failed: ${error instanceof Error ? error.message : String(error)}`, retryable: true,
        })),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
      stopping.signal.removeEventListener('abort', onStop);
    }
  }

  async function work(name: string): Promise<void> {
    while (!stopping.signal.aborted) {
      let job: Job | undefined;
      try {
        job = await options.store.claim(name, now(), leaseMs);
      } catch (error) {
        emit({ type: 'error', error });
      }
      if (!job) {
        await idle();
        continue;
      }
      const verification = await verifyWithDeadline(job.received);
      try {
        if (stopping.signal.aborted) {
          // Cut short by the shutdown, not by the source: back in the queue, due at once, and not counted a failure.
          await options.store.release(job.id, now());
        } else if (!verification.ok && verification.retryable) {
          // Backs off by the failed attempts (this one included): the takes whose lease ran out were not failures.
          const notBefore = new Date(now().getTime() + backoff(job.attempts - job.expiries));
          await options.store.retry(job.id, `${verification.code}: ${verification.reason}`, notBefore);
          emit({ type: 'retry', job, verification, notBefore });
        } else {
          await options.store.complete(job.id, verification, now());
          emit({ type: 'done', job, verification });
        }
      } catch (error) {
        // The job keeps its lease and is taken again when it ends: nothing is lost, at worst verified twice.
        emit({ type: 'error', error });
      }
    }
  }

  const running = Array.from({ length: options.count }, (_, i) => work(`worker-${process.pid}-${i}`));
  return {
    wake() {
      for (const done of [...wakeUp]) done();
    },
    async stop() {
      stopping.abort();
      await Promise.all(running);
    },
  };
}
