// `linkback mentions export`: every approved mention as one jf2 feed (webmention.io's format), for a static
// site's build to read (`_data/mentions.json` in Eleventy and Jekyll). From the database directly, or from a
// running `linkback serve` (or webmention.io itself) through its read API, page by page. The file is replaced
// atomically: a build running meanwhile reads the old feed or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LinkbackError } from '../../errors.ts';
import { header, type HttpClient } from '../../net/types.ts';
import type { Mention, ReceiverStore } from '../types.ts';
import { jf2Feed, type Jf2Entry, type Jf2Feed } from './jf2.ts';

/** All approved mentions of these sites (origins; default every site), newest first. */
export async function feedFromStore(store: ReceiverStore, sites?: readonly string[]): Promise<Jf2Feed> {
  const origins = sites ?? (await store.sites()).map((s) => s.origin);
  const mentions: Mention[] = [];
  for (const origin of origins) mentions.push(...(await store.mentions({ site: origin, status: 'approved' })));
  mentions.sort((a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id - a.id);
  return jf2Feed(mentions);
}

export const REMOTE_PER_PAGE = 500;
/** A page of 500 entries is well under this; more means the server is not what we think. */
const MAX_PAGE_BYTES = 32 * 1024 * 1024;
/** Pages asked for at most: 500 x 2000 = a million mentions, and an end to a server that never stops paging. */
const MAX_PAGES = 2000;

/**
 * Reads a read API (`from` is its base URL: `https://mentions.example.org` or `https://webmention.io`) page by
 * page until a short page. The token goes in the query, as webmention.io expects it.
 */
export async function feedFromApi(client: HttpClient, from: string, token: string, domain?: string): Promise<Jf2Feed> {
  const children: Jf2Entry[] = [];
  const seen = new Set<number>();
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = new URL('/api/mentions.jf2', from);
    url.searchParams.set('token', token);
    if (domain !== undefined) url.searchParams.set('domain', domain);
    url.searchParams.set('per-page', String(REMOTE_PER_PAGE));
    url.searchParams.set('page', String(page));
    const shown = `${new URL('/api/mentions.jf2', from).href} (page ${page})`;
    let response;
    try {
      response = await client.request({ method: 'GET', url: url.href, headers: { accept: 'application/json' }, maxBytes: MAX_PAGE_BYTES });
    } catch (error) {
      throw new LinkbackError('REMOTE_FAILED', `cannot read ${shown}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    if (response.status === 401 || response.status === 403) throw new LinkbackError('REMOTE_FAILED', `${shown} refused the token (HTTP ${response.status})`);
    if (response.status !== 200) throw new LinkbackError('REMOTE_FAILED', `${shown} answered HTTP ${response.status}`);
    if (response.truncated) throw new LinkbackError('REMOTE_FAILED', `${shown} is larger than ${MAX_PAGE_BYTES} bytes`);
    let feed: unknown;
    try {
      feed = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new LinkbackError('REMOTE_FAILED', `${shown} is not JSON (${header(response, 'content-type') ?? 'no content type'})`);
    }
    const entries = (feed as { children?: unknown }).children;
    if (!Array.isArray(entries)) throw new LinkbackError('REMOTE_FAILED', `${shown} is not a jf2 feed (no children)`);
    for (const entry of entries as Jf2Entry[]) {
      // A mention arriving while we page pushes the others one down: the next page repeats one; keep it once.
      if (seen.has(entry['wm-id'])) continue;
      seen.add(entry['wm-id']);
      children.push(entry);
    }
    if (entries.length < REMOTE_PER_PAGE) return { type: 'feed', name: 'Webmentions', children };
  }
  throw new LinkbackError('REMOTE_FAILED', `${from} kept answering full pages after ${MAX_PAGES} of them`);
}

/** Writes the feed to `file` (folders created): a temporary file in the same folder, synced, renamed over it. */
export async function writeFeed(file: string, feed: Jf2Feed): Promise<void> {
  const target = resolve(file);
  const temp = `${target}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(dirname(target), { recursive: true });
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(`${JSON.stringify(feed, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw new LinkbackError('EXPORT_UNWRITABLE', `cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
