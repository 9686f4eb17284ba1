// The HTTP client every command uses unless one is injected: the options' timeouts, SSRF guard and
// connectTo, and a User-Agent naming the tool. One place, so send, verify and discover behave alike.
import type { Options } from '../options.ts';
import { userAgent } from '../version.ts';
import { createHttpClient } from './http.ts';
import type { HttpClient } from './types.ts';

export function createClientFor(options: Pick<Options, 'contact' | 'allowPrivate' | 'connectTimeout' | 'timeout' | 'connectTo'>): HttpClient {
  return createHttpClient({
    userAgent: userAgent(options.contact),
    allowPrivate: options.allowPrivate,
    connectTimeoutMs: options.connectTimeout,
    timeoutMs: options.timeout,
    maxRedirects: 10,
    maxBodyBytes: 5 * 1024 * 1024,
    connectTo: options.connectTo,
  });
}
