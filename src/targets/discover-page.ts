// Fetch a target page and discover its endpoint. Failures are Outcomes (reported), never exceptions.
import type { Endpoint, Outcome } from '../types.ts';
import type { NetContext } from '../net/attempt.ts';
import { requestWithRetry } from '../net/attempt.ts';
import { checkUrl } from '../net/address.ts';
import { discoverEndpoint } from './discover.ts';
import { isGoneStatus } from '../lifecycle/dead.ts';
import type { FetchError } from '../net/types.ts';
import { statusReason } from '../send/reason.ts';

export type PageDiscovery =
  | { endpoint: Endpoint; notes: string[] }
  | { outcome: Outcome; notes: string[] };

/** What a run keeps of a target's discovery for every post linking it: the answer, without the notes. */
export type KnownDiscovery = { endpoint: Endpoint } | { outcome: Outcome };

/**
 * Discovers each distinct target once: later asks for the same URL share the first answer. `onDiscovered` sees
 * the whole discovery, notes included, once. Only what the sender acts on is kept, for the rest of the run:
 * the endpoint or the outcome (plain strings), never notes, error objects or the page, so a run over 50,000
 * targets keeps a few hundred bytes for each.
 */
export function discoverOnce(
  discover: (url: string) => Promise<PageDiscovery>,
  onDiscovered: (url: string, found: PageDiscovery) => void = () => {},
): (url: string) => Promise<KnownDiscovery> {
  const known = new Map<string, Promise<KnownDiscovery>>();
  return (url) => {
    let found = known.get(url);
    if (!found) {
      found = discover(url).then((d) => {
        onDiscovered(url, d);
        return 'endpoint' in d ? { endpoint: d.endpoint } : { outcome: d.outcome };
      });
      known.set(url, found);
    }
    return found;
  };
}

export async function discoverPage(ctx: NetContext, url: string, allowPrivate: boolean): Promise<PageDiscovery> {
  const checked = checkUrl(url);
  if (!checked.ok && (checked.code === 'bad-url' || !allowPrivate)) {
    return { outcome: { status: 'skipped', code: checked.code, message: checked.reason }, notes: [checked.reason] };
  }
  const got = await requestWithRetry(ctx, { method: 'GET', url, headers: { accept: 'text/html, application/xhtml+xml;q=0.9, */*;q=0.1' } }, true);
  if ('error' in got) return { outcome: discoveryError(got.error), notes: [got.error.message] };
  const res = got.response;
  if (res.status < 200 || res.status > 299) {
    // 404/410: the page is gone (a dead link), which the sender handles apart: see lifecycle/dead.ts.
    const code = isGoneStatus(res.status) ? 'target-gone' : res.status >= 500 || res.status === 429 ? 'server-error' : 'discovery-failed';
    // The page's own words ("Access Denied", "Page not found") say more than the number alone.
    const said = statusReason(res, 100);
    const message = `target page answered HTTP ${res.status}${said === '' ? '' : `: ${said}`}`;
    return { outcome: { status: 'failed', code, message, httpStatus: res.status }, notes: [message] };
  }
  const found = discoverEndpoint({ targetUrl: url, finalUrl: res.url, status: res.status, headers: res.headers, body: res.body });
  // A note quoting the page (an unusable href, a trackback:ping) is a slice of the decoded page, and V8 keeps the
  // whole page alive for a slice of it: up to the 5 MB body cap for each target whose notes someone holds. A
  // copy holds only its own characters.
  const notes = structuredClone(found.notes);
  if (!found.endpoint) {
    const message = res.truncated ? 'no endpoint in the first part of a page over the size cap' : 'no Webmention, Pingback or TrackBack endpoint advertised';
    return { outcome: { status: 'no-endpoint', code: 'no-endpoint', message }, notes };
  }
  return { endpoint: found.endpoint, notes };
}

function discoveryError(error: FetchError): Outcome {
  switch (error.code) {
    case 'bad-url':
    case 'private-address':
      return { status: 'skipped', code: error.code, message: error.message };
    case 'aborted':
      // The run is stopping (Ctrl-C): nothing is wrong with the target, and the next run reads it again.
      return { status: 'skipped', code: 'discovery-failed', message: 'not read: the run was stopped' };
    case 'unreachable':
    case 'timeout':
    case 'redirects':
    case 'too-large':
      return { status: 'failed', code: error.code, message: error.message };
    default:
      return { status: 'failed', code: 'discovery-failed', message: error.message };
  }
}
