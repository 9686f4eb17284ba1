// File I/O for one page. A page up to WHOLE_FILE_LIMIT (nearly all of them) is read in one call into a
// buffer the scan reuses, hashed, then parsed from memory, so the incremental re-run still decides from the
// hash alone before any parsing. Larger pages are streamed in chunks so a 50 MB page costs a 64 KiB buffer, not
// 50 MB, in two passes: the first hashes the raw bytes; the second decodes and feeds the parser, and
// re-hashes so that a file changed in between is noticed rather than mis-attributed.

import { createHash } from 'node:crypto';
import { closeSync, createReadStream, fstatSync, openSync, readSync } from 'node:fs';
import { SNIFF_BYTES } from './charset.ts';
import { sha256 } from './hash.ts';

const CHUNK = 64 * 1024;

/** Pages up to this size are read whole. */
export const WHOLE_FILE_LIMIT = 1024 * 1024;

export interface WholeFile {
  /** A view of the reader's buffer: valid until its next read (see wholeFileReader). */
  bytes: Buffer;
  /** sha256 of `bytes`, hex. */
  hash: string;
}

/** Reads one file whole: its bytes and hash when it is at most `limit` bytes, else null (the caller streams it). */
export type ReadWhole = (path: string, limit?: number) => WholeFile | null;

/**
 * A reader that reads every page into the same buffer (grown to the largest page read, at most
 * WHOLE_FILE_LIMIT + 1 bytes), so the bytes it returns are only valid until its next read: a caller that keeps
 * them (a page handed to a worker thread, ./pool.ts) copies them first. A buffer per page was freed only when V8
 * collected its handle, and the pages read between two collections were all held at once (2.8 MB less peak RSS,
 * 10,000-post site, 2 threads).
 * Synchronous on purpose, like the walk (./walk.ts): for a 20 KB page the four async round trips
 * (open, stat, read, close) cost more than reading it, and a page-cache read takes microseconds.
 */
export function wholeFileReader(): ReadWhole {
  let buffer = Buffer.allocUnsafeSlow(64 * 1024);
  return (path, limit = WHOLE_FILE_LIMIT) => {
    const fd = openSync(path, 'r');
    try {
      const { size } = fstatSync(fd);
      if (size > limit) return null;
      // Room for one byte more than stat said: a file that grew since is noticed, and streamed instead.
      if (buffer.length < size + 1) buffer = Buffer.allocUnsafeSlow(Math.min(Math.max(size + 1, buffer.length * 2), limit + 1));
      let length = 0;
      while (length < size + 1) {
        const read = readSync(fd, buffer, length, size + 1 - length, length);
        if (read === 0) break;
        length += read;
      }
      if (length > size) return null;
      const bytes = buffer.subarray(0, length);
      return { bytes, hash: sha256(bytes) };
    } finally {
      closeSync(fd);
    }
  };
}

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
