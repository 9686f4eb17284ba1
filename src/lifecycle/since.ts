// `since`: on a blog adopting linkback, only posts published on or after a date are notified. Pure.
// A post without a date is never guessed in or out: the caller reports it and leaves it alone.

export type SinceVerdict = 'in' | 'before' | 'undated';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * `published` is the scanner's ISO date or date-time (in the post's own offset); `since` a date (YYYY-MM-DD) or
 * a date-time. Against a date, the post's own calendar date counts (a post of 2024-03-01T23:30-08:00 is of March 1,
 * as its author wrote it); against a date-time, the instants are compared.
 */
export function sinceVerdict(published: string | null, since: string): SinceVerdict {
  if (published === null) return 'undated';
  if (DATE_ONLY.test(since)) return published.slice(0, 10) >= since ? 'in' : 'before';
  const post = Date.parse(DATE_ONLY.test(published) ? `${published}T00:00:00Z` : published);
  if (Number.isNaN(post)) return 'undated';
  return post >= Date.parse(since) ? 'in' : 'before';
}

/** True for the `since` shapes accepted: a calendar date, or an ISO date-time with an offset. */
export function isSinceDate(value: string): boolean {
  if (DATE_ONLY.test(value)) return !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i.test(value) && !Number.isNaN(Date.parse(value));
}
