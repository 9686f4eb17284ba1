// Where settings come from besides flags: a config file found upward from the working folder, and
// LINKBACK_* environment variables. Every layer goes through the one schema (options.ts), and a bad value
// is reported with the key and where it came from (the file, or the variable). Precedence: config < env < flags.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LinkbackError } from './errors.ts';
import type { OptionsInput } from './options.ts';
import { DEFAULTS, mergeLayers, optionsSchema, parseLayer } from './options.ts';
import { closest } from './suggest.ts';

/** Looked for in this order in each folder, from the working folder up; then package.json's "linkback" key. */
export const CONFIG_FILES = ['linkback.config.json', 'linkback.config.mjs', 'linkback.config.js'] as const;

/** Settings for a config file, typed by the schema: `export default defineConfig({ siteUrl: … })`. */
export function defineConfig(config: Partial<OptionsInput>): Partial<OptionsInput> {
  return config;
}

export interface ConfigLayer {
  /** The file the values came from (package.json for its "linkback" key), or null when there is none. */
  file: string | null;
  /** How messages name it: the path, plus ' ("linkback" key)' for package.json. */
  label: string | null;
  values: Partial<OptionsInput>;
}

/** The nearest config (or `explicit`); its relative `site` and `state` are resolved against its folder. */
export async function loadConfig(cwd: string, explicit?: string): Promise<ConfigLayer> {
  const found = explicit ? { file: resolve(cwd, explicit), packageKey: false } : findConfig(cwd);
  if (!found) return { file: null, label: null, values: {} };
  const { file, packageKey } = found;
  if (explicit && !existsSync(file)) throw new LinkbackError('USAGE', `config file not found: ${file}`);
  const label = packageKey ? `${file} ("linkback" key)` : file;
  const raw = await readConfig(file, packageKey, label);
  const values = parseLayer(raw, `config ${label}`);
  resolvePaths(values as Record<string, unknown>, dirname(file));
  return { file, label, values };
}

/** Settings that name a file; feed and sitemap may be a URL instead, which stays as it is. */
const PATH_KEYS = ['site', 'state', 'feed', 'sitemap', 'db'];

function resolvePaths(values: Record<string, unknown>, base: string): void {
  for (const key of PATH_KEYS) {
    const value = values[key];
    if (typeof value === 'string' && !/^https?:\/\//i.test(value)) values[key] = resolve(base, value);
  }
}

function findConfig(cwd: string): { file: string; packageKey: boolean } | null {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_FILES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return { file: candidate, packageKey: false };
    }
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed = JSON.parse(readFileSync(pkg, 'utf8')) as unknown;
        if (parsed !== null && typeof parsed === 'object' && 'linkback' in parsed) return { file: pkg, packageKey: true };
      } catch {
        // A broken package.json is not ours to report; keep looking upward.
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

async function readConfig(file: string, packageKey: boolean, label: string): Promise<unknown> {
  let raw: unknown;
  try {
    if (packageKey) raw = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>).linkback;
    else if (file.endsWith('.json')) raw = JSON.parse(readFileSync(file, 'utf8'));
    else raw = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
  } catch (cause) {
    throw new LinkbackError('CONFIG_INVALID', `cannot read config ${label}: ${(cause as Error).message}`, { cause });
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const what = packageKey ? 'the "linkback" key must be an object' : file.endsWith('.json') ? 'expected a JSON object' : 'expected `export default { … }`';
    throw new LinkbackError('CONFIG_INVALID', `invalid config ${label}: ${what}`);
  }
  return raw;
}

/** Names the config file instead of searching for one (not a setting: it says where settings are). */
export const CONFIG_ENV = 'LINKBACK_CONFIG';

/**
 * LINKBACK_SITE_URL=… -> { siteUrl: … }. Values are converted to the type the schema expects (see
 * fromString); an empty variable counts as unset, as CI systems set empty ones for missing secrets.
 */
export function envLayer(env: Record<string, string | undefined>): Partial<OptionsInput> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('LINKBACK_') || name === CONFIG_ENV || value === undefined || value === '') continue;
    const key = envKey(name);
    if (kindOf(key) === null) {
      const near = closest(name, Object.keys(optionsSchema.shape).map(envName));
      throw new LinkbackError('CONFIG_INVALID', `unknown environment variable ${name}${near ? ` (did you mean ${near}?)` : ''}`);
    }
    // One variable at a time, so that the message names the variable.
    Object.assign(out, parseLayer({ [key]: fromString(key, value) }, `environment variable ${name}`));
  }
  return out as Partial<OptionsInput>;
}

