// Checks one sent notification: does the target show the post now? Where to look depends on the target:
//   an arXiv paper        its trackback listing (https://arxiv.org/tb/<id> by default): the post's URL on it;
//   a Webmention with a   the status URL: a clear "success" or refusal there decides; otherwise, as below;
//     201/202 Location
//   any other target      the target page itself: a link back to the post (a comment, a mention, a listing).
// Fetch failures are results ('error'), never exceptions.
import type { NotificationRecord, Verification } from '../state/format.ts';
import type { Protocol } from '../types.ts';
import { arxivId } from '../targets/arxiv.ts';
import { pageMentions } from './mentions.ts';
import { readStatusDocument } from './status-document.ts';

export interface VerifyResult {
  source: string;
  target: string;
  protocol: Protocol | null;
  /** verified: the target shows the post; not-yet: it does not (yet); error: the page could not be read. */
  result: 'verified' | 'not-yet' | 'error';
  method: Verification['method'];
  /** The URL looked at. */
  url: string;
  message: string;
}

export type Fetched = { status: number; contentType: string; body: string; url: string } | { error: string };

export interface CheckContext {
  /** GET, cached per run: one listing serves every post that cites the paper. */
  fetch: (url: string) => Promise<Fetched>;
  /** The arXiv listing template, `{id}` replaced by the paper id. */
  arxivListing: string;
}

export async function checkNotification(record: NotificationRecord, ctx: CheckContext): Promise<VerifyResult> {
  const base = { source: record.source, target: record.target, protocol: record.protocol };
  const id = arxivId(record.target);
  if (id !== null && record.protocol === 'trackback') {
    const url = ctx.arxivListing.split('{id}').join(id);
    return { ...base, method: 'arxiv-listing', url, ...(await lookFor(ctx, url, record.source, 'the arXiv trackback listing')) };
  }
  let pending = '';
  if (record.protocol === 'webmention' && record.location !== undefined) {
    const url = record.location;
    const got = await ctx.fetch(url);
    if (!('error' in got)) {
      const status = readStatusDocument(got.status, got.contentType, got.body);
      if (status.reading === 'verified') return { ...base, method: 'status-url', url, result: 'verified', message: `the status URL says "${status.word}"` };
      if (status.reading === 'refused') return { ...base, method: 'status-url', url, result: 'not-yet', message: `the status URL says "${status.word}"` };
      if (status.reading === 'pending') pending = `; the status URL says "${status.word}"`;
    }
  }
  const checked = await lookFor(ctx, record.target, record.source, 'the target page');
  return { ...base, method: 'target-page', url: record.target, ...checked, message: checked.message + pending };
}

async function lookFor(ctx: CheckContext, url: string, post: string, what: string): Promise<Pick<VerifyResult, 'result' | 'message'>> {
  const got = await ctx.fetch(url);
  if ('error' in got) return { result: 'error', message: `${what} could not be read: ${got.error}` };
  if (got.status < 200 || got.status > 299) return { result: 'error', message: `${what} answered HTTP ${got.status}` };
  if (!/html|xml|text\/plain/i.test(got.contentType) && got.contentType !== '') {
    return { result: 'error', message: `${what} is not a web page (${got.contentType})` };
  }
  return pageMentions(got.body, got.url, post)
    ? { result: 'verified', message: `${what} links to the post` }
    : { result: 'not-yet', message: `${what} does not show the post yet` };
}
