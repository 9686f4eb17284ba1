// Excerpts and titles for people: whitespace collapsed, cut on a word, never mid-character.

export const EXCERPT_MAX = 300;

// Anything collapsing would change: whitespace other than a space, two in a row, or at either end. Most
// titles and descriptions have none, and are then returned as they are instead of copied (a regex test
// allocates nothing; the replace and trim each built a new string).
const UNCOLLAPSED = /[^\S ]| {2}|^ | $/;

export function collapseWhitespace(text: string): string {
  return UNCOLLAPSED.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
}

/**
 * At most `max` characters (code points, so no surrogate pair is ever split) including the '…'
 * added when cut; cut at the last space that fits, or mid-word only when one word is longer
 * than the limit.
 */
export function cutExcerpt(text: string, max = EXCERPT_MAX): string {
  const clean = collapseWhitespace(text);
  // No more UTF-16 units than the limit: no more code points either, nothing to cut.
  if (clean.length <= max) return clean;
  const chars = Array.from(clean);
  if (chars.length <= max) return clean;
  const head = chars.slice(0, max - 1);
  const space = head.lastIndexOf(' ');
  const kept = space > 0 ? head.slice(0, space) : head;
  return kept.join('').replace(/[\s,;:\-–—]+$/u, '') + '…';
}
