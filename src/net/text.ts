// An answer's bytes to text with a given decoder. Always through the streaming call, then a flush: Node 20's
// one-shot decode() of windows-1252 (and of its latin1 aliases) takes an ISO-8859-1 shortcut, so the bytes 0x80-0x9F
// come out as C1 control characters (0x93 as U+0093 instead of the curly quote browsers show), in excerpts, titles
// and author names read from legacy pages, and in a link whose URL has such a byte. The streamed call goes through
// ICU and gives what browsers give. (src/site/decode.ts reads the built files through it too.)
import type { TextDecoder } from 'node:util';

export function decodeWith(decoder: TextDecoder | InstanceType<typeof globalThis.TextDecoder>, bytes: Uint8Array): string {
  return decoder.decode(bytes, { stream: true }) + decoder.decode();
}
