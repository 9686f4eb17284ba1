// Loaded with --import into every process a benchmark starts (linkback, @remy/webmention, the baselines):
//  - a network guard: host names resolve only when they are the local web's (*.example) or loopback, and
//    sockets connect only to loopback addresses, so nothing a benchmark runs can reach the real network;
//  - a report of the process's peak RSS (process.resourceUsage().maxRSS) at exit, written to the file
//    named by BENCH_PROBE_OUT, so that processes we do not control (another tool's CLI) can be measured too.
import dns from 'node:dns';
import { writeFileSync } from 'node:fs';
import net from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const allowedName = (host: string): boolean => LOOPBACK.has(host) || /\.example$/i.test(host);

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

function guardedLookup(host: string, options: unknown, callback?: LookupCallback): void {
  const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
  const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all === true;
  if (!allowedName(host)) {
    const error: NodeJS.ErrnoException = new Error(`bench network guard: ${host} is not on the local web`);
    error.code = 'ENOTFOUND';
    process.nextTick(() => cb(error, all ? [] : ''));
    return;
  }
  const address = host === '::1' ? '::1' : '127.0.0.1';
  const family = address === '::1' ? 6 : 4;
  process.nextTick(() => (all ? cb(null, [{ address, family }]) : cb(null, address, family)));
}
Object.defineProperty(dns, 'lookup', { value: guardedLookup, writable: true, configurable: true });
Object.defineProperty(dns.promises, 'lookup', {
  value: (host: string, options?: { all?: boolean }) =>
    new Promise((resolve, reject) => guardedLookup(host, options ?? {}, (error, address, family) => (error ? reject(error) : resolve(options?.all ? address : { address, family })))),
  writable: true,
  configurable: true,
});

// An IP literal skips the lookup: refuse any that is not loopback (Unix sockets and pipes have no host).
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0];
  const host = typeof first === 'object' && first !== null && !Array.isArray(first) ? (first as { host?: string; path?: string }).host : typeof args[1] === 'string' ? args[1] : undefined;
  const path = typeof first === 'object' && first !== null ? (first as { path?: string }).path : typeof first === 'string' ? first : undefined;
  if (path === undefined && host !== undefined && net.isIP(host) !== 0 && !LOOPBACK.has(host) && !host.startsWith('127.')) {
    throw new Error(`bench network guard: refusing to connect to ${host}`);
  }
  return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
} as typeof net.Socket.prototype.connect;

const out = process.env.BENCH_PROBE_OUT;
if (out) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ maxRssKb: usage.maxRSS, cpuUserUs: usage.userCPUTime, cpuSystemUs: usage.systemCPUTime }));
  });
}
