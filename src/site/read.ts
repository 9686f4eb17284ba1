// File I/O for one page, streamed in chunks so a 50 MB page costs a 64 KiB buffer, not 50 MB.
// Two passes: the first hashes the raw bytes (the incremental re-run decides from the hash
// alone, before any parsing); the second decodes and feeds the parser, and re-hashes so that a
// file changed in between is noticed rather than mis-attributed.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { SNIFF_BYTES } from './charset.ts';

const CHUNK = 64 * 1024;

export interface FirstPass {
  hash: string;
  /** The first bytes, for encoding and binary sniffing. */
  head: Buffer;
}

export async function hashFile(path: string): Promise<FirstPass> {
  const hash = createHash('sha256');
  const headParts: Buffer[] = [];
  let headLength = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (headLength < SNIFF_BYTES) {
      headParts.push(chunk.subarray(0, SNIFF_BYTES - headLength));
      headLength += Math.min(chunk.length, SNIFF_BYTES - headLength);
    }
  }
  return { hash: hash.digest('hex'), head: Buffer.concat(headParts) };
}

/** Thrown when `fatal` decoding meets bytes that are not valid in the encoding. */
export class InvalidEncodingError extends Error {
  override name = 'InvalidEncodingError';
}

/** Streams the file through a TextDecoder into `sink`; returns the hash of the bytes read. */
export async function streamText(path: string, encoding: string, fatal: boolean, sink: (text: string) => void): Promise<string> {
  const hash = createHash('sha256');
  const decoder = new TextDecoder(encoding, { fatal });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      const text = decoder.decode(chunk, { stream: true });
      if (text !== '') sink(text);
    }
    const rest = decoder.decode();
    if (rest !== '') sink(rest);
  } catch (error) {
    if (error instanceof TypeError && (error as NodeJS.ErrnoException).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      throw new InvalidEncodingError(`not valid ${encoding}`);
    }
    throw error;
  }
  return hash.digest('hex');
}
