// What a Webmention status URL (the Location of a 201/202) says. The recommendation leaves its content open;
// receivers that publish one answer JSON with a `status` word (webmention.io, Telegraph, Bridgy and others).
// Pure. Only a clear word decides; anything else leaves the decision to the target page.

export type StatusReading =
  | { reading: 'verified' | 'refused' | 'pending'; word: string }
  | { reading: 'unknown'; word: null };

const VERIFIED = new Set(['success', 'successful', 'complete', 'completed', 'verified', 'published', 'approved', 'done']);
const PENDING = new Set(['queued', 'pending', 'accepted', 'processing', 'started', 'waiting', 'in_progress', 'in-progress']);
const REFUSED = new Set(['failed', 'failure', 'error', 'rejected', 'invalid', 'not_supported', 'no_link_found', 'spam', 'deleted', 'blocked']);

export function readStatusDocument(httpStatus: number, contentType: string, body: string): StatusReading {
  if (httpStatus < 200 || httpStatus > 299 || !/json/i.test(contentType)) return { reading: 'unknown', word: null };
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    return { reading: 'unknown', word: null };
  }
  if (typeof doc !== 'object' || doc === null) return { reading: 'unknown', word: null };
  const raw = (doc as Record<string, unknown>).status ?? (doc as Record<string, unknown>).state;
  if (typeof raw !== 'string') return { reading: 'unknown', word: null };
  const word = raw.trim().toLowerCase();
  if (VERIFIED.has(word)) return { reading: 'verified', word };
  if (REFUSED.has(word)) return { reading: 'refused', word };
  if (PENDING.has(word)) return { reading: 'pending', word };
  return { reading: 'unknown', word: null };
}
