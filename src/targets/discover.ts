// Endpoint discovery: given a fetched target page, how does it want to be told? One protocol
// per target, in order of preference: Webmention, then Pingback 1.0, then TrackBack 1.2.
// Pure: the page was fetched elsewhere (net/), so this runs the same on recorded pages.
import type { Endpoint } from '../types.ts';
import { decodeBody, isHtmlLike } from './decode.ts';
import { findHtmlEndpoints } from './html-endpoints.ts';
import { parseLinkHeader } from './link-header.ts';
import { findTrackbackRdf } from './trackback-rdf.ts';

export interface DiscoveryInput {
  /** The URL the post links to. */
  targetUrl: string;
  /** Where the request ended after redirects. */
  finalUrl: string;
  status: number;
  /** Response headers, every occurrence kept in order (names are matched case-insensitively). */
  headers: Record<string, string[]>;
  body: Buffer;
}

export interface Discovery {
  endpoint: Endpoint | null;
  /** why, for people: what was found and where, or what was looked for */
  notes: string[];
}

/** Never throws: any input, however broken, gives an answer with notes. */
export function discoverEndpoint(input: DiscoveryInput): Discovery {
  try {
    return discover(input);
  } catch (error) {
    return { endpoint: null, notes: [`discovery failed: ${error instanceof Error ? error.message : String(error)}`] };
  }
}

function discover(input: DiscoveryInput): Discovery {
  const notes: string[] = [];
  const done = (endpoint: Endpoint): Discovery => ({ endpoint, notes: [...notes, `${endpoint.protocol} endpoint ${endpoint.url} (from ${endpoint.via})`] });

  if (!(input.status >= 200 && input.status <= 299)) {
    return { endpoint: null, notes: [`the page answered HTTP ${input.status}: an error page does not declare the post's endpoint`] };
  }
  // Relative endpoints resolve against the URL the page was finally served from, not the one we
  // linked to: after a redirect, the page's relative URLs are relative to where it now lives
  // (webmention.rocks #23).
  const base = input.finalUrl;
  const resolve = (href: string): string | null => httpUrl(href, base);

  // Webmention: the Link header first. A sender can act on it without reading the body, so the
  // Recommendation gives it precedence over anything in the HTML.
  const links = parseLinkHeader(headerValues(input.headers, 'link'));
  for (const link of links.filter((l) => l.rel.includes('webmention'))) {
    const url = resolve(link.uri);
    if (url !== null) return done({ protocol: 'webmention', url, via: 'HTTP Link header' });
    notes.push(`skipped Link header rel="webmention" with unusable target "${link.uri.slice(0, 80)}" (not an http(s) URL)`);
  }

  const contentType = headerValues(input.headers, 'content-type')[0];
  const xPingback = headerValues(input.headers, 'x-pingback')[0]?.trim();
  const pingbackHeader = (): Discovery | null => {
    if (xPingback === undefined || xPingback === '') return null;
    const url = resolve(xPingback);
    if (url !== null) return done({ protocol: 'pingback', url, via: 'X-Pingback header' });
    notes.push(`skipped X-Pingback header "${xPingback.slice(0, 80)}" (not an http(s) URL)`);
    return null;
  };

  // A PDF or an image has no markup to search, but its headers count as much as a page's.
  if (!isHtmlLike(contentType)) {
    notes.push(`the target is ${contentType ?? 'untyped'}, not HTML: only its HTTP headers were checked`);
    return pingbackHeader() ?? nothing(notes, 'no Link rel="webmention" or X-Pingback header');
  }

  const html = decodeBody(input.body, contentType);
  // XHTML goes through the HTML parser too: served XHTML is often not well-formed, and the
  // elements we look for read the same either way.
  // The scanner takes only hrefs that resolve, hence the `as string` below.
  const found = findHtmlEndpoints(html, (href) => resolve(href) !== null);
  notes.push(...found.skipped);
  if (found.stoppedEarly !== null) notes.push(found.stoppedEarly);
  if (found.webmention !== null) {
    const url = resolve(found.webmention.href) as string;
    return done({ protocol: 'webmention', url, via: `<${found.webmention.tag} rel="webmention">` });
  }

  // Pingback 1.0: the header wins over the <link> element, as the specification says.
  const fromHeader = pingbackHeader();
  if (fromHeader !== null) return fromHeader;
  if (found.pingback !== null) {
    const url = resolve(found.pingback.href) as string;
    return done({ protocol: 'pingback', url, via: '<link rel="pingback">' });
  }

  const pageUrls = [input.targetUrl, input.finalUrl];
  const trackback = findTrackbackRdf(html, pageUrls);
  if (trackback.match !== null) {
    const ping = trackback.match.ping;
    const url = ping === null ? null : resolve(ping);
    if (url !== null) return done({ protocol: 'trackback', url, via: 'TrackBack RDF (dc:identifier match)' });
    // Never fall back to another block's ping: that would notify a different post.
    notes.push(`TrackBack RDF for this page has ${ping === null ? 'no trackback:ping' : `an unusable trackback:ping "${ping.slice(0, 80)}"`}`);
  } else if (trackback.descriptions.length > 0) {
    notes.push(`TrackBack RDF found (${trackback.descriptions.length}), but none with dc:identifier ${input.targetUrl}`);
  }
  return nothing(notes, 'no Link rel="webmention" header, <link>/<a rel="webmention">, X-Pingback header, <link rel="pingback"> or TrackBack RDF');
}

function nothing(notes: string[], lookedFor: string): Discovery {
  return { endpoint: null, notes: [...notes, lookedFor] };
}

/** All values of a header, whatever the case of its name in the record. */
function headerValues(headers: Record<string, string[]>, name: string): string[] {
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    // Tolerate a single string where the type says array (hand-built records, JSON).
    for (const v of Array.isArray(value) ? value : [value]) values.push(String(v));
  }
  return values;
}

/**
 * `href` resolved against `base` when it is an http(s) URL, else null. An empty href is the
 * page itself (webmention.rocks #15); query strings are kept as they are (#21).
 */
function httpUrl(href: string, base: string): string | null {
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    try {
      url = new URL(href); // the base itself may be unusable; an absolute href still is
    } catch {
      return null;
    }
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
}
