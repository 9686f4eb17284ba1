// Is the post live? A receiver checks a notification by fetching our post: WordPress answers a pingback with fault
// 16 or 17 and Webmention receivers answer 400 when the post is not deployed yet (CI that sends, then deploys) or
// the live copy is an older one without the link, and those answers read as definite refusals: lost for good.
// So before a post's notifications go out, its public URL is fetched once, read with the site reader's own rules
// (the links compare in the form the built files gave them), and a pair is sent only when the live page already
// says what the notification tells: that it links the target, or, for a removed link, that it no longer does.
// What is not live yet is held (recorded retryable): the next run sends it by itself. A live copy byte for byte the
// built file the post was read from (the usual case: the site deployed as built) is not parsed again: its targets
// are the built post's (builtCopy says when that is provably the same answer).
import pLimit from 'p-limit';
import type { Options } from '../options.ts';
import type { Post } from '../types.ts';
import type { HttpClient } from '../net/types.ts';
import { header } from '../net/types.ts';
import { createClientFor } from '../net/client.ts';
import { decodesAsBuilt, fetchedHtml, readFacts } from '../input/html-post.ts';
import { buildPost } from '../site/post.ts';
import type { SiteContext } from '../site/post.ts';
import { readHints } from '../site/scan.ts';
import { sha256 } from '../site/hash.ts';
import { resolveTargets } from '../targets/resolve.ts';

/** What the live copy of a post shows: the targets it links, or why there is no live copy to read. */
export type LiveView = { live: true; targets: ReadonlySet<string> } | { live: false; why: string; httpStatus?: number };

/** The answer to the GET of the post: an HTTP answer, or the reason there was none. */
export type LiveAnswer = { status: number; body: Buffer; contentType: string | undefined } | { error: string };

/** Reads the live HTML of the post at `url` into the target URLs it links (see `targetReader`). */
export type TargetReader = (html: string, url: string) => ReadonlySet<string>;

/**
 * The post as the scan of its built file read it, for a live copy of the very same bytes (see builtCopy).
 * `targets`: what targetReader would read from those bytes, worked out only when they match.
 */
export interface BuiltCopy {
  /** sha256 of the built file's bytes (Post.hash). */
  hash: string;
  targets: () => ReadonlySet<string>;
}

/**
 * `built`: the post's built copy, when the live page may be matched with it. The site is usually deployed as
 * built, and then the live page is the very file the scan read: its targets are the post's own, without decoding
 * and parsing it again (most of the live check's CPU). The hash is taken here, not at the edge: it is a pure
 * function of the answer, and the whole condition then reads in one place.
 */
export function liveView(answer: LiveAnswer, url: string, read: TargetReader, built: BuiltCopy | null = null): LiveView {
  if ('error' in answer) return { live: false, why: answer.error };
  // 200 only: a receiver that gets anything else refuses (WordPress fault 16, Webmention 400).
  if (answer.status !== 200) return { live: false, why: `HTTP ${answer.status}`, httpStatus: answer.status };
  const charset = charsetOf(answer.contentType);
  if (built !== null && sha256(answer.body) === built.hash && decodesAsBuilt(answer.body, charset)) {
    return { live: true, targets: built.targets() };
  }
  const html = fetchedHtml(answer.body, charset);
  if (html === null) return { live: false, why: 'not an HTML page', httpStatus: 200 };
  return { live: true, targets: read(html, url) };
}

/**
 * Why a pair must wait, or null when the live page already says what the notification tells. `linked`: the
 * notification is about a link the post has (a first notification, an edit); false: about a removed link, which
 * the live page must no longer carry (a page answering 404/410 carries none: the receiver drops the mention, as
 * it should).
 */
export function notLiveReason(view: LiveView, url: string, target: string, linked: boolean): string | null {
  if (!view.live) {
    if (!linked && (view.httpStatus === 404 || view.httpStatus === 410)) return null;
    return `${url} is not live yet (${view.why})`;
  }
  if (view.targets.has(target) === linked) return null;
  return linked ? `the live copy of ${url} does not link to it yet` : `the live copy of ${url} still links to it`;
}

/** The held row's message: it says what to do, and that nothing is lost. */
export function heldMessage(reason: string): string {
  return `held: ${reason}; deploy first, the next run sends it`;
}

/**
 * The live page's links, read as the built files were: the site reader's page reader, content region and link
 * rules (src/site), then the same target mapping (arXiv links to their abs page). The post's own URL stands in
 * for its canonical, so relative links resolve against the URL the built post gave.
 */
