// The routes of the two synchronous protocols: POST /<domain>/xmlrpc (Pingback) and POST /<domain>/trackback
// (TrackBack, `?target=` or a path). Same limits as webmention (per client, per source host, a bounded queue) and
// the same durable enqueue; then the request waits for its job's verdict up to the protocol's deadline.
import { acceptPingback, FAULT, pingbackAnswer, pingbackFault } from '../accept/pingback.ts';
import type { PingbackAccept } from '../accept/pingback.ts';
import { acceptTrackback, trackbackAnswer, trackbackError } from '../accept/trackback.ts';
import type { JobWaiters } from '../accept/waiters.ts';
import { clientKey } from '../accept/limits.ts';
import type { HttpAnswer, Received, ReceiverRequest } from '../types.ts';
import type { RouteContext } from './routes.ts';
import { blockedReason } from './routes.ts';
import type { Route } from './server.ts';

/** How long a request waits for its verdict: under the senders' own timeouts (WordPress: 3 s for a pingback, 10 s for a trackback). */
export const ANSWER_WITHIN_MS = { pingback: 2_500, trackback: 8_000 } as const;

export interface SyncContext extends RouteContext {
  waiters: JobWaiters;
  /** Override of ANSWER_WITHIN_MS (tests). */
  answerWithinMs?: Partial<Record<'pingback' | 'trackback', number>>;
}

type Accept = (request: ReceiverRequest, site: string, now: Date) => PingbackAccept;

export function syncRoutes(context: SyncContext): Route[] {
  return [
    {
      method: 'POST',
      path: /^\/([^/]+)\/xmlrpc$/,
      handle: (req, [domain]) => receive(req, domain ?? '', acceptPingback, context, 'pingback',
        (received, result) => pingbackAnswer(received, result), (reason) => pingbackFault(FAULT.accessDenied, reason),
        () => pingbackFault(FAULT.alreadyRegistered, 'The pingback has already been registered.')),
    },
    {
      method: 'POST',
      path: /^\/([^/]+)\/trackback(?:\/.*)?$/,
      handle: (req, [domain]) => receive(req, domain ?? '', acceptTrackback, context, 'trackback',
        (_received, result) => trackbackAnswer(result), (reason) => trackbackError(reason),
        () => trackbackError('There is already a ping from that URL for this post.')),
    },
  ];
}

async function receive(
  req: ReceiverRequest,
  domain: string,
  accept: Accept,
  context: SyncContext,
  protocol: 'pingback' | 'trackback',
  answer: (received: Received, result: Awaited<ReturnType<JobWaiters['wait']>>) => HttpAnswer,
  refuse: (reason: string) => HttpAnswer,
  registered: () => HttpAnswer,
): Promise<HttpAnswer> {
  const sites = await context.directory.originsAt(domain);
  if (sites[0] === undefined) return plain(404, 'no site is received for at this path');
  const now = context.now();
  const limits = await context.directory.limits(sites[0]);
  // Keyed as webmention's limit is (an IPv6 client by its /64), so one client cannot dodge it by changing protocol or address.
  const byClient = await limits.client.take(clientKey(req.clientAddress), now.getTime());
  if (!byClient.ok) return plain(429, 'too many requests from your address', byClient.retryAfterSeconds);
  // With two sites on one host (http and https), the one the target belongs to.
  let claim: PingbackAccept | undefined;
  for (const site of sites) {
    claim = accept(req, site, now);
    if (claim.ok) break;
  }
  if (claim === undefined || !claim.ok) return claim?.answer ?? plain(404, 'no site is received for at this path');
  const { received } = claim;
  const blocked = blockedReason(received, await context.directory.rules(claim.received.site));
  if (blocked !== undefined) return refuse(blocked);
  const bySource = await limits.source.take(new URL(received.source).hostname, now.getTime());
  if (!bySource.ok) return plain(429, `too many ${protocol}s from this source host`, bySource.retryAfterSeconds);
  // Pingback and TrackBack have no updates: a source already registered for this target is answered as such
  // (Pingback's fault 0x30, TrackBack's wording of WordPress, which senders read as "already there") and not
  // fetched again. A deleted one may come back.
  const [known] = await context.store.mentions({ site: received.site, target: received.target, source: received.source, status: ['pending', 'approved', 'spam'], perPage: 1 });
  if (known) return registered();
  if (await context.queueFull()) return plain(503, 'the verification queue is full', 60);
  const job = await context.store.enqueue(received);
  // Waiting before the workers are woken: the verdict cannot come before someone listens for it.
  const verdict = context.waiters.wait(job.id, context.answerWithinMs?.[protocol] ?? ANSWER_WITHIN_MS[protocol]);
  context.queued();
  return answer(received, await verdict);
}

function plain(status: number, message: string, retryAfterSeconds?: number): HttpAnswer {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', ...(retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }) },
    body: `${message}\n`,
  };
}
