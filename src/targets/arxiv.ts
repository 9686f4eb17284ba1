// The arXiv rule: every URL form of an arXiv paper maps to its version-less id, so that all links to one
// paper make one target, and its trackback listener is known without asking arXiv first.
import type { Target } from '../types.ts';
import { parseHttp } from '../site/urls.ts';

export const DEFAULT_ARXIV_ENDPOINT = 'https://arxiv.org/trackback/{id}';

const ARXIV_HOSTS = new Set(['arxiv.org', 'www.arxiv.org', 'export.arxiv.org']);
const DOI_HOSTS = new Set(['doi.org', 'dx.doi.org']);

const MONTH = '(?:0[1-9]|1[0-2])';
/** Since April 2007: YYMM.NNNN, and YYMM.NNNNN since 2015. */
const NEW_ID = String.raw`\d{2}${MONTH}\.\d{4,5}`;
/** Before: archive(.SUBJECT)/YYMMNNN, e.g. hep-th/9901001, math.GT/0309136. */
const OLD_ID = String.raw`[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]+(?:-[A-Za-z]+)?)?/\d{2}${MONTH}\d{3}`;
const ID = `(${NEW_ID}|${OLD_ID})`;
const VERSION = String.raw`(?:v\d+)?`;

/** What may follow the id under each arXiv path prefix (the version is dropped: one paper, one target). */
const PATH_FORMS = new Map<string, RegExp>([
  ['abs', new RegExp(`^${ID}${VERSION}$`)],
  ['format', new RegExp(`^${ID}${VERSION}$`)],
  ['ps', new RegExp(`^${ID}${VERSION}$`)],
  ['pdf', new RegExp(String.raw`^${ID}${VERSION}(?:\.pdf)?$`)],
  ['html', new RegExp(`^${ID}${VERSION}(?:/.*)?$`)],
]);

const DOI_PATH = /^\/10\.48550\/arxiv\.(.+)$/i;
const NEW_ID_ONLY = new RegExp(`^${NEW_ID}$`);
const OLD_ID_ANY_CASE = new RegExp(String.raw`^([a-z]+(?:-[a-z]+)?)(?:\.([a-z]+(?:-[a-z]+)?))?/(\d{2}${MONTH}\d{3})$`, 'i');

/**
 * An http(s) URL written as the URL parser writes one, up to its host: lower-case scheme and host, no user name,
 * no port (the links of a post are). Its host is then the one the parser finds, whatever follows.
 */
const PLAIN_URL = /^https?:\/\/([a-z0-9.-]+)([/?#].*)?$/s;
/** A path the URL parser keeps as written: nothing it percent-encodes or decodes, no dot segment, no query. */
const PLAIN_PATH = /^(?:\/(?!\.)[\w.~-]*)*$/;

/** The version-less arXiv id of a paper URL (abs, pdf, html, format, ps, or its DataCite DOI), else null. */
export function arxivId(url: string): string | null {
  // Every link of every post comes here: a URL written plainly is read as text, which gives what parsing it
  // would (test/url-props.test.ts) for less (Node 20: 0.93 µs an arXiv link instead of 1.4 µs, 0.15 µs a link
  // elsewhere instead of 0.76 µs).
  const plain = PLAIN_URL.exec(url);
  if (plain !== null) {
    const [, host = '', rest = ''] = plain;
    if (!ARXIV_HOSTS.has(host) && !DOI_HOSTS.has(host)) return null;
    if (PLAIN_PATH.test(rest)) return idOn(host, rest);
  }
  const parsed = parseHttp(url);
  if (parsed === null || parsed.port !== '') return null;
  return idOn(parsed.hostname, parsed.pathname);
}

/** The arXiv target of a link, or null when the link is not an arXiv paper. */
export function arxivTarget(url: string, endpointTemplate: string): Target | null {
  const id = arxivId(url);
  if (id === null) return null;
  // split/join rather than replace: a replacement string would give `$&` and friends a meaning.
  const endpoint = endpointTemplate.split('{id}').join(id);
  return { kind: 'arxiv', url: `https://arxiv.org/abs/${id}`, id, endpoint };
}

function idOn(host: string, pathname: string): string | null {
  const path = pathname.replace(/\/+$/, '');
  if (ARXIV_HOSTS.has(host)) return idFromArxivPath(path);
  if (DOI_HOSTS.has(host)) return idFromDoiPath(path);
  return null;
}

function idFromArxivPath(path: string): string | null {
  const match = /^\/([a-z]+)\/(.+)$/.exec(path);
  if (!match) return null;
  const form = PATH_FORMS.get(match[1] ?? '');
  return form?.exec(match[2] ?? '')?.[1] ?? null;
}

function idFromDoiPath(path: string): string | null {
  const suffix = DOI_PATH.exec(path)?.[1];
  if (suffix === undefined) return null;
  if (NEW_ID_ONLY.test(suffix)) return suffix;
  const old = OLD_ID_ANY_CASE.exec(suffix);
  if (!old) return null;
  // A DOI is case-insensitive, arXiv paths are not: write an old id the way arXiv does (hep-th, math.GT).
  const [, archive = '', subject, number = ''] = old;
  const subjectPart = subject === undefined ? '' : `.${subject.length === 2 ? subject.toUpperCase() : subject.toLowerCase()}`;
  return `${archive.toLowerCase()}${subjectPart}/${number}`;
}
