// The URLs a pingback or trackback claims, checked before anything is queued (pure). Only the shape is checked
// here; whether the source may be fetched (private addresses, redirects) is the verify step's guarded client's.

/** Longer URLs are refused: no real post has one, and each is stored and fetched. */
export const MAX_URL_CHARS = 2048;

export type ClaimUrl = { ok: true; url: string } | { ok: false; why: string };

/** An absolute http(s) URL without its fragment (a fragment names a part of the page, not another page). */
export function claimUrl(text: string, what: string): ClaimUrl {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, why: `the ${what} URL is missing` };
  if (trimmed.length > MAX_URL_CHARS) return { ok: false, why: `the ${what} URL is longer than ${MAX_URL_CHARS} characters` };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return { ok: false, why: `the ${what} URL is not an absolute URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, why: `the ${what} URL is not http(s)` };
  // user:password@ in a claimed URL serves no reader; it is how a fetch is made to carry credentials.
  if (url.username !== '' || url.password !== '') return { ok: false, why: `the ${what} URL carries credentials` };
  url.hash = '';
  return { ok: true, url: url.href };
}

/** Whether the target belongs to the site (same origin; sites are configured by their origins). */
export function onSite(target: string, site: string): boolean {
  return new URL(target).origin === new URL(site).origin;
}
