// Sites whose posts link to the pages of the latency web: `perHost` pages on each host, every page linked
// by exactly one post, `linksPerPost` links a post, hosts shuffled so that each post cites several hosts.
import { join } from 'node:path';
import { generateSite, rng } from './site.ts';
import type { GeneratedSite } from './site.ts';
import type { Web } from './web.ts';

export interface WebSite {
  site: GeneratedSite;
  /** The target URLs of each post, by post index. */
  targets: string[][];
}

export async function generateWebSite(out: string, name: string, web: Web, posts: number, linksPerPost: number, feed: boolean): Promise<WebSite> {
  const perHost = Math.ceil((posts * linksPerPost) / web.hosts);
  const all: string[] = [];
  for (let n = 0; n < perHost; n++) for (let i = 0; i < web.hosts; i++) all.push(web.target(i, n));
  // Fisher-Yates with a fixed seed: the same site for the same web every run.
  const r = rng(42);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [all[i], all[j]] = [all[j] as string, all[i] as string];
  }
  const targets = Array.from({ length: posts }, (_, p) => all.slice(p * linksPerPost, (p + 1) * linksPerPost));
  const site = await generateSite(join(out, name), {
    posts, seed: 7, postBytes: 20_000, feed,
    links: (index) => targets[index] ?? [],
    // The ports change every run: so does the site.
    linksKey: `web:${web.ports.join(',')}:${linksPerPost}`,
  });
  return { site, targets };
}
