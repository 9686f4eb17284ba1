// Deciding how to turn a page's bytes into text, from its first bytes only (the rest streams).
// Order, as in the HTML spec's encoding sniffing: byte-order mark, then a <meta> charset in the
// first 1024 bytes, then our fallback (UTF-8, and windows-1252 when the bytes are not UTF-8 —
// that is what browsers guess for legacy Western pages, and it decodes any byte sequence).

export type Sniffed =
  | { kind: 'binary'; what: string }
  | { kind: 'text'; encoding: string; declared: boolean };

/** How many leading bytes are looked at. */
export const SNIFF_BYTES = 8192;

const MAGIC: [string, number[]][] = [
  ['PNG image', [0x89, 0x50, 0x4e, 0x47]],
  ['GIF image', [0x47, 0x49, 0x46, 0x38]],
  ['JPEG image', [0xff, 0xd8, 0xff]],
  ['PDF document', [0x25, 0x50, 0x44, 0x46, 0x2d]],
  ['gzip data', [0x1f, 0x8b]],
  ['zip archive', [0x50, 0x4b, 0x03, 0x04]],
];

export function sniff(head: Uint8Array): Sniffed {
  if (startsWith(head, [0xef, 0xbb, 0xbf])) return { kind: 'text', encoding: 'utf-8', declared: true };
  if (startsWith(head, [0xff, 0xfe])) return { kind: 'text', encoding: 'utf-16le', declared: true };
  if (startsWith(head, [0xfe, 0xff])) return { kind: 'text', encoding: 'utf-16be', declared: true };
  for (const [what, bytes] of MAGIC) if (startsWith(head, bytes)) return { kind: 'binary', what };
  // Text formats never contain NUL; images, archives and UTF-16 without a BOM do.
  if (head.subarray(0, SNIFF_BYTES).includes(0)) return { kind: 'binary', what: 'binary data' };
  const declared = metaCharset(head);
  if (declared !== null) return { kind: 'text', encoding: declared, declared: true };
  return { kind: 'text', encoding: 'utf-8', declared: false };
}

/** The encoding named by <meta charset> or <meta http-equiv content="...; charset=..."> if usable. */
export function metaCharset(head: Uint8Array): string | null {
  const text = Buffer.from(head.subarray(0, 1024)).toString('latin1');
  const re = /<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)/gi;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const label = (m[1] ?? '').toLowerCase();
    // The spec maps a declared UTF-16 to UTF-8: a page that could be read to find the tag is not UTF-16.
    if (label.startsWith('utf-16')) return 'utf-8';
    if (isSupported(label)) return label === 'x-user-defined' ? 'windows-1252' : label;
  }
  return null;
}

/**
 * Labels found usable: nearly every page declares one (utf-8), and making a TextDecoder to try it costs about 7 µs.
 * Only usable ones are kept, so what a page can add is bounded by the labels the decoder knows.
 */
const supported = new Set<string>();

function isSupported(label: string): boolean {
  if (supported.has(label)) return true;
  try {
    new TextDecoder(label);
  } catch {
    return false;
  }
  supported.add(label);
  return true;
}

function startsWith(head: Uint8Array, bytes: number[]): boolean {
  return bytes.every((b, i) => head[i] === b);
}
