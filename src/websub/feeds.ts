// Which feeds of this run's site declare WebSub hubs, and under which topic URL the hubs know them.
// - a site folder: the feeds its home page links (<link rel="alternate" type="application/rss+xml">), read from the
//   folder; the topic is the feed's rel=self, else its link resolved against the site's URL;
// - a feed as input: that feed (its text, and its Link header when it was fetched);
// - a sitemap: none (a sitemap has no hub).
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { feedLinks, homeText, folderFiles } from '../site/site-feed.ts';
import { parseHttp } from '../site/urls.ts';
import { hubsOfFeed } from './hubs.ts';
import type { FeedHubs } from './hubs.ts';

export interface HubbedFeed {
  topic: string;
  hubs: string[];
}

/** Feeds read from one home page, as site-feed.ts does. */
const MAX_FEEDS = 4;

/** The topic of a feed found at `url` (null: a local file with no self link and no site URL to place it). */
export function hubbedFeed(found: FeedHubs, url: string | null): HubbedFeed | null {
  const topic = found.self ?? url;
  return topic === null || found.hubs.length === 0 ? null : { topic, hubs: found.hubs };
}

/** The feeds of a built site folder that name a hub. `siteUrl`: --site-url, to place a feed without rel=self. */
export async function hubbedFeedsOfFolder(root: string, siteUrl: string | null): Promise<HubbedFeed[]> {
  const files = folderFiles(root);
  const home = homeText(files);
  if (home === null) return [];
  const base = parseHttp(siteUrl ?? 'http://site.invalid/');
  if (base === null) return [];
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const out: HubbedFeed[] = [];
  for (const href of feedLinks(home).slice(0, MAX_FEEDS)) {
    const url = parseHttp(href, base);
    // A feed served from elsewhere (a feed service) is not ours to announce.
    if (url === null || url.origin !== base.origin || !url.pathname.startsWith(basePath)) continue;
    let text: string;
    try {
      text = await readFile(join(root, decodeURIComponent(url.pathname.slice(basePath.length))), 'utf8');
    } catch {
      continue; // not in the folder: nothing to read the hub from
    }
    const feed = hubbedFeed(hubsOfFeed(text, url.href), siteUrl === null ? null : url.href);
    if (feed !== null && !out.some((f) => f.topic === feed.topic)) out.push(feed);
  }
  return out;
}

/** The hubbed feeds of this run's input: what the feed input found, else the site folder's; none for a sitemap. */
export async function hubbedFeedsOfRun(choice: { kind: 'site' | 'feed' | 'sitemap'; location: string }, found: HubbedFeed[] | undefined, siteUrl: string | null): Promise<HubbedFeed[]> {
  if (found !== undefined) return found;
  return choice.kind === 'site' ? hubbedFeedsOfFolder(choice.location, siteUrl) : [];
}