/** LINKBACK_SITE_URL -> siteUrl */
function envKey(name: string): string {
  return name.slice('LINKBACK_'.length).toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** siteUrl -> LINKBACK_SITE_URL */
export function envName(key: string): string {
  return `LINKBACK_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

type Kind = 'boolean' | 'number' | 'list' | 'map' | 'text';

/** What a setting holds, read off the schema itself, so that every key added there converts right. */
export function kindOf(key: string): Kind | null {
  if (!Object.hasOwn(optionsSchema.shape, key)) return null;
  let def = (optionsSchema.shape as Record<string, { def: { type: string; innerType?: { def: unknown } } }>)[key]?.def;
  while (def) {
    switch (def.type) {
      case 'default':
      case 'nullable':
      case 'optional':
        def = def.innerType?.def as typeof def | undefined;
        continue;
      case 'boolean':
        return 'boolean';
      case 'number':
        return 'number';
      case 'array':
        return 'list';
      case 'record':
        return 'map';
      default:
        return 'text';
    }
  }
  return 'text';
}

/**
 * Turns a flag or environment string into the schema's type: "1/true/yes", "0/false/no"; digits; lists
 * separated by commas; "host=addr:port" pairs. Text that does not convert is passed on unchanged, so the
 * schema rejects it with a message naming the key.
 */
export function fromString(key: string, value: string): unknown {
  switch (kindOf(key)) {
    case 'boolean':
      if (/^(1|true|yes)$/i.test(value)) return true;
      if (/^(0|false|no)$/i.test(value)) return false;
      return value;
    case 'number':
      return /^\d+$/.test(value.trim()) ? Number(value) : value;
    case 'list':
      return value.split(',').map((s) => s.trim()).filter(Boolean);
    case 'map': {
      const pairs = value.split(',').filter((s) => s.trim() !== '');
      return key === 'hosts' ? parseHostIntervals(pairs) : parseConnectTo(pairs);
    }
    default:
      return value;
  }
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
 * "host=ms" pairs (--host-interval, LINKBACK_HOSTS) into the `hosts` setting: { host: { interval: ms } }. A value
 * that is not a number is passed on as it is, so the schema rejects it naming the key.
 */
export function parseHostIntervals(pairs: readonly string[]): Record<string, { interval: unknown }> {
  const out: Record<string, { interval: unknown }> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new LinkbackError('USAGE', `--host-interval wants HOST=MILLISECONDS, got "${pair}"`);
    const ms = pair.slice(at + 1).trim();
    out[pair.slice(0, at).trim().toLowerCase()] = { interval: /^\d+$/.test(ms) ? Number(ms) : ms };
  }
  return out;
}

export interface ResolveInput {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Flag values by setting name; strings (as typed) are converted like environment values. */
  flags: Record<string, unknown>;
  /** --config; else LINKBACK_CONFIG; else the nearest config file. */
  configFile?: string;
}

export interface Resolved {
  /** Merged config < env < flags; relative paths made absolute; `state` always set. */
  options: Partial<OptionsInput>;
  /** The config file used, named for people, or null. */
  config: string | null;
}

/**
 * Every layer, validated and merged. Relative paths resolve against the current folder for flags and
 * the environment, against the file's folder for the config file. The state defaults to
 * .linkback/state.json in the config file's folder (the project), else in the current folder.
 */
export async function resolveLayers(input: ResolveInput): Promise<Resolved> {
  const explicit = input.configFile ?? (input.env[CONFIG_ENV] || undefined);
  const config = await loadConfig(input.cwd, explicit);
  const env = envLayer(input.env);
  const flags: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input.flags)) {
    if (value === undefined) continue;
    flags[key] = typeof value === 'string' ? fromString(key, value) : value;
  }
  for (const layer of [env, flags] as Array<Record<string, unknown>>) resolvePaths(layer, input.cwd);
  const options = mergeLayers(config.values, env, parseLayer(flags, 'command-line flags'));
  options.state ??= resolve(config.file ? dirname(config.file) : input.cwd, DEFAULTS.state);
  options.db ??= resolve(config.file ? dirname(config.file) : input.cwd, DEFAULTS.db);
  return { options, config: config.label };
}

/** resolveLayers for `send`: something to read must be given somewhere. */
export async function resolveOptions(input: ResolveInput): Promise<OptionsInput> {
  const { options } = await resolveLayers(input);
  assertInput(options);
  return options as OptionsInput;
}

/** The first thing a new user may miss, said in the command line's words. */
export function assertInput(options: Partial<OptionsInput>): void {
  if (options.site || options.feed || options.sitemap) return;
  throw new LinkbackError('USAGE', 'missing <site-dir>: the folder your generator built (e.g. _site or public), or --feed / --sitemap');
}
