// The state format's name and version, and how a file of an older version is brought up to it. Each step reads
// the older document as it was written then (its own schema, never today's), and throws a MigrationProblem
// for input it cannot read.
import { z } from 'zod';
import type { OutcomeCode } from '../types.ts';
import { corrupt, describeIssues } from './problems.ts';

export const STATE_FORMAT = 'linkback-state';
export const STATE_VERSION = 1;

// MIGRATIONS[n] turns a version-n document into a version-(n + 1) document; it throws a MigrationProblem for
// input it cannot read. The store backs the original file up as state.json.bak-v<n> before rewriting it.

class MigrationProblem extends Error {}

const v0EntrySchema = z.object({
  status: z.enum(['sent', 'failed', 'no-endpoint']),
  protocol: z.enum(['webmention', 'pingback', 'trackback']).nullable().optional(),
  endpoint: z.string().min(1).nullable().optional(),
  at: z.iso.datetime({ offset: true }),
  message: z.string().optional(),
});

const V0_CODES = { sent: 'ok', failed: 'rejected', 'no-endpoint': 'no-endpoint' } as const satisfies Record<string, OutcomeCode>;

function fromVersion0(doc: unknown): unknown {
  const entries = Object.entries(doc as Record<string, unknown>);
  const notifications = entries.map(([key, value]) => {
    const space = key.indexOf(' ');
    if (space <= 0 || space === key.length - 1) throw new MigrationProblem(`key ${JSON.stringify(key)}: expected "<source> <target>"`);
    const result = v0EntrySchema.safeParse(value);
    if (!result.success) throw new MigrationProblem(`key ${JSON.stringify(key)}: ${describeIssues(result.error)}`);
    const old = result.data;
    return {
      source: key.slice(0, space),
      target: key.slice(space + 1),
      protocol: old.protocol ?? null,
      endpoint: old.endpoint ?? null,
      status: old.status,
      code: V0_CODES[old.status],
      message: old.message ?? 'recorded by state version 0',
      at: old.at,
      attempts: old.status === 'no-endpoint' ? 0 : 1,
      // Version 0 kept no detail on why a notification failed, so only --retry-failed sends it again.
      retryable: false,
    };
  });
  return { format: STATE_FORMAT, version: 1, posts: [], notifications };
}

const MIGRATIONS: ReadonlyMap<number, (doc: unknown) => unknown> = new Map([[0, fromVersion0]]);

/** Brings a document of `version` up to STATE_VERSION, one step at a time (./format.ts then reads it). */
export function migrate(doc: unknown, version: number, file: string): unknown {
  let current = doc;
  for (let v = version; v < STATE_VERSION; v++) {
    const step = MIGRATIONS.get(v);
    if (!step) throw corrupt(file, null, `state version ${v} cannot be read by this linkback`);
    try {
      current = step(current);
    } catch (error) {
      if (error instanceof MigrationProblem) throw corrupt(file, null, `state version ${v}: ${error.message}`);
      throw error;
    }
  }
  return current;
}
