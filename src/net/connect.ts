// Where the HTTP client (http.ts) dials: the address guard (SSRF) and the connectTo map, in front of undici's
// connector. DNS names are judged in the connector's `lookup`, so a name that resolves differently a second time
// cannot sneak past; IP literals (which Node does not look up) before connecting.
import dns from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import type { buildConnector } from 'undici';
import { LinkbackError } from '../errors.ts';
import { addressRange } from './address.ts';
import { FetchError } from './types.ts';

/** What the connector needs of the client's options. */
export interface DialOptions {
  connectTimeoutMs: number;
  timeoutMs: number;
  allowPrivate: boolean;
}

/** Where to connect instead, per host name. */
export interface ConnectTarget {
  hostname: string;
  port: string;
}

export function parseConnectTo(map: Record<string, string>): Map<string, ConnectTarget> {
  const targets = new Map<string, ConnectTarget>();
  for (const [host, target] of Object.entries(map)) {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(target);
    const hostname = match?.[1] ?? match?.[2];
    const port = match?.[3];
    if (hostname === undefined || port === undefined || Number(port) > 65535) {
      throw new LinkbackError('CONFIG_INVALID', `connectTo for ${host}: expected "address:port", got "${target}"`);
    }
    targets.set(host.toLowerCase(), { hostname, port });
  }
  return targets;
}

/**
 * undici's connector, with the address guard and the connectTo mapping in front of it.
 * Errors reaching the callback happened before anything was sent; they are remembered so
 * that they map to phase 'connect'.
 */
export function guardedConnector(
  build: typeof buildConnector,
  options: DialOptions,
  connectTo: Map<string, ConnectTarget>,
  connectErrors: WeakSet<object>,
): buildConnector.connector {
  const connect = build({
    timeout: Math.min(options.connectTimeoutMs, options.timeoutMs),
    ...(options.allowPrivate ? {} : { lookup: publicOnlyLookup }),
  });
  return (connectOptions, callback) => {
    // An exact host name wins over the catch-all '*' (the demo and tests map every host to one local server).
    const mapped = connectTo.get(connectOptions.hostname.toLowerCase()) ?? connectTo.get('*');
    const hostname = mapped?.hostname ?? connectOptions.hostname;
    const fail = (error: Error) => {
      connectErrors.add(error);
      callback(error, null);
    };
    // Node skips `lookup` for IP literals, so they are judged here.
    if (!options.allowPrivate && isIP(hostname) !== 0) {
      const range = addressRange(hostname);
      if (range !== 'public') {
        fail(new FetchError('private-address', 'connect', hostname, `${hostname} is a ${range} address`));
        return;
      }
    }
    // `host` (hence Host header and TLS server name) stays the URL's; only where we dial changes.
    connect({ ...connectOptions, hostname, port: mapped?.port ?? connectOptions.port }, (...args) => {
      if (args[0]) fail(args[0]);
      else callback(...args);
    });
  };
}

/** dns.lookup that refuses a name when any address it resolves to is not public. */
const publicOnlyLookup: LookupFunction = (hostname, lookupOptions, callback) => {
  dns.lookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
    if (error) {
      callback(error, '');
      return;
    }
    const refused = addresses.find((entry) => addressRange(entry.address) !== 'public');
    if (refused) {
      const range = addressRange(refused.address);
      callback(new FetchError('private-address', 'connect', hostname, `${hostname} resolves to ${refused.address}, a ${range} address`), '');
      return;
    }
    const first = addresses[0];
    if (lookupOptions.all === true) callback(null, addresses);
    else if (first) callback(null, first.address, first.family);
    else callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '');
  });
};
