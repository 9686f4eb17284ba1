// URL rules: where a built file is served, which hrefs are outbound links, and which are the
// site's own. All through WHATWG URL, so IDN hosts come out in punycode and odd hrefs fail to
// parse instead of being guessed at.

/** Longer URLs are dropped (with a warning): no receiver takes them and they are usually junk. */
export const MAX_URL_LENGTH = 8192;

/** An absolute http(s) URL with a path ending in '/', usable as a base for file paths; else null. */
export function siteBase(raw: string): URL | null {
  const url = parseHttp(raw);
  if (url === null) return null;
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** The base URL of a site whose home page says its own URL is `homeUrl` (the root index.html). */
export function baseFromHomeUrl(homeUrl: string): URL | null {
  const url = parseHttp(homeUrl);
  if (url === null) return null;
  // A home page's canonical may name the file itself (…/index.html): its folder is the base.
  url.pathname = url.pathname.replace(/\/index\.html?$/i, '/');
  return siteBase(url.href);
}

/**
 * The URL path of a built file, relative to the site base: `a/index.html` -> `a/`,
 * `index.html` -> ``, `a/b.html` stays `a/b.html` (servers serve it under that name).
 */
export function servedPath(file: string): string {
  const segments = file.split('/');
  const last = segments[segments.length - 1] ?? '';
  if (/^index\.html?$/i.test(last)) segments[segments.length - 1] = '';
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

export function urlForFile(base: URL, file: string): string {
  return new URL(servedPath(file), base).href;
}

/** Parses an absolute http(s) URL, fragment removed; null for anything else. */
export function parseHttp(raw: string, base?: string | URL): URL | null {
  // The fragment is cut off the text rather than the URL: setting `hash`, even to what it already is, serialises
  // the URL again and cost more than parsing it (0.9 µs against 0.55 µs, Node 20). The same URL: the first '#'
  // always starts the fragment, and a base's fragment is never inherited; only spaces or controls just before
  // it could then be trimmed off the end, so those are parsed whole.
  const hash = raw.indexOf('#');
  const cut = hash === 0 || (hash > 0 && raw.charCodeAt(hash - 1) > 0x20);
  let url: URL;
  try {
    url = new URL(cut ? raw.slice(0, hash) : raw, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (hash !== -1 && !cut) url.hash = '';
  return url;
}

/**
 * The site's own pages are not linkback targets. "Own" means the site's origin: the same host name and the same
 * port (`url.host`: the port is left out when it is the scheme's default, so http://x:80 is http://x), so that
 * another service on the same machine (http://127.0.0.1:8083 and :9000, a dev server beside a receiver) is not
 * the site. The scheme is the one part of the origin not compared, on purpose: on default ports an old http://
 * link to one's own https site is still internal (a site moved to https keeps its old links). www.example.com
 * and example.com are different hosts: often the same site, but not always (blog. and www. are not), and a guess
 * would silence a real target; excludeHosts says it when they are.
 */
export function isOwnHost(url: URL, ownHosts: ReadonlySet<string>): boolean {
  return ownHosts.has(url.host);
}

/** The key isOwnHost compares: host name and non-default port. */
export function ownHostKey(url: URL): string {
  return url.host;
}

/**
 * The URL-looking words of a plain text (`http(s)://` up to a space, quote or angle bracket), trailing sentence
 * punctuation cut off: what "the text mentions this URL" means for a listing page and a text/plain source alike.
 * Each word is still to be parsed; comparing parsed words, not searching for a substring, keeps
 * https://blog.example/post from matching inside https://blog.example/post-2.
 */
export function urlsInText(text: string): string[] {
  return [...text.matchAll(/\bhttps?:\/\/[^\s<>"']+/gi)].map((match) => match[0].replace(/[.,;:)\]]+$/, ''));
}
