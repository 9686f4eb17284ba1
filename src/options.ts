// The one options pipeline: exported defaults, one zod schema that validates every source (config file,
// environment, flags, library callers) and rejects unknown keys, and the merge config < env < flags.
// The same schema types the library's options, so the CLI can never accept what the library would not.
import { z } from 'zod';
import { LinkbackError } from './errors.ts';
import { DEFAULT_ARXIV_ENDPOINT } from './targets/arxiv.ts';

export { DEFAULT_ARXIV_ENDPOINT };

const httpUrl = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL');

const positiveInt = z.number().int().positive();

/** Every setting, with its default. Documented in the README's "Options" table. */
export const optionsSchema = z
  .object({
    /** The built site's folder (required for `send`). */
    site: z.string().min(1),
    /** Public base URL the site is served from; null = from the pages' canonical / og:url. */
    siteUrl: httpUrl.nullable().default(null),
    /** The record of sent notifications. */
    state: z.string().min(1).default('.linkback/state.json'),
    /** Overrides og:site_name / the site's title in trackbacks. */
    blogName: z.string().min(1).nullable().default(null),
    /** Discover and report, send nothing, record nothing. */
    dryRun: z.boolean().default(false),
    /** Contact targets that resolve to loopback/private addresses (tests, staging). */
    allowPrivate: z.boolean().default(false),
    /** arXiv trackback listener; `{id}` is replaced by the version-less paper id. */
    arxivEndpoint: z
      .string()
      .refine((value) => value.includes('{id}'), 'must contain {id}')
      .refine((value) => httpUrl.safeParse(value.replace('{id}', '0000.00000')).success, 'must be an http(s) URL template')
      .default(DEFAULT_ARXIV_ENDPOINT),
    /** Requests in flight at once, overall and per host. */
    concurrency: positiveInt.max(256).default(8),
    perHost: positiveInt.max(64).default(2),
    /** Per-request total time budget (connect + answer + body), and the connect part of it, in ms. */
    timeout: positiveInt.max(600_000).default(20_000),
    connectTimeout: positiveInt.max(600_000).default(10_000),
    /** Retries of one request within a run (see README "Retries"). */
    retries: z.number().int().min(0).max(10).default(2),
    /** Upper bound on a 429/503 Retry-After we are willing to wait, in ms. */
    maxRetryAfter: z.number().int().min(0).max(3_600_000).default(120_000),
    /** Re-send, on purpose, pairs whose earlier request may have been delivered / that failed with an answer. */
    retryUncertain: z.boolean().default(false),
    retryFailed: z.boolean().default(false),
    /** Treat undated single pages (About) as posts. */
    includeUndated: z.boolean().default(false),
    /** Selector hints for themes the heuristics miss. */
    postSelector: z.string().min(1).nullable().default(null),
    contentSelector: z.string().min(1).nullable().default(null),
    /** Target URLs never notified (globs, `*` matches anything), e.g. "https://twitter.com/*". */
    exclude: z.array(z.string().min(1)).default([]),
    /** Contact for the User-Agent (a URL or e-mail), so a target's admin can reach the sender. */
    contact: z.string().min(1).nullable().default(null),
    /**
     * Connect to another address for a host name while keeping the URL (curl's --connect-to):
     * { "blog.example": "127.0.0.1:8080", "*": "127.0.0.1:8080" }. For local simulated webs and staging.
     */
    connectTo: z.record(z.string().min(1), z.string().regex(/^[^:\s]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/, 'must be address:port')).default({}),
  })
  .strict();

export type Options = z.output<typeof optionsSchema>;
/** What callers pass: `site` plus any subset of the rest. */
export type OptionsInput = z.input<typeof optionsSchema>;

/** Defaults, for documentation and for callers that want to show them. */
export const DEFAULTS: Omit<Options, 'site'> = optionsSchema.omit({ site: true }).parse({});

/** Validates one layer or the merged whole; `origin` names where the values came from for the message. */
export function parseOptions(input: unknown, origin = 'options'): Options {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error, origin);
  return parsed.data;
}

/** Validates a partial layer (config file, env): known keys, right types, no defaults filled in. */
export function parseLayer(input: unknown, origin: string): Partial<OptionsInput> {
  const parsed = optionsSchema.partial().safeParse(input);
  if (!parsed.success) throw invalid(parsed.error, origin);
  // partial() still applies defaults for absent keys in zod 4; keep only what the layer really set.
  const given = (input ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(given)) out[key] = (parsed.data as Record<string, unknown>)[key];
  return out as Partial<OptionsInput>;
}

/** config < env < flags: later layers win key by key. */
export function mergeLayers(...layers: Array<Partial<OptionsInput> | undefined>): Partial<OptionsInput> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) if (value !== undefined) out[key] = value;
  }
  return out as Partial<OptionsInput>;
}

function invalid(error: z.ZodError, origin: string): LinkbackError {
  const lines = error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') return `unknown option ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    const key = issue.path.join('.') || '(root)';
    return `"${key}" ${issue.message}`;
  });
  return new LinkbackError('CONFIG_INVALID', `invalid ${origin}: ${lines.join('; ')}`, { cause: error });
}
