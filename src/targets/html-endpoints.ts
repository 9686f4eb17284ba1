// Finding endpoint declarations in HTML markup with htmlparser2's streaming parser: a real
// tokenizer, so commented-out tags, escaped markup (&lt;link ...&gt; in <code>) and <script>
// contents are text, never elements. We want tags in document order, not a tree.
import { Parser } from 'htmlparser2';

export type HtmlEndpointTag = 'link' | 'a';

export interface HtmlCandidate {
  /** The href as written (entities decoded), not resolved. */
  href: string;
  tag: HtmlEndpointTag;
}

export interface HtmlEndpoints {
  /** The first <link> or <a> with rel~=webmention and a usable href, in document order. */
  webmention: HtmlCandidate | null;
  /** The first <link rel~=pingback> with a usable href. */
  pingback: HtmlCandidate | null;
  /** Declarations passed over, for people (an unusable href, a missing href). At most MAX_NOTES. */
  skipped: string[];
  /** Set when the page was not read to the end for a reason other than having found a webmention endpoint. */
  stoppedEarly: string | null;
}

/**
 * htmlparser2 keeps its open elements in an array it unshifts, so every level of nesting costs
 * a copy of the whole stack: 100,000 unclosed <div>s take seconds. No real page is this deep
 * (browsers cap their trees at a few hundred levels), so reading stops there.
 */
export const MAX_DEPTH = 4096;
const MAX_NOTES = 10;

/**
 * Scans `html` for webmention and pingback declarations. `usable(href)` decides whether an
 * href may be taken (discovery resolves it and accepts only http(s)); an unusable one is
 * skipped and the search goes on, like a declaration without href.
 */
export function findHtmlEndpoints(html: string, usable: (href: string) => boolean): HtmlEndpoints {
  const found: HtmlEndpoints = { webmention: null, pingback: null, skipped: [], stoppedEarly: null };
  let depth = 0;
  const skip = (note: string): void => {
    if (found.skipped.length < MAX_NOTES) found.skipped.push(note);
  };

  const parser = new Parser({
    onopentag(name, attribs) {
      depth++;
      if (depth > MAX_DEPTH) {
        found.stoppedEarly = `stopped reading the HTML at ${MAX_DEPTH} levels of nested elements`;
        parser.pause();
        return;
      }
      if (name !== 'link' && name !== 'a') return;
      const rels = relTokens(attribs['rel']);
      const wantsWebmention = found.webmention === null && rels.includes('webmention');
      const wantsPingback = found.pingback === null && name === 'link' && rels.includes('pingback');
      if (!wantsWebmention && !wantsPingback) return;
      const label = `<${name} rel="${truncate(attribs['rel'] ?? '')}">`;
      // No href is not "this page" (that is href=""): the element declares nothing (webmention.rocks #20).
      const href = Object.hasOwn(attribs, 'href') ? attribs['href'] : undefined;
      if (href === undefined) {
        skip(`skipped ${label} without href`);
        return;
      }
      if (!usable(href)) {
        skip(`skipped ${label} with unusable href "${truncate(href)}" (not an http(s) URL)`);
        return;
      }
      if (wantsWebmention) found.webmention = { href, tag: name };
      if (wantsPingback) found.pingback = { href, tag: name };
      // Webmention is the preferred protocol and the first declaration wins: nothing later matters.
      if (found.webmention !== null) parser.pause();
    },
    onclosetag() {
      depth--;
    },
  });
  parser.end(html);
  return found;
}

/** rel is a set of space-separated tokens, ASCII case-insensitive: "not-webmention" is not "webmention". */
export function relTokens(rel: string | undefined): string[] {
  if (rel === undefined) return [];
  return rel.toLowerCase().split(/[ \t\n\f\r]+/).filter((token) => token !== '');
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
