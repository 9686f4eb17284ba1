// `linkback serve` as a library call: opens the store, starts the workers and the HTTP server, and closes them in
// order (stop accepting, finish the requests in flight, stop the workers, close the database). Heavy parts (Kysely,
// the SQLite driver) are loaded here on start, so the package's entry point stays cheap for the other commands.
import type { AddressInfo } from 'node:net';
import { openStoreFor } from './store/open.ts';
import { LinkbackError } from '../errors.ts';
import { createClientFor } from '../net/client.ts';
import type { Options } from '../options.ts';
import { countWorkerEvent, newCounters, opsRoutes } from './http/ops.ts';
import { receiverRoutes } from './http/routes.ts';
import { syncRoutes } from './http/sync-routes.ts';
import { createJobWaiters } from './accept/waiters.ts';
import type { Route } from './http/server.ts';
import { createReceiverServer } from './http/server.ts';
import { startWorkers } from './queue/workers.ts';
import type { Verifier, WorkerEvent } from './queue/workers.ts';
import { moderatedStore } from './moderate/apply.ts';
import { createSiteDirectory } from './sites.ts';
import { createQueueBound } from './accept/queue-bound.ts';
import type { WebhookResult } from './publish/webhook.ts';
import type { Mention, ReceiverStore } from './types.ts';

export type ReceiverOptions = Pick<Options,
  | 'sites' | 'port' | 'host' | 'db' | 'database' | 'role' | 'trustProxy' | 'verifyWorkers' | 'verifyTimeout' | 'maxAttempts' | 'maxQueue'
  | 'maxBody' | 'rateClient' | 'rateSource' | 'allowPrivate' | 'timeout' | 'connectTimeout' | 'contact' | 'connectTo'
  | 'adminToken' | 'publicUrl' | 'approve' | 'allowDomains' | 'blockDomains' | 'blockAction' | 'webhook' | 'webhookSecret'>;

export interface ReceiverDeps {
  /** Default: the Postgres database at `options.database` when given, else the SQLite file at `options.db`. */
  store?: ReceiverStore;
  /** Default: fetch the source with the guarded client (timeouts, size cap, SSRF guard) and check it. */
  verify?: Verifier;
  now?: () => Date;
  /** Extra routes (the other protocols, the read API), after the built-in ones. */
  routes?: (store: ReceiverStore) => Route[];
  onWorkerEvent?: (event: WorkerEvent) => void;
  /** How often idle workers look for due jobs without being woken (default 1 s; tests make it long). */
  pollMs?: number;
  onError?: (error: unknown) => void;
  /** The outcome of each webhook call (--webhook), for the log. */
  onWebhook?: (result: WebhookResult) => void;
}

export interface Receiver {
  /** http://host:port, with the port actually bound (port 0 picks one). */
  url: string;
  port: number;
  store: ReceiverStore;
  close(): Promise<void>;
}

