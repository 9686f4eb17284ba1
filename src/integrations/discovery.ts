// The generator integrations' `receiver` option: the discovery of a `linkback serve` receiver written into the
// built pages (<link> tags on every page, TrackBack RDF on each post). Loaded with the site's configuration, so
// it imports nothing heavy (see test/cold-start.test.ts).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LinkbackError } from '../errors.ts';
import { addDiscovery, postOf } from '../receive/publish/head.ts';

export interface Discovery {
  /** Where `linkback serve` is reachable. */
  receiver: string;
  /** The site's URL (with its base path, if any): page URLs are made from it. */
  siteUrl: string;
}

/** Checks the option at configuration time; null when it is off (''). */
export function checkDiscovery(receiver: string, siteUrl: unknown, origin: string): Discovery | null {
  if (receiver === '') return null;
  if (!isHttpUrl(receiver)) throw new LinkbackError('CONFIG_INVALID', `invalid ${origin}: "receiver" must be an http(s) URL, where \`linkback serve\` is reachable`);
  if (typeof siteUrl !== 'string' || !isHttpUrl(siteUrl)) {
    throw new LinkbackError('CONFIG_INVALID', `invalid ${origin}: "receiver" needs the site's URL ("siteUrl"): its pages' URLs are the targets`);
  }
  return { receiver, siteUrl: siteUrl.endsWith('/') ? siteUrl : `${siteUrl}/` };
}

/** One built page with the discovery added; `path` is the page's URL path relative to the site URL. */
export function withDiscovery(html: string, path: string, discovery: Discovery): string {
  const url = new URL(path.replace(/^\/+/, ''), discovery.siteUrl).href;
  return addDiscovery(html, discovery.receiver, new URL(discovery.siteUrl).origin, postOf(html, url));
}

/** Adds the discovery to every .html file of a built folder (Astro writes its pages before this can run). */
export async function addDiscoveryToFolder(dir: string, discovery: Discovery): Promise<number> {
  let changed = 0;
  const files = (await readdir(dir, { recursive: true })).filter((file) => /\.html?$/i.test(file)).sort();
  for (const file of files) {
    const html = await readFile(join(dir, file), 'utf8');
    const path = file.split(/[\\/]/).join('/').replace(/(^|\/)index\.html?$/i, '$1');
    const out = withDiscovery(html, path, discovery);
    if (out !== html) {
      await writeFile(join(dir, file), out);
      changed++;
    }
  }
  return changed;
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
