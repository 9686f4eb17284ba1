// The admin API for dead-lettered jobs (issue 13): what the moderation page's "Failed jobs" shows and does, as JSON,
// with the admin token as a Bearer token (the same check as sites-api.ts).
//   GET  /admin/api/jobs/dead[?origin=…&limit=…]  -> { jobs: [...], perSite: [{ site, count }] }, the newest first
//   POST /admin/api/jobs/retry  { job: <id> }       -> { requeued: 1 } (404 when that job is not dead)
//   POST /admin/api/jobs/retry  { origin }          -> { requeued: n }, every dead job of the site
// A re-queued job is due at once, its attempts and lease expiries counted afresh; a removed site's jobs stay dead.
import type { HttpAnswer, Job, ReceiverRequest, ReceiverStore } from '../types.ts';
import { adminRefusal, parseOrigin } from './sites-api.ts';

export interface JobsApiContext {
  store: ReceiverStore;
  adminToken?: string;
  now: () => Date;
}

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

const json = (status: number, value: unknown): HttpAnswer =>
  ({ status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }, body: `${JSON.stringify(value)}\n` });

const error = (status: number, message: string) => json(status, { error: message });

const view = (job: Job) => ({
  id: job.id,
  site: job.received.site,
  protocol: job.received.protocol,
  source: job.received.source,
  target: job.received.target,
  receivedAt: job.received.receivedAt,
  attempts: job.attempts,
  expiries: job.expiries,
  lastError: job.lastError ?? null,
  deadAt: job.updatedAt,
});

export async function jobsApi(request: ReceiverRequest, action: 'dead' | 'retry', ctx: JobsApiContext): Promise<HttpAnswer> {
  const refused = adminRefusal(request, ctx.adminToken);
  if (refused) return refused;
  if (action === 'dead') {
    const params = new URL(request.url, 'http://localhost').searchParams;
    const origin = params.get('origin');
    const site = origin === null ? undefined : parseOrigin(origin);
    if (origin !== null && site === undefined) return error(400, 'origin: an http(s) origin, e.g. https://blog.example.org');
    const limit = params.get('limit') === null ? DEFAULT_LIMIT : Number(params.get('limit'));
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) return error(400, `limit: a whole number from 1 to ${MAX_LIMIT}`);
    const dead = await ctx.store.deadJobs({ limit, ...(site === undefined ? {} : { site }) });
    return json(200, { jobs: dead.jobs.map(view), perSite: dead.perSite });
  }
  const body = parseBody(request.body);
  if (body === undefined) return error(400, 'the body is a JSON object: { "job": <id> } or { "origin": "https://…" }');
  if (body.job !== undefined) {
    if (typeof body.job !== 'number' || !Number.isSafeInteger(body.job) || body.job < 1) return error(400, 'job: a job id');
    const requeued = await ctx.store.requeue({ job: body.job }, ctx.now());
    return requeued === 0 ? error(404, 'no such dead job (re-queued already, or its site was removed)') : json(200, { requeued });
  }
  const site = parseOrigin(body.origin);
  if (site === undefined) return error(400, 'give { "job": <id> } or { "origin": "https://…" } (every dead job of that site)');
  return json(200, { requeued: await ctx.store.requeue({ site }, ctx.now()) });
}

function parseBody(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}
