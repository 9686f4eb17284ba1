// The receiver's route table: adding an endpoint is one line here. Paths follow webmention.io's, so a site moves
// from it by changing the host in its <link> tags: /<domain>/webmention, /<domain>/xmlrpc, /<domain>/trackback.
import { acceptWebmention, badRequest } from '../accept/webmention.ts';
import { clientKey } from '../accept/limits.ts';
import type { SiteDirectory } from '../sites.ts';
import { screen, sourceDomain } from '../moderate/index.ts';
import type { ModerationRules } from '../moderate/index.ts';
import type { HttpAnswer, Job, Received, ReceiverRequest, ReceiverStore } from '../types.ts';
import type { Route } from './server.ts';

export interface RouteContext {
  store: ReceiverStore;
  /** The configured origins (--site): the short /webmention path is for the one site configured alone. */
  sites: readonly string[];
  /** The origins received for now (configured or added by the admin API), and each one's limits. */
  directory: SiteDirectory;
  /** Called after a job is durably queued: wakes an idle worker, counts it against the bound. */
  queued: () => void;
  /** The bounded queue (--max-queue): accept/queue-bound.ts. */
  queueFull: () => Promise<boolean>;
  now: () => Date;
}

/** Why a claim is refused before it is queued (its source domain is blocked), or undefined. */
export function blockedReason(received: Pick<Received, 'source'>, rules: ModerationRules): string | undefined {
  return screen(received, rules) === 'refuse' ? `the source domain ${sourceDomain(received.source)} is blocked on this site` : undefined;
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): HttpAnswer =>
  ({ status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: `${JSON.stringify(value)}\n` });

export function receiverRoutes(context: RouteContext): Route[] {
  const webmention = (sites: readonly string[]) => (req: ReceiverRequest) => receiveWebmention(req, sites, context);
  const routes: Route[] = [
    { method: 'GET', path: /^\/healthz$/, handle: () => json(200, { ok: true }) },
    { method: 'GET', path: /^\/status\/(\d{1,15})$/, handle: (_req, [id]) => jobStatus(context.store, Number(id)) },
    {
      method: 'POST', path: /^\/([^/]+)\/webmention$/,
      handle: async (req, [domain]) => webmention(await context.directory.originsAt(domain ?? ''))(req),
    },
    // POST /<domain>/xmlrpc (Pingback) and /<domain>/trackback (TrackBack) answer synchronously: ./sync-routes.ts.
  ];
  // The short path is unambiguous only when there is one site (webmention.io has no such path; many receivers do).
  // (While the admin API has not removed it.)
  if (context.sites.length === 1) {
    routes.push({
      method: 'POST', path: /^\/webmention$/,
      handle: async (req) => webmention((await context.directory.origins()).filter((origin) => context.sites.includes(origin)))(req),
    });
  }
  return routes;
}

async function receiveWebmention(req: ReceiverRequest, sites: readonly string[], context: RouteContext): Promise<HttpAnswer> {
  if (sites[0] === undefined) return badRequest('no site is received for at this path', 404);
  const now = context.now();
  // Two sites on one host (http and https) share the first one's limits.
  const limits = await context.directory.limits(sites[0]);
  const byClient = await limits.client.take(clientKey(req.clientAddress), now.getTime());
  if (!byClient.ok) return tooMany(429, byClient.retryAfterSeconds, 'too many requests from your address');
  const claim = acceptWebmention(req, { sites, now });
  if (!claim.ok) return claim.answer;
  // A blocked source domain (the site's rules over the server's) is refused before anything is queued or fetched.
  const blocked = blockedReason(claim.received, await context.directory.rules(sites[0]));
  if (blocked !== undefined) return badRequest(blocked);
  const bySource = await limits.source.take(new URL(claim.received.source).hostname, now.getTime());
  if (!bySource.ok) return tooMany(429, bySource.retryAfterSeconds, 'too many webmentions from this source host');
  // A bounded queue: under a flood, say "later" rather than let the disk and the backlog grow without end.
  if (await context.queueFull()) return tooMany(503, 60, 'the verification queue is full');
  const job = await context.store.enqueue(claim.received);
  context.queued();
  return {
    status: 202,
    headers: { 'content-type': 'text/plain; charset=utf-8', location: `/status/${job.id}` },
    body: `accepted: it will be verified; its status is at /status/${job.id}\n`,
  };
}

function tooMany(status: 429 | 503, seconds: number, message: string): HttpAnswer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': String(seconds) }, body: `${message}\n` };
}

/** What became of a job, for the sender: queued, verified, rejected (why), deleted. No source or content: ids are guessable. */
export function describeJob(job: Job): { id: number; state: Job['state']; result?: string; reason?: string } {
  const base = { id: job.id, state: job.state };
  if (job.state === 'queued' || job.state === 'running') return { ...base, result: 'pending' };
  if (job.state === 'dead') return { ...base, result: 'rejected', ...(job.lastError ? { reason: job.lastError } : {}) };
  if (job.lastError === undefined) return { ...base, result: 'verified' };
  const deleted = job.mentionId !== undefined;
  return { ...base, result: deleted ? 'deleted' : 'rejected', reason: job.lastError };
}

async function jobStatus(store: ReceiverStore, id: number): Promise<HttpAnswer> {
  const job = await store.job(id);
  return job ? json(200, describeJob(job)) : json(404, { error: 'no such job' });
}
