// Does a page show our post? Pure: the page's HTML in, yes or no out. A listing or a comment section shows a
// mention as a link to the post, sometimes as its URL in plain text; either counts. The comparison forgives
// what sites rewrite when they display a URL: the scheme, a "www.", a trailing slash, index.html, a fragment.
import { Parser } from 'htmlparser2';
import { parseHttp, urlsInText } from '../site/urls.ts';

/** Text kept for the plain-text check; a listing page is small, a huge page is cut. */
const MAX_TEXT = 2_000_000;

export function pageMentions(html: string, pageUrl: string, postUrl: string): boolean {
  const wanted = comparable(postUrl);
  if (wanted === null) return false;
  let found = false;
  let text = '';
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (found || (name !== 'a' && name !== 'area' && name !== 'link')) return;
        const href = attribs.href;
        if (href !== undefined && comparable(href.trim(), pageUrl) === wanted) found = true;
      },
      ontext(chunk) {
        if (!found && text.length < MAX_TEXT) text += chunk;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return found || mentionsInText(text, wanted);
}

/** host (lower case, no "www.") + path (no trailing slash or index.html) + query; null when not an http(s) URL. */
export function comparable(raw: string, base?: string): string | null {
  const url = parseHttp(raw, base);
  if (url === null) return null;
  const host = url.hostname.toLowerCase().replace(/^www\./, '');
  const path = url.pathname.replace(/\/index\.html?$/i, '/').replace(/\/+$/, '');
  return `${host}${url.port ? `:${url.port}` : ''}${path}${url.search}`;
}

function mentionsInText(text: string, wanted: string): boolean {
  // Each URL-looking word of the text, compared the same way.
  return urlsInText(text).some((word) => comparable(word) === wanted);
}