export async function startReceiver(options: ReceiverOptions, deps: ReceiverDeps = {}): Promise<Receiver> {
  // With an admin token, sites may come from the admin API (a hosted receiver starts with none).
  if (options.sites.length === 0 && !options.adminToken) {
    throw new LinkbackError('USAGE', 'no site to receive for: give its origin, e.g. --site https://blog.example.org (repeatable), or an --admin-token to add sites through the admin API');
  }
  // `web` and `worker` processes may share one SQLite file on one machine: its writes are BEGIN IMMEDIATE with a
  // busy_timeout (store.ts), so they take turns. Not an in-memory database: another process cannot see it. (A file
  // on a network filesystem would be wrong too, as SQLite's locks do not hold there, but that cannot be detected.)
  if (options.role !== 'all' && options.database === null && !deps.store && options.db === ':memory:') {
    throw new LinkbackError('USAGE', `--role ${options.role} needs a database another process can open: a SQLite file (--db), not :memory:, or --database postgres://…`);
  }
  const now = deps.now ?? (() => new Date());
  // A pool per process: the verification workers and the requests in flight, plus a few for the read API.
  const opened = deps.store ?? await openStoreFor({ ...options, poolSize: options.verifyWorkers + 10, ...(deps.onError ? { onError: deps.onError } : {}) });
  const client = deps.verify ? undefined : createClientFor(options);
  // Each newly approved mention (by the rules after verification, or by a moderator) goes to the webhook.
  const hookClient = options.webhook ? createClientFor(options) : undefined;
  // Loaded on start, like the verifier: the sanitiser and the feed writer are for serve only.
  const { publishRoutes } = await import('./publish/routes.ts');
  const webhook = options.webhook && hookClient
    ? (await import('./publish/webhook.ts')).createWebhook({ url: options.webhook, client: hookClient, ...(options.webhookSecret ? { secret: options.webhookSecret } : {}) })
    : undefined;
  const onApproved = (mention: Mention) => {
    if (webhook) void webhook.notify(mention).then((result) => deps.onWebhook?.(result));
  };
  // The configured sites and the admin API's, each with its settings over the server's (read from the database,
  // so a site another process added is served here too).
  const directory = createSiteDirectory(opened, options, () => now().getTime());
  // The workers store verifications through this: each verified mention is moderated by its site's rules.
  const store = moderatedStore(opened, (site) => directory.rules(site), onApproved);
  // Loaded here, not at the top: the parsers and the sanitiser are for serve only, not every command's cold start.
  const verifySource = deps.verify ? undefined : (await import('./verify/index.ts')).verifySource;
  const verify: Verifier = deps.verify ?? ((received, signal) => verifySource!(received, { client: client!, signal }));
  try {
    await store.ensureSites(options.sites);
  } catch (error) {
    await store.close();
    await client?.close();
    await hookClient?.close();
    throw error;
  }
  // Pingback and TrackBack answer with the verdict: their requests wait on the workers' events (accept/waiters.ts).
  const waiters = createJobWaiters();
  const counters = newCounters();
  const onWorkerEvent = deps.onWorkerEvent;
  // Jobs queued by other processes wake the workers at once where the database can say so (Postgres: LISTEN);
  // listening before the workers start, so that no job queued after their first look waits for the poll.
  let wake = () => {};
  const watch = options.role === 'web' || !store.watchJobs ? undefined
    : await store.watchJobs(() => wake(), (error) => deps.onError?.(error));
  // A web process starts no worker (its jobs are verified by the worker processes on the same database).
  const workers = startWorkers({
    store, verify, count: options.role === 'web' ? 0 : options.verifyWorkers, deadlineMs: options.verifyTimeout, now,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    onEvent: (event) => {
      waiters.event(event);
      countWorkerEvent(counters, event);
      onWorkerEvent?.(event);
    },
  });
  wake = () => workers.wake();
  // A monotonic clock, not the injected one: how often the queue is counted is about cost, not behaviour.
  const bound = createQueueBound(() => store.queueDepth(), options.maxQueue, () => performance.now());
  const context = {
    store, sites: options.sites, directory, now,
    queueFull: () => bound.full(),
    queued: () => {
      bound.added();
      counters.accepted++;
      workers.wake();
    },
  };
  const routes = [
    // A worker process answers only the operations routes; the web routes are for `all` and `web`.
    ...(options.role === 'worker' ? [] : [
      ...receiverRoutes(context),
      ...syncRoutes({ ...context, waiters }),
      ...publishRoutes({ store, adminToken: options.adminToken, now, onApproved, sitesChanged: () => directory.forget(), ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}) }),
      ...(deps.routes?.(store) ?? []),
    ]),
    ...opsRoutes({ store, counters, now, healthz: options.role === 'worker' }),
  ];
  const server = createReceiverServer({ routes, maxBody: options.maxBody, trustProxy: options.trustProxy, ...(deps.onError ? { onError: deps.onError } : {}) });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (cause) {
    await watch?.close();
    await workers.stop();
    await store.close();
    await client?.close();
    await hookClient?.close();
    throw new LinkbackError('LISTEN_FAILED', `cannot listen on ${options.host}:${options.port}: ${(cause as Error).message}`, { cause });
  }
  const port = (server.address() as AddressInfo).port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    store,
    close() {
      closing ??= (async () => {
        // Stop accepting; requests in flight finish (their enqueue commits) before the database closes.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
        await watch?.close();
        await workers.stop();
        await store.close();
        await client?.close();
        await hookClient?.close();
      })();
      return closing;
    },
  };
}
