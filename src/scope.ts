// What one run covers, from the settings: which built files are read as posts (includePaths /
// excludePaths, on the file's path inside the site folder), which targets may ever be notified
// (excludeHosts), and which pairs this one run handles (only). The URL `exclude` list is applied by
// resolveTargets, to links as written.
// Pure: settings in, predicates out.
import { globToRegExp } from './targets/resolve.ts';

export interface ScopeSettings {
  exclude: readonly string[];
  excludeHosts: readonly string[];
  includePaths: readonly string[];
  excludePaths: readonly string[];
  only: readonly string[];
}

export interface Scope {
  /** Is the post in this file (site-relative, POSIX separators) a source in this run? (includePaths, excludePaths) */
  source(file: string): boolean;
  /** May this target ever be notified? (excludeHosts; a setting, like `exclude`: the target is not one at all) */
  target(url: string): boolean;
  /** Is this pair part of this run? (--only: a limit for one run, not a setting of the site) */
  only(source: string, target: string): boolean;
  /** True when the run leaves out some pairs on purpose (--only): posts gone from the site wait for a full run. */
  readonly partial: boolean;
  /** Which setting keeps `target` from ever being notified, for people ('exclude "…"'), or null. */
  excludedBy(target: string): string | null;
}

export function createScope(settings: ScopeSettings): Scope {
  const include = settings.includePaths.map(pathGlobToRegExp);
  const excludePaths = settings.excludePaths.map(pathGlobToRegExp);
  const exclude = settings.exclude.map((glob) => ({ glob, re: globToRegExp(glob) }));
  const excludeHosts = settings.excludeHosts.map((glob) => ({ glob, re: globToRegExp(glob) }));
  const only = settings.only.map(globToRegExp);

  const hostExclusion = (target: string): string | null => {
    const host = hostOf(target);
    if (host === null) return null;
    const hit = excludeHosts.find((h) => h.re.test(host));
    return hit ? `excludeHosts "${hit.glob}"` : null;
  };

  return {
    source: (file) => (include.length === 0 || include.some((re) => re.test(file))) && !excludePaths.some((re) => re.test(file)),
    // Asked for every target of every post: without excludeHosts, nothing to parse (a URL parse per target).
    target: excludeHosts.length === 0 ? () => true : (url) => hostExclusion(url) === null,
    only: (source, target) => only.length === 0 || only.some((re) => re.test(source) || re.test(target)),
    partial: only.length > 0,
    excludedBy: (target) => {
      const hit = exclude.find((e) => e.re.test(target));
      return hit ? `exclude "${hit.glob}"` : hostExclusion(target);
    },
  };
}

/**
 * A glob on a site-relative path, anchored at both ends: `**` matches any number of folders (or none), `*`
 * and `?` stay within one folder, a trailing "/" means everything under that folder. Case-sensitive, as
 * paths on the server usually are.
 */
export function pathGlobToRegExp(glob: string): RegExp {
  const pattern = glob.replace(/^\.?\/+/, '').replace(/\/$/, '/**');
  let body = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i] as string;
    if (char === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      // "**/" is zero or more whole folders; a lone "**" is anything at all.
      body += slash ? '(?:[^/]*/)*' : '.*';
      i += slash ? 2 : 1;
    } else if (char === '*') {
      body += '[^/]*';
    } else if (char === '?') {
      body += '[^/]';
    } else {
      body += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${body}$`);
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
}
