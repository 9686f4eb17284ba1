// Wakes this process's workers when any process queues a job on the Postgres database: every enqueue sends NOTIFY
// on commit (store.ts), and this holds one connection of its own (outside the pool: a pooled connection goes back
// and forgets its LISTEN) that listens for it. A lost connection is reopened after a pause; on each reconnection the
// workers are woken once, for the notifications sent while nobody listened. The workers' poll stays as the floor.
import pg from 'pg';
import type { JobWatch } from '../types.ts';
import { JOBS_CHANNEL } from './store.ts';

export interface JobListenerOptions {
  url: string;
  onJob: () => void;
  onError?: (error: unknown) => void;
  /** The first pause before reconnecting, doubled on each failure up to 30 s. Default 1 s. */
  retryMs?: number;
}

/** Shown in pg_stat_activity: an operator (or a test) can tell the listener from the pool's connections. */
export const LISTENER_NAME = 'linkback-listen';

const MAX_RETRY_MS = 30_000;

export async function listenForJobs(options: JobListenerOptions): Promise<JobWatch> {
  const firstRetryMs = options.retryMs ?? 1_000;
  let retryMs = firstRetryMs;
  let current: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function lost(client: pg.Client, error?: unknown): void {
    if (error !== undefined && !closed) {
      const message = error instanceof Error ? error.message : String(error);
      options.onError?.(new Error(`listening for new jobs: ${message} (reconnecting; the workers poll meanwhile)`, { cause: error }));
    }
    if (client !== current || closed) return;
    current = undefined;
    void client.end().catch(() => undefined);
    timer = setTimeout(() => void connect(true), retryMs);
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }

  async function connect(again: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: options.url, application_name: LISTENER_NAME });
    current = client;
    // Both can come for one loss (an error, then the end): lost() acts on the first only.
    client.on('error', (error) => lost(client, error));
    client.on('end', () => lost(client));
    client.on('notification', () => options.onJob());
    try {
      await client.connect();
      await client.query(`LISTEN ${JOBS_CHANNEL}`);
    } catch (error) {
      lost(client, error);
      return;
    }
    if (closed) return;
    retryMs = firstRetryMs;
    if (again) options.onJob();
  }

  await connect(false);
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      const client = current;
      current = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}
