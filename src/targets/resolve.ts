// Link -> Target: the built-in rules run first (arXiv, without any request to arXiv), everything else is a
// page whose endpoint must be discovered. Two links of one post to the same target make one target.
import type { Target } from '../types.ts';
import { arxivTarget } from './arxiv.ts';

export function resolveTargets(links: readonly string[], arxivEndpoint: string, exclude: readonly RegExp[]): Target[] {
  const byUrl = new Map<string, Target>();
  for (const link of links) {
    if (exclude.some((pattern) => pattern.test(link))) continue;
    const target: Target = arxivTarget(link, arxivEndpoint) ?? { kind: 'page', url: link };
    if (!byUrl.has(target.url)) byUrl.set(target.url, target);
  }
  return [...byUrl.values()];
}

/** `*` matches any run of characters; everything else is literal. Anchored on both ends. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}
