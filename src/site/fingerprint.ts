// A post's content fingerprint: what a linkback receiver keeps and shows of the post, and nothing of the page
// around it. Receivers such as webmention.io store the whole e-content (jf2 `content.html`), and the W3C
// Recommendation asks senders to re-send on an update: so the fingerprint covers the title, the summary (the
// description or first paragraph), the date and the text of the content region (src/site/text-hash.ts), and any
// edit a reader could see is told to every Webmention target still linked (lifecycle/plan.ts). The file hash
// changes with every rebuild that touches a site-wide footer, a build timestamp or an asset hash; the fingerprint
// does not: chrome, noise, scripts and markup are not in the content text.
// Links are deliberately not in it: a link added is a new target's first notification and a link removed is
// told to that target alone (lifecycle/plan.ts), neither is news to the post's other targets (the text around
// a link is, and the text hash has it).
//
// Versions. A fingerprint is `v2:<sha256>`. States written before it hold version 1 (a bare sha256 of title,
// summary and date): planPair compares such a record with the version-1 fingerprint of the post as it is now, and
// when they are equal the post did not change as far as that record can tell, so the record adopts the new
// fingerprint without anything being sent (upgrading must not re-send every Webmention of the site once).
import type { Post } from '../types.ts';
import { sha256 } from './hash.ts';

const V2 = 'v2:';

type Fingerprinted = Pick<Post, 'title' | 'excerpt' | 'published' | 'contentHash'>;

/** The current fingerprint; the version-1 formula for a post without content text (not read from HTML). */
export function postFingerprint(post: Fingerprinted): string {
  if (post.contentHash === undefined) return legacyFingerprint(post);
  // JSON of a fixed array: no field can run into the next one.
  return V2 + sha256(JSON.stringify([post.title, post.excerpt, post.published, post.contentHash]));
}

/** Version 1, as states written before version 2 hold it: title, summary and date only. */
export function legacyFingerprint(post: Pick<Post, 'title' | 'excerpt' | 'published'>): string {
  return sha256(JSON.stringify([post.title, post.excerpt, post.published]));
}

/** A version-1 fingerprint: a bare sha256 in hex. */
export function isLegacyFingerprint(fingerprint: string): boolean {
  return fingerprint.length === 64 && !fingerprint.startsWith(V2) && /^[0-9a-f]{64}$/.test(fingerprint);
}
