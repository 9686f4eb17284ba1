// The links of a page, as the page reader (./page.ts) meets them: each href kept once, in document order of
// first appearance, with a bit per candidate region it appeared in (./page-facts.ts REGIONS). Bounded: at most
// MAX_LINKS hrefs, and hrefs too long to be URLs are noted (20 at most), not kept.
import { MAX_URL_LENGTH } from './urls.ts';
import type { PageFacts } from './page-facts.ts';

/** Unique hrefs kept per page: no real post cites more; bounds memory on generated junk. */
export const MAX_LINKS = 20_000;

export class PageLinks {
  private readonly index = new Map<string, number>();

  constructor(private readonly facts: Pick<PageFacts, 'links' | 'longLinks' | 'linksCapped'>) {}

  /** An <a>/<area> href seen inside `regions` (bits; 0: in none, e.g. in <head>). */
  add(raw: string, regions: number): void {
    if (regions === 0) return;
    const facts = this.facts;
    const href = raw.trim();
    if (href === '' || href.startsWith('#')) return;
    if (href.length > MAX_URL_LENGTH) {
      if (facts.longLinks.length < 20) facts.longLinks.push({ prefix: href.slice(0, 80), regions });
      return;
    }
    const known = this.index.get(href);
    if (known !== undefined) {
      facts.links[known]!.regions |= regions;
    } else if (facts.links.length < MAX_LINKS) {
      this.index.set(href, facts.links.length);
      facts.links.push({ href, regions });
    } else {
      facts.linksCapped = true;
    }
  }
}
