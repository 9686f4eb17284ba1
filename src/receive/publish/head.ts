// Discovery for a site that receives with `linkback serve` (pure, and free of dependencies: the Eleventy plugin
// and the Astro integration load it with the site's configuration). The endpoints follow webmention.io's paths,
// `<receiver>/<domain>/webmention` and `<receiver>/<domain>/xmlrpc`, so a site moves from webmention.io by
// changing the host in its two <link> tags; TrackBack is per post, announced by RDF in the post's page.

export interface ReceiverEndpoints {
  webmention: string;
  pingback: string;
  /** Without a target: add `?target=<post URL>` (trackbackPing does). */
  trackback: string;
}

/** The endpoints of `site` (its origin) on a receiver reachable at `receiverBase` (which may end in a path). */
export function receiverEndpoints(receiverBase: string, site: string): ReceiverEndpoints {
  const base = receiverBase.endsWith('/') ? receiverBase : `${receiverBase}/`;
  const domain = new URL(site).host;
  const at = (path: string) => new URL(`${domain}/${path}`, base).href;
  return { webmention: at('webmention'), pingback: at('xmlrpc'), trackback: at('trackback') };
}

/** The two <link> tags for every page's <head>. */
export function headSnippet(receiverBase: string, site: string): string {
  const { webmention, pingback } = receiverEndpoints(receiverBase, site);
  return `<link rel="webmention" href="${escapeHtml(webmention)}">\n<link rel="pingback" href="${escapeHtml(pingback)}">\n`;
}

/** A post's TrackBack URL: the receiver's trackback endpoint with the post as target. */
export function trackbackPing(receiverBase: string, site: string, postUrl: string): string {
  const ping = new URL(receiverEndpoints(receiverBase, site).trackback);
  ping.searchParams.set('target', postUrl);
  return ping.href;
}

/**
 * TrackBack 1.2's auto-discovery RDF for one post, inside an HTML comment as the specification shows (browsers
 * ignore it; senders search the page's text for it). dc:identifier is the post's URL, which is how a sender
 * tells this post's block from another's.
 */
export function trackbackRdf(receiverBase: string, site: string, post: { url: string; title?: string }): string {
  const attributes = [
    `rdf:about="${escapeAttribute(post.url)}"`,
    `dc:identifier="${escapeAttribute(post.url)}"`,
    ...(post.title === undefined || post.title === '' ? [] : [`dc:title="${escapeAttribute(post.title)}"`]),
    `trackback:ping="${escapeAttribute(trackbackPing(receiverBase, site, post.url))}"`,
  ];
  return (
    '<!--\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" ' +
    'xmlns:trackback="http://madskills.com/public/xml/rss/module/trackback/">\n' +
    `<rdf:Description ${attributes.join(' ')} />\n</rdf:RDF>\n-->\n`
  );
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => ESCAPES[char] ?? char);
}

/**
 * For the RDF's attributes: "--" is escaped too, since inside the comment around the RDF it would end the
 * comment for XML readers (and "-->" in a title would end it for browsers).
 */
function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/--/g, '-&#45;');
}

/**
 * The page with the discovery added: the <link> tags before </head>, and, when `post` is given, its RDF before
 * </body> (or at the end). A page without </head> is not an HTML document we should edit, and is left as is.
 */
export function addDiscovery(html: string, receiverBase: string, site: string, post?: { url: string; title?: string }): string {
  const head = html.search(/<\/head\s*>/i);
  if (head === -1) return html;
  let out = html.slice(0, head) + headSnippet(receiverBase, site) + html.slice(head);
  if (post !== undefined) {
    const rdf = trackbackRdf(receiverBase, site, post);
    const body = out.search(/<\/body\s*>/i);
    out = body === -1 ? out + rdf : out.slice(0, body) + rdf + out.slice(body);
  }
  return out;
}

/**
 * Whether a built page is a post, for its TrackBack RDF, by the cheapest evidence a build has: exactly one
 * <article> element (a listing has one per post, other pages none). Its title is the page's <title>.
 */
export function postOf(html: string, url: string): { url: string; title?: string } | undefined {
  const articles = html.match(/<article[\s>]/gi)?.length ?? 0;
  if (articles !== 1) return undefined;
  const title = /<title[^>]*>([^<]*)<\/title\s*>/i.exec(html)?.[1]?.replace(/\s+/g, ' ').trim();
  return title === undefined || title === '' ? { url } : { url, title: decodeBasicEntities(title) };
}

/** The entities a <title> usually carries; others stay as written (escapeAttribute re-escapes the "&"). */
function decodeBasicEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return named[name.toLowerCase()] ?? whole;
  });
}
