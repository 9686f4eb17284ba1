// What a generator integration accepts: the library's options (the same zod schema, so a typo is reported the
// same way as in a config file) minus `site` — the generator knows its output folder — plus a few switches of
// its own, booleans that default to off and strings that default to '' (off).
//
// Checked in two steps, so that loading a site's build configuration stays cheap (zod and the rest of linkback
// load only when the build starts): `splitOptions` at configuration time checks the shape and the names (a typo
// such as "concurency" stops the configuration at once, with a suggestion); `checkLibraryOptions`, from the
// generator's first hook before anything is built, checks every value with the one schema.
import { LinkbackError } from '../errors.ts';
import type { OptionsInput } from '../options.ts';
import { OPTION_KEYS } from '../option-keys.ts';
import { closest } from '../suggest.ts';

/** The library's options without `site`. */
export type LibraryOptions = Omit<OptionsInput, 'site'>;

/** Options of every integration. */
export interface IntegrationOptions extends LibraryOptions {
  /**
   * Fail the build when a notification failed or linkback could not run (state locked or unusable ...).
   * Default false: the build succeeds and the problems are logged; the next build retries what may be retried.
   */
  failOnError?: boolean;
  /**
   * Where `linkback serve` receives for this site (`https://mentions.example.org`): every page gets
   * `<link rel="webmention">` and `<link rel="pingback">` to it, and each post its TrackBack RDF. Default: off.
   */
  receiver?: string;
}

const KNOWN: ReadonlySet<string> = new Set(OPTION_KEYS);

/**
 * Splits the integration's own switches from the library's options and checks the names (not yet the values:
 * see checkLibraryOptions). Throws LinkbackError('CONFIG_INVALID') naming the key and `origin`.
 */
export function splitOptions<Own extends Record<string, boolean | string>>(
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
  const own: Record<string, boolean | string> = { ...defaults };
  const rest: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(given)) {
    if (!(key in defaults)) {
      if (!KNOWN.has(key)) unknown.push(key);
      rest[key] = value;
      continue;
    }
    if (value === undefined) continue;
    if (typeof defaults[key] === 'string') {
      if (typeof value !== 'string') throw new LinkbackError('CONFIG_INVALID', `invalid ${origin}: "${key}" must be a string`);
    } else if (typeof value !== 'boolean') {
      throw new LinkbackError('CONFIG_INVALID', `invalid ${origin}: "${key}" must be true or false`);
    }
    own[key] = value;
  }
  if (unknown.length > 0) {
    // The wording of the schema's own message (src/options.ts), so a config file and a plugin read alike.
    const named = unknown.map((key) => {
      const near = closest(key, OPTION_KEYS.filter((k) => k !== 'site'));
      return `"${key}"${near ? ` (did you mean "${near}"?)` : ''}`;
    });
    throw new LinkbackError('CONFIG_INVALID', `invalid ${origin}: unknown option ${named.join(', ')}`);
  }
  return { library: rest as LibraryOptions, own: own as Own };
}

/** Checks every value of the library's options with the one schema (loaded now, not with the plugin). */
export async function checkLibraryOptions(library: LibraryOptions, origin: string): Promise<LibraryOptions> {
  const { parseLayer } = await import('../options.ts');
  return parseLayer(library, origin);
}
