// What a generator integration accepts: the library's options (the same zod schema, so a typo is reported the
// same way as in a config file) minus `site` — the generator knows its output folder — plus a few switches of
// its own, all booleans that default to off.
import { LinkbackError } from '../errors.ts';
import type { OptionsInput } from '../options.ts';
import { parseLayer } from '../options.ts';

/** The library's options without `site`. */
export type LibraryOptions = Omit<OptionsInput, 'site'>;

/** Options of every integration. */
export interface IntegrationOptions extends LibraryOptions {
  /**
   * Fail the build when a notification failed or linkback could not run (state locked or unusable ...).
   * Default false: the build succeeds and the problems are logged; the next build retries what may be retried.
   */
  failOnError?: boolean;
}

/**
 * Validates at configuration time, so a typo stops the build at once rather than after it.
 * Throws LinkbackError('CONFIG_INVALID') naming the key and `origin`.
 */
export function splitOptions<Own extends Record<string, boolean>>(
  input: unknown,
  defaults: Own,
  origin: string,
): { library: LibraryOptions; own: Own } {
  if (input === undefined || input === null) return { library: {}, own: { ...defaults } };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new LinkbackError('CONFIG_INVALID', `invalid ${origin}: expected an object of options`);
  }
  const given = input as Record<string, unknown>;
  if ('site' in given) {
    throw new LinkbackError('CONFIG_INVALID', `invalid ${origin}: "site" is not an option here: linkback reads the folder the generator builds`);
  }
  const own: Record<string, boolean> = { ...defaults };
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(given)) {
    if (!(key in defaults)) {
      rest[key] = value;
      continue;
    }
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw new LinkbackError('CONFIG_INVALID', `invalid ${origin}: "${key}" must be true or false`);
    own[key] = value;
  }
  return { library: parseLayer(rest, origin), own: own as Own };
}
