// Bytes -> text for a page read whole, by the rules of the streamed read (./scan.ts readFacts): a declared
// (or BOM-given) encoding is used as is, bad bytes becoming U+FFFD; without one, strict UTF-8, and when the
// bytes are not UTF-8, windows-1252 (what browsers assume for legacy pages; it decodes any byte sequence).

import { decodeWith } from '../net/text.ts';

export const NOT_UTF8_WARNING = 'not valid UTF-8 and no charset declared: read as windows-1252';

export interface Decoded {
  text: string;
  /** Set when the page was not UTF-8 and was read as windows-1252. */
  warning: string | null;
}

export function decodePage(bytes: Uint8Array, encoding: string, declared: boolean): Decoded {
  if (!declared) {
    try {
      return { text: decodeAll(bytes, 'utf-8', true), warning: null };
    } catch (error) {
      if (!(error instanceof TypeError)) throw error;
      return { text: decodeAll(bytes, 'windows-1252', false), warning: NOT_UTF8_WARNING };
    }
  }
  return { text: decodeAll(bytes, encoding, false), warning: null };
}

/**
 * One decoder per encoding and mode, made once: a TextDecoder (an ICU converter) costs more to make than decoding
 * a small page (about 7 µs and 12 µs for all of it, Node 20), once per page. The closing decode() flushes it and
 * starts it afresh (a byte-order mark is dropped again, a cut-off sequence does not reach the next page).
 */
const decoders = new Map<string, InstanceType<typeof TextDecoder>>();

/** Through decodeWith (src/net/text.ts): always the streaming call, which Node 20 gets right for windows-1252. */
function decodeAll(bytes: Uint8Array, encoding: string, fatal: boolean): string {
  const key = fatal ? `fatal ${encoding}` : encoding;
  let decoder = decoders.get(key);
  if (decoder === undefined) {
    decoder = new TextDecoder(encoding, { fatal });
    decoders.set(key, decoder);
  }
  try {
    return decodeWith(decoder, bytes);
  } catch (error) {
    // Thrown mid-stream (bytes not valid in the encoding): it may hold part of a sequence. The next page gets a new one.
    decoders.delete(key);
    throw error;
  }
}