export function targetReader(options: Pick<Options, 'postSelector' | 'contentSelector' | 'arxivEndpoint'>): TargetReader {
  // The theme hints the scan of the built files used.
  const hints = readHints({
    siteUrl: null, blogName: null,
    ...(options.postSelector ? { postSelector: options.postSelector } : {}),
    ...(options.contentSelector ? { contentSelector: options.contentSelector } : {}),
  });
  const site: SiteContext = { siteBase: null, homeBase: null, blogName: null, homeTitle: null, homeDescription: null };
  return (html, url) => {
    const facts = readFacts(html, hints);
    facts.meta.canonical = url;
    facts.meta.ogUrl = null;
    const built = buildPost(facts, url, '', null, site);
    return targetUrls('post' in built ? built.post.links : [], options.arxivEndpoint);
  };
}

/** A post's links as the target URLs the live check compares: the same mapping for a read page and a built copy. */
function targetUrls(links: readonly string[], arxivEndpoint: Options['arxivEndpoint']): ReadonlySet<string> {
  return new Set(resolveTargets(links, arxivEndpoint, []).map((t) => t.url));
}

/**
 * The built copies of the posts (see liveView), or null when a live page of the same bytes could read otherwise
 * than targetReader reads it. Same bytes decoded alike (decodesAsBuilt) give the same page facts, and both reads
 * resolve the links against the post's URL (targetReader is given it as the canonical; the scan derived it, and
 * any <base>, from the same facts). What may still differ is which hosts count as the site's own, whose links are
 * not targets: targetReader knows only the post's host; the scan also the site URL's, or without one the home
 * page's (src/site/post.ts buildPost). With a site URL those are one host (a post's URL is on the site's origin,
 * its canonical or its file's place there), so the sets are the same; without one, a post whose canonical names
 * another host than the home page (www. or not) has the home page's links dropped by the scan and kept by
 * targetReader, so the live copy is read. A feed's posts are not files of the site: their hash is of the entry. A
 * post that left the site stands in with the old file's hash but no links (run/left.ts): not a built copy either.
 */
export function builtCopy(options: Pick<Options, 'siteUrl' | 'arxivEndpoint' | 'feed' | 'sitemap'>): ((post: Post) => BuiltCopy | null) | null {
  if (options.siteUrl === null || options.feed !== null || options.sitemap !== null) return null;
  return (post) => post.contentHash === undefined ? null : {
    hash: post.hash,
    targets: () => targetUrls(post.links, options.arxivEndpoint),
  };
}

/**
 * The client for our own site. Private and loopback addresses are allowed, unlike for targets: the guard is
 * there because target URLs are written by strangers, while the post's URL is the user's own (their site, their
 * feed or sitemap), and a site served from an intranet, a staging box or a CI runner's localhost is normal. The
 * timeouts, the size cap and the redirect limit stay.
 */
export function siteClientFor(options: Options): HttpClient {
  return createClientFor({ ...options, allowPrivate: true });
}

const HTML_ACCEPT = 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1';

/**
 * The edge: one GET per post per run, shared by all its pairs (remembered on the Post object, so it is forgotten
 * with the post). Our own site, so not paced or limited per host like the targets; only the number of these
 * fetches at once is bounded, by `concurrency`. No retry: a post that cannot be fetched now is held, and the
 * next run asks again.
 */
export function createLiveCheck(
  client: HttpClient,
  options: { concurrency: number; read: TargetReader; built?: ((post: Post) => BuiltCopy | null) | null; signal?: AbortSignal },
): (post: Post) => Promise<LiveView> {
  const limit = pLimit(options.concurrency);
  const views = new WeakMap<Post, Promise<LiveView>>();
  const fetchView = async (post: Post): Promise<LiveView> => {
    const url = post.url;
    const answer: LiveAnswer = await client
      .request({ method: 'GET', url, headers: { accept: HTML_ACCEPT }, ...(options.signal ? { signal: options.signal } : {}) })
      .then((res) => ({ status: res.status, body: res.body, contentType: header(res, 'content-type') }))
      .catch((error: unknown) => ({ error: error instanceof Error ? error.message : String(error) }));
    return liveView(answer, url, options.read, options.built?.(post) ?? null);
  };
  return (post) => {
    let view = views.get(post);
    if (!view) {
      view = limit(() => fetchView(post));
      views.set(post, view);
    }
    return view;
  };
}

function charsetOf(contentType: string | undefined): string | null {
  return /;\s*charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? '')?.[1] ?? null;
}
