// Where settings come from besides flags: a config file found upward from the working folder, and
// LINKBACK_* environment variables. Both go through the same schema as flags (options.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LinkbackError } from './errors.ts';
import type { OptionsInput } from './options.ts';
import { DEFAULTS, mergeLayers, optionsSchema, parseLayer } from './options.ts';

const CONFIG_FILES = ['linkback.config.json', 'linkback.config.mjs', 'linkback.config.js'];

export interface ConfigLayer {
  file: string | null;
  values: Partial<OptionsInput>;
}

/** The nearest config file (or package.json "linkback" key) from `cwd` upward; relative paths in it are resolved against its folder. */
export async function loadConfig(cwd: string, explicit?: string): Promise<ConfigLayer> {
  const file = explicit ? resolve(cwd, explicit) : findConfig(cwd);
  if (!file) return { file: null, values: {} };
  if (explicit && !existsSync(file)) throw new LinkbackError('USAGE', `config file not found: ${file}`);
  const raw = await readConfig(file);
  const values = parseLayer(raw, `config ${file}`);
  const base = dirname(file);
  if (typeof values.site === 'string') values.site = resolve(base, values.site);
  if (typeof values.state === 'string') values.state = resolve(base, values.state);
  return { file, values };
}

function findConfig(cwd: string): string | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as Record<string, unknown>;
        if (parsed && typeof parsed === 'object' && 'linkback' in parsed) return `${pkg}#linkback`;
      } catch {
        // A broken package.json is not ours to report; keep looking upward.
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

async function readConfig(file: string): Promise<unknown> {
  try {
    if (file.endsWith('#linkback')) {
      return (JSON.parse(readFileSync(file.slice(0, -'#linkback'.length), 'utf8')) as Record<string, unknown>).linkback;
    }
    if (file.endsWith('.json')) return JSON.parse(readFileSync(file, 'utf8'));
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    return module.default;
  } catch (cause) {
    throw new LinkbackError('CONFIG_INVALID', `cannot read config ${file}: ${(cause as Error).message}`, { cause });
  }
}

/** LINKBACK_SITE_URL=… -> { siteUrl: … }; values are converted by the type the schema expects. */
export function envLayer(env: Record<string, string | undefined>): Partial<OptionsInput> {
  const shape = optionsSchema.shape as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('LINKBACK_') || value === undefined) continue;
    const key = name.slice('LINKBACK_'.length).toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    if (!(key in shape)) throw new LinkbackError('CONFIG_INVALID', `unknown environment variable ${name}`);
    out[key] = fromString(key, value);
  }
  return parseLayer(out, 'environment');
}

const BOOLEAN_KEYS = new Set(['dryRun', 'allowPrivate', 'retryUncertain', 'retryFailed', 'includeUndated']);
const NUMBER_KEYS = new Set(['concurrency', 'perHost', 'timeout', 'connectTimeout', 'retries', 'maxRetryAfter']);

/** Turns a flag or env string into the schema's type; invalid text stays a string so the schema names it. */
export function fromString(key: string, value: string): unknown {
  if (BOOLEAN_KEYS.has(key)) {
    if (/^(1|true|yes)$/i.test(value)) return true;
    if (/^(0|false|no)$/i.test(value)) return false;
    return value;
  }
  if (NUMBER_KEYS.has(key)) return /^\d+$/.test(value) ? Number(value) : value;
  if (key === 'exclude') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (key === 'connectTo') return parseConnectTo(value.split(','));
  return value;
}

/** "host=addr:port" pairs (curl's --connect-to, simplified) into a map. */
export function parseConnectTo(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new LinkbackError('USAGE', `--connect-to wants HOST=ADDRESS:PORT, got "${pair}"`);
    out[pair.slice(0, at).trim().toLowerCase()] = pair.slice(at + 1).trim();
  }
  return out;
}

/**
 * The whole pipeline for a command-line or programmatic caller: config file < LINKBACK_* env < flags.
 * Flag values may be strings (as typed on a command line); they are converted like env values.
 * Relative paths in flags resolve against `cwd`, in the config file against the file's folder.
 */
export async function resolveOptions(input: {
  cwd: string;
  env: Record<string, string | undefined>;
  flags: Record<string, unknown>;
  configFile?: string;
}): Promise<OptionsInput> {
  const config = await loadConfig(input.cwd, input.configFile);
  const flags: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input.flags)) {
    if (value === undefined) continue;
    flags[key] = typeof value === 'string' ? fromString(key, value) : value;
  }
  for (const key of ['site', 'state'] as const) {
    if (typeof flags[key] === 'string') flags[key] = resolve(input.cwd, flags[key]);
  }
  const merged = mergeLayers(config.values, envLayer(input.env), parseLayer(flags, 'command-line flags'));
  if (!merged.site) throw new LinkbackError('USAGE', 'missing <site-dir>: the folder your generator built (e.g. _site or public)');
  merged.state ??= resolve(input.cwd, DEFAULTS.state);
  return merged as OptionsInput;
}
