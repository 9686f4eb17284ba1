// Content-Encoding decoding. We decode ourselves (rather than let the HTTP library do it) so
// that the size cap applies to the decoded bytes: zlib streams stop inflating while their
// output is not read, so a small gzip bomb never becomes a large buffer.

import zlib from 'node:zlib';
import type { Transform } from 'node:stream';

/** What we send as Accept-Encoding: exactly what decodersFor can undo. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

// Browsers accept a compressed stream whose trailer is missing; so do we (a cut body is still
// readable HTML). Corrupt data still fails.
const LENIENT = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
const LENIENT_BROTLI = { finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/**
 * The decoders to apply, in order, for a Content-Encoding header (all its values), or null
 * when it names a coding we did not offer. `head` is the first chunk of the body: servers
 * disagree on what "deflate" means (RFC 1950 zlib, or raw RFC 1951), and the first bytes tell.
 */
export function decodersFor(contentEncoding: string[] | undefined, head: Buffer): Transform[] | null {
  const codings = (contentEncoding ?? [])
    .flatMap((value) => value.split(','))
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  const decoders: Transform[] = [];
  // Codings are listed in the order they were applied, so they are undone last first.
  for (const [index, coding] of codings.reverse().entries()) {
    const decoder = decoderFor(coding, index === 0 ? head : undefined);
    if (!decoder) return null;
    decoders.push(decoder);
  }
  return decoders;
}

function decoderFor(coding: string, head: Buffer | undefined): Transform | null {
  switch (coding) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(LENIENT);
    case 'deflate':
      return head === undefined || looksLikeZlib(head) ? zlib.createInflate(LENIENT) : zlib.createInflateRaw(LENIENT);
    case 'br':
      return zlib.createBrotliDecompress(LENIENT_BROTLI);
    default:
      return null;
  }
}

/** An RFC 1950 header: compression method 8 and a header checksum divisible by 31. */
function looksLikeZlib(head: Buffer): boolean {
  const cmf = head[0];
  const flg = head[1];
  if (cmf === undefined) return true;
  if ((cmf & 0x0f) !== 8) return false;
  return flg === undefined || ((cmf << 8) | flg) % 31 === 0;
}
