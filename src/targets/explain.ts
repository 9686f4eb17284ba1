// `discover(url)`: what `send` would find for one target, and why — for the user whose target got
// `no-endpoint`. It runs the very discovery `send` runs (the arXiv rule, then discoverPage), through a client
// that also remembers what came back on the wire: the final URL after redirects, the status, the type.
import type { Endpoint, Outcome } from '../types.ts';
import type { OptionsInput } from '../options.ts';
import { parseSettings } from '../options.ts';
import type { HttpClient, HttpRequest, HttpResponse } from '../net/types.ts';
import { FetchError } from '../net/types.ts';
import { createClientFor } from '../net/client.ts';
import { createLimiter } from '../net/limiter.ts';
import { DEFAULT_RETRY } from '../net/retry.ts';
import { sleep } from '../net/attempt.ts';
import { createScope } from '../scope.ts';
import { arxivTarget } from './arxiv.ts';
import { discoverPage } from './discover-page.ts';

/** Every setting but `site`; only the network ones, arxivEndpoint, exclude and excludeHosts matter here. */
export type DiscoverOptions = Partial<Omit<OptionsInput, 'site'>>;

export interface DiscoverDeps {
  /** The HTTP client; default: the one `send` builds from the same options. */
  client?: HttpClient;
  signal?: AbortSignal;
}

export interface Fetched {
  /** Where the page was finally served from. */
  finalUrl: string;
  /** Every URL visited before finalUrl, in order. */
  redirects: string[];
  httpStatus: number;
  contentType: string | null;
  /** Bytes read (decompressed); true when cut at the size cap. */
  bytes: number;
  truncated: boolean;
}

export interface DiscoverReport {
  /** The URL asked about. */
  url: string;
  /** What `send` would notify: the URL itself, or an arXiv paper's abs URL. */
  target: string;
  rule: 'arxiv' | 'page';
  arxivId: string | null;
  /** The last answer received, or null (arXiv rule, bad URL, no answer at all). */
  fetched: Fetched | null;
  /** How many requests were made (retries included). */
  requests: number;
  endpoint: Endpoint | null;
  /** Why there is no endpoint: the same status, code and message `send` would report. */
  outcome: Outcome | null;
  /** For people, in order: what was found where, what was skipped and why, what was looked for. */
  notes: string[];
  /** The setting that keeps `send` from ever notifying this target, e.g. 'excludeHosts "x.com"'. */
  excludedBy: string | null;
}

export async function discover(url: string, input: DiscoverOptions = {}, deps: DiscoverDeps = {}): Promise<DiscoverReport> {
  const options = parseSettings(input);
  const excludedBy = createScope(options).excludedBy(url);
  const paper = arxivTarget(url, options.arxivEndpoint);
  if (paper?.kind === 'arxiv') {
    return {
      url, target: paper.url, rule: 'arxiv', arxivId: paper.id, fetched: null, requests: 0,
      endpoint: { protocol: 'trackback', url: paper.endpoint, via: 'arXiv rule' },
      outcome: null,
      notes: [`arXiv paper ${paper.id}: its TrackBack listener follows from the arXiv rule (arxivEndpoint ${options.arxivEndpoint}); no request is made`],
      excludedBy,
    };
  }

  const owned = deps.client === undefined;
  const inner = deps.client ?? createClientFor(options);
  const seen = recording(inner);
  try {
    const found = await discoverPage({
      client: seen.client,
      limit: createLimiter({ concurrency: 1, perHost: 1 }),
      retry: { ...DEFAULT_RETRY, retries: options.retries, maxRetryAfterMs: options.maxRetryAfter },
      now: () => Date.now(),
      sleep,
      ...(deps.signal ? { signal: deps.signal } : {}),
    }, url, options.allowPrivate);
    return {
      url, target: url, rule: 'page', arxivId: null,
      fetched: seen.last, requests: seen.count,
      endpoint: 'endpoint' in found ? found.endpoint : null,
      outcome: 'outcome' in found ? found.outcome : null,
      notes: found.notes,
      excludedBy,
    };
  } finally {
    if (owned) await inner.close();
  }
}

/** Passes requests through and keeps what the last answer said. */
function recording(client: HttpClient): { client: HttpClient; readonly last: Fetched | null; readonly count: number } {
  const seen: { last: Fetched | null; count: number } = { last: null, count: 0 };
  return {
    client: {
      async request(req: HttpRequest): Promise<HttpResponse> {
        seen.count++;
        try {
          const res = await client.request(req);
          seen.last = {
            finalUrl: res.url, redirects: res.redirects, httpStatus: res.status,
            contentType: res.headers['content-type']?.[0] ?? null, bytes: res.body.length, truncated: res.truncated,
          };
          return res;
        } catch (error) {
          if (error instanceof FetchError) seen.last = null; // the last attempt got no answer
          throw error;
        }
      },
      close: () => client.close(),
    },
    get last() {
      return seen.last;
    },
    get count() {
      return seen.count;
    },
  };
}
