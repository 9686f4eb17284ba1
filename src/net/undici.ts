// The parts of undici the HTTP client (http.ts) uses, loaded with its first request, and undici's request() done on
// its request API. Its own module because how undici is loaded (its files, or its index as the fallback) is one
// concern, apart from what the client does with it.
import type { Agent, Dispatcher, buildConnector } from 'undici';

/** undici's request API and the client's one Agent, both there once the first request loaded undici. */
export interface Undici {
  request: RequestApi;
  parseURL: (url: string) => URL;
  agent: Agent;
}

/** lib/api/api-request.js: the function undici's request() calls with the dispatcher as `this`. */
type RequestApi = (this: Agent, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;

/**
 * The parts of undici we use, each from its own file. undici's index.js loads all of undici (fetch,
 * WebSocket, cookies, mocks, caches, HTTP/2 … 113 files): about 0.19 s of CPU at the first request, against
 * 0.07 s for these (bench/cold.ts). undici has no "exports" map, so these paths are its files as published;
 * test/http-undici.test.ts checks that each is the very export of undici's index, so an upgrade that moves
 * one fails there; and a user whose install has an undici that moved one (package.json allows newer 7.x) gets
 * the index instead (loadUndici's fallback): slower to load, never broken.
 */
export const UNDICI_PARTS = {
  Agent: 'undici/lib/dispatcher/agent.js',
  buildConnector: 'undici/lib/core/connect.js',
  request: 'undici/lib/api/api-request.js',
  util: 'undici/lib/core/util.js',
} as const;

interface UndiciParts { Agent: typeof Agent; buildConnector: typeof buildConnector; request: RequestApi; parseURL: (url: string) => URL }

export async function loadUndici(parts: Record<keyof typeof UNDICI_PARTS, string> = UNDICI_PARTS): Promise<UndiciParts> {
  try {
    // Typed by hand: these files have no declarations of their own (undici's are for its index).
    const load = (path: string) => import(path) as Promise<{ default: unknown }>;
    const [agent, connect, request, util] = await Promise.all([load(parts.Agent), load(parts.buildConnector), load(parts.request), load(parts.util)]);
    const parseURL = (util.default as { parseURL?: unknown } | undefined)?.parseURL;
    if (typeof agent.default !== 'function' || typeof connect.default !== 'function' || typeof request.default !== 'function' || typeof parseURL !== 'function') {
      throw new Error('undici\'s files are not what they were');
    }
    return {
      Agent: agent.default as typeof Agent,
      buildConnector: connect.default as typeof buildConnector,
      request: request.default as RequestApi,
      parseURL: parseURL as (url: string) => URL,
    };
  } catch {
    // The documented way, all of undici: its request API is Dispatcher#request; our URLs are checked before this.
    const undici = await import('undici');
    return { Agent: undici.Agent, buildConnector: undici.buildConnector, request: undici.Dispatcher.prototype.request as RequestApi, parseURL: (url) => new URL(url) };
  }
}

/**
 * What undici's request(url, { dispatcher, ... }) does before calling its request API (index.js makeDispatcher),
 * for the options we pass: the URL checked and split into origin and path (the hash dropped).
 */
export function requestOn(undici: Undici, url: string, options: Omit<Dispatcher.RequestOptions, 'origin' | 'path'>): Promise<Dispatcher.ResponseData> {
  const parsed = undici.parseURL(url);
  return undici.request.call(undici.agent, {
    ...options,
    origin: parsed.origin,
    path: parsed.search ? `${parsed.pathname}${parsed.search}` : parsed.pathname,
  });
}
