// Where the page reader (./page.ts) is in the page: which roles (./regions.ts Role: head, chrome, article, ...)
// the open elements hold, as a bit set, and the candidate content regions (./page-facts.ts) that makes. The
// reader asks "am I inside X" for every element and text node of every page, so it is one AND on `active`.
import { Role } from './regions.ts';
import { REGION_ROLES } from './page-facts.ts';
import type { PageFacts } from './page-facts.ts';

const ROLE_BITS = 14;

export class OpenRoles {
  /** A bit per role, set while at least one open element holds it. */
  active = 0;
  // How many open elements hold each role.
  private readonly depth = new Int32Array(ROLE_BITS);
  // regions() for the `active` mask it was last worked out for: text nodes come many to one element.
  private regionsOf = -1;
  private regionsNow = 0;

  has(role: number): boolean {
    return (this.active & role) !== 0;
  }

  /** An element holding `roles` opened. */
  enter(roles: number): void {
    const depth = this.depth;
    for (let bit = 0; bit < ROLE_BITS; bit++) if (roles & (1 << bit) && depth[bit]!++ === 0) this.active |= 1 << bit;
  }

  /** An element holding `roles` closed. */
  leave(roles: number): void {
    const depth = this.depth;
    for (let bit = 0; bit < ROLE_BITS; bit++) if (roles & (1 << bit) && --depth[bit]! === 0) this.active &= ~(1 << bit);
  }

  /** The candidate regions the reader is in now, as bits (region i: 1 << i); body is all outside <head>. */
  regions(): number {
    const active = this.active;
    if (active === this.regionsOf) return this.regionsNow;
    this.regionsOf = active;
    let bits = 0;
    for (let i = 0; i < REGION_ROLES.length; i++) {
      const role = REGION_ROLES[i]!;
      if (role === 0 ? (active & Role.HEAD) === 0 : (active & role) !== 0) bits |= 1 << i;
    }
    this.regionsNow = bits;
    return bits;
  }
}

/** An open <li> outside chrome: a <time> inside it makes it an entry of a dated list (counted once). */
export interface ListItem {
  dated: boolean;
}

/**
 * The entries an element outside chrome adds to the page's counts: an article, h-entry, schema.org article or
 * post-selector match not nested in another of its kind, a post list, and a dated list item.
 */
export function countEntries(facts: Pick<PageFacts, 'counts' | 'listingExample'>, open: OpenRoles, openItem: ListItem | undefined, roles: number, tag: string, classes: readonly string[]): void {
  const c = facts.counts;
  if (roles !== 0) {
    if (roles & Role.ARTICLE && !open.has(Role.ARTICLE)) c.articles++;
    if (roles & Role.POST_SELECTOR && !open.has(Role.POST_SELECTOR)) c.postSelector++;
    if (roles & Role.HENTRY && !open.has(Role.HENTRY)) c.hEntries++;
    if (roles & Role.SCHEMA_ARTICLE && !open.has(Role.SCHEMA_ARTICLE)) c.schemaArticles++;
    if (roles & Role.LISTING) {
      c.listings++;
      const cls = classes[0];
      facts.listingExample ??= cls === undefined ? tag : `${tag}.${cls}`;
    }
  }
  if (tag === 'time' && openItem !== undefined && !openItem.dated) {
    openItem.dated = true;
    c.datedListItems++;
  }
}
