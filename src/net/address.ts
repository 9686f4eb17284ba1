// Which part of the address space an IP belongs to, and whether a URL may be fetched at all.
// linkback fetches URLs written by strangers (the links in a post, the endpoints their pages
// advertise, the Location of their redirects), so anything that is not plainly a public
// address is refused unless the user opts in: otherwise a page could point us at the
// router, a cloud metadata service or a database on localhost.

import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

export type AddressRange =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'multicast'
  | 'unspecified'
  | 'reserved';

/** Longest URL we accept; real links are far shorter, and servers reject longer ones anyway. */
export const MAX_URL_LENGTH = 8 * 1024;

const V4_RANGES: Record<string, AddressRange> = {
  unicast: 'public',
  loopback: 'loopback',
  private: 'private',
  // 100.64/10 is a provider's internal network: as private to us as 10/8.
  carrierGradeNat: 'private',
  linkLocal: 'link-local',
  multicast: 'multicast',
  unspecified: 'unspecified',
  // Everything else ipaddr.js names (broadcast, documentation, benchmarking, as112, amt, 240/4)
  // is not a place a web page lives.
};

const V6_RANGES: Record<string, AddressRange> = {
  loopback: 'loopback',
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  multicast: 'multicast',
  unspecified: 'unspecified',
};

/**
 * The range an IP address (dotted IPv4 or IPv6, as DNS or a WHATWG URL gives it) falls in.
 * IPv6 forms that carry an IPv4 address (mapped, translated, NAT64, 6to4, Teredo) are judged
 * by the IPv4 inside when that one is not public, because traffic may end up there.
 * Anything that does not parse is 'reserved', so it is never mistaken for public.
 */
export function addressRange(ip: string): AddressRange {
  const kind = isIP(ip);
  if (kind === 4) return v4Range(ipaddr.IPv4.parse(ip));
  if (kind === 6) return v6Range(ipaddr.IPv6.parse(ip));
  return 'reserved';
}

function v4Range(address: ipaddr.IPv4): AddressRange {
  return V4_RANGES[address.range()] ?? 'reserved';
}

function v6Range(address: ipaddr.IPv6): AddressRange {
  const range = address.range();
  const named = V6_RANGES[range];
  if (named) return named;
  const parts = address.parts;
  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      // The IPv4 address sits in the last 32 bits; a NAT64 prefix in front of a public
      // address is how IPv6-only networks reach the IPv4 web, so it must stay public.
      return v4Range(v4FromWords(parts[6], parts[7]));
    case '6to4':
      return v4Range(v4FromWords(parts[1], parts[2]));
    case 'teredo':
      // The client address is stored inverted (RFC 4380).
      return v4Range(v4FromWords(~(parts[6] ?? 0), ~(parts[7] ?? 0)));
    case 'unicast':
      // Only 2000::/3 is allocated as global unicast; the rest (e.g. the deprecated
      // IPv4-compatible ::a.b.c.d) is not somewhere a web server can be.
      return ((parts[0] ?? 0) & 0xe000) === 0x2000 ? 'public' : 'reserved';
    default:
      return 'reserved';
  }
}

function v4FromWords(high: number | undefined, low: number | undefined): ipaddr.IPv4 {
  const h = (high ?? 0) & 0xffff;
  const l = (low ?? 0) & 0xffff;
  return new ipaddr.IPv4([h >> 8, h & 0xff, l >> 8, l & 0xff]);
}

export type UrlCheck =
  | { ok: true; url: URL }
  | { ok: false; code: 'bad-url' | 'private-address'; reason: string };

/**
 * Whether a URL may be requested: http(s) only, at most 8 KB, and when the host is an IP
 * literal, a public one. Host names are judged later, on the address DNS actually returns
 * (see the connector in http.ts); a check here would be undone by DNS rebinding.
 * The WHATWG parser already rewrites decimal, octal and hex IPv4 hosts
 * (http://2130706433/, http://0x7f.1/) to dotted form, so they are caught here too.
 */
export function checkUrl(url: string): UrlCheck {
  if (url.length > MAX_URL_LENGTH) {
    return { ok: false, code: 'bad-url', reason: `URL longer than ${MAX_URL_LENGTH} characters` };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, code: 'bad-url', reason: 'not a valid URL' };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return { ok: false, code: 'bad-url', reason: `scheme ${parsed.protocol} is not http(s)` };
  }
  const host = literalHost(parsed.hostname);
  if (host !== null) {
    const range = addressRange(host);
    if (range !== 'public') {
      return { ok: false, code: 'private-address', reason: `${host} is a ${range} address` };
    }
  }
  return { ok: true, url: parsed };
}

/** The IP address a URL host names, without IPv6 brackets, or null for a DNS name. */
export function literalHost(hostname: string): string | null {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0 ? null : bare;
}
