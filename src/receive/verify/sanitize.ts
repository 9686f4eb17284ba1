// What a stranger's post may put on our user's page: an allowlist of text-level tags, links and images, nothing
// else. sanitize-html (a parser, not regular expressions) drops every other tag, every attribute not listed (so
// on* handlers and style), and URLs that are not http(s) (javascript:, data:, vbscript:, protocol-relative).
import sanitizeHtml from 'sanitize-html';
import { parseHttp } from '../../site/urls.ts';

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    'a', 'abbr', 'b', 'blockquote', 'br', 'cite', 'code', 'dd', 'del', 'dl', 'dt', 'em', 'figcaption', 'figure',
    'hr', 'i', 'img', 'ins', 'kbd', 'li', 'mark', 'ol', 'p', 'pre', 'q', 's', 'small', 'strong', 'sub', 'sup',
    'time', 'u', 'ul',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    abbr: ['title'],
    blockquote: ['cite'],
    q: ['cite'],
    del: ['cite', 'datetime'],
    ins: ['cite', 'datetime'],
    time: ['datetime'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite'],
  allowProtocolRelative: false,
  // The text inside these is code or hidden markup, never prose worth keeping.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'template', 'title', 'xmp', 'noembed', 'noframes', 'iframe', 'object', 'svg', 'math'],
  disallowedTagsMode: 'discard',
  transformTags: {
    // A stranger's links pass no ranking and no window.opener.
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'nofollow ugc noopener' } }),
  },
};

/** The source's content HTML made safe to show on our page. */
export function sanitizeContent(html: string, base: string): string {
  return sanitizeHtml(html, {
    ...OPTIONS,
    transformTags: {
      ...OPTIONS.transformTags,
      // Relative links are made absolute against the source: on our page they would point into our site.
      a: (tagName, attribs) => ({ tagName, attribs: { ...absolute(attribs, 'href', base), rel: 'nofollow ugc noopener' } }),
      img: (tagName, attribs) => ({ tagName, attribs: absolute(attribs, 'src', base) }),
    },
  }).trim();
}

function absolute(attribs: sanitizeHtml.Attributes, name: string, base: string): sanitizeHtml.Attributes {
  const value = attribs[name];
  if (value === undefined) return attribs;
  const trimmed = value.trim();
  // Only relative references are resolved; anything with a scheme is left for the scheme allowlist to judge.
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed) || trimmed.startsWith('//')) return attribs;
  const url = parseHttp(trimmed, base)?.href;
  // Rebuilt in the same order, the attribute dropped when it does not resolve to http(s).
  return Object.fromEntries(Object.entries(attribs).flatMap(([key, v]) => (key !== name ? [[key, v]] : url === undefined ? [] : [[key, url]])));
}

/** Escapes plain text for HTML (content that came as text: a p-content, a TrackBack excerpt). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An http(s) URL, absolute against `base`, fragment kept out; undefined for anything else (javascript:, data:). */
export function safeUrl(raw: string | undefined, base: string): string | undefined {
  if (raw === undefined) return undefined;
  return parseHttp(raw.trim(), base)?.href;
}
