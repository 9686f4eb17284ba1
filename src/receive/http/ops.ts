// What an operator's tools ask a `serve` process: /readyz (can it reach its database?) and /metrics in
// Prometheus' text format. Counters are this process's (Prometheus sums them over processes); the queue figures
// are the database's, the same from every process (take max, not sum, over processes).
import type { WorkerEvent } from '../queue/workers.ts';
import type { HttpAnswer, QueueStats, ReceiverStore } from '../types.ts';
import type { Route } from './server.ts';

export interface Counters {
  /** Webmentions acknowledged (202) by this process: durably queued. */
  accepted: number;
  /** Verifications this process's workers finished: the source links (stored), or it does not (refused for good). */
  verified: number;
  rejected: number;
  /** Retryable failures put back with a backoff (or dead-lettered, past the attempts). */
  retried: number;
}

export function newCounters(): Counters {
  return { accepted: 0, verified: 0, rejected: 0, retried: 0 };
}

export function countWorkerEvent(counters: Counters, event: WorkerEvent): void {
  if (event.type === 'done') {
    if (event.verification.ok) counters.verified++;
    else counters.rejected++;
  } else if (event.type === 'retry') {
    counters.retried++;
  }
}

/** Prometheus' text exposition format, version 0.0.4. */
export function renderMetrics(counters: Counters, stats: QueueStats, now: Date): string {
  const lines: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[labels: string, value: number]>) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  metric('linkback_accepted_total', 'counter', 'Notifications acknowledged (202) by this process, each durably queued.', [['', counters.accepted]]);
  metric('linkback_verified_total', 'counter', 'Verifications finished by this process whose source links to the target.', [['', counters.verified]]);
  metric('linkback_rejected_total', 'counter', 'Verifications finished by this process whose source does not link (or is gone, unreadable, refused).', [['', counters.rejected]]);
  metric('linkback_retried_total', 'counter', 'Retryable verification failures of this process, put back with a backoff.', [['', counters.retried]]);
  metric('linkback_jobs', 'gauge', 'Jobs in the database by state (the same from every process).',
    (Object.entries(stats.jobs) as Array<[string, number]>).map(([state, n]) => [`{state="${state}"}`, n]));
  metric('linkback_queue_depth', 'gauge', 'Jobs queued or running (the same from every process).', [['', stats.jobs.queued + stats.jobs.running]]);
  const age = stats.oldestWaiting ? Math.max(0, (now.getTime() - Date.parse(stats.oldestWaiting)) / 1000) : 0;
  metric('linkback_oldest_job_age_seconds', 'gauge', 'Age of the oldest job still queued or running; 0 when none waits.', [['', age]]);
  return `${lines.join('\n')}\n`;
}

const text = (status: number, body: string, type = 'text/plain; charset=utf-8'): HttpAnswer =>
  ({ status, headers: { 'content-type': type }, body });

export interface OpsContext {
  store: ReceiverStore;
  counters: Counters;
  now: () => Date;
  /** A worker-only process has no receiving routes, so no /healthz of theirs: it brings its own. */
  healthz: boolean;
}

export function opsRoutes(context: OpsContext): Route[] {
  const routes: Route[] = [
    {
      method: 'GET',
      path: /^\/readyz$/,
      // Ready when the database answers: a load balancer sends no webmention to a process that could not queue it.
      handle: async () => {
        try {
          await context.store.queueDepth();
          return text(200, 'ready\n');
        } catch {
          // The cause stays out of a public answer (it may name hosts); the process logs its own errors.
          return text(503, 'not ready: the database does not answer\n');
        }
      },
    },
    {
      method: 'GET',
      path: /^\/metrics$/,
      handle: async () => text(200, renderMetrics(context.counters, await context.store.queueStats(), context.now()), 'text/plain; version=0.0.4; charset=utf-8'),
    },
  ];
  if (context.healthz) routes.push({ method: 'GET', path: /^\/healthz$/, handle: () => text(200, 'ok\n') });
  return routes;
}
