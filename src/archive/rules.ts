// Archiving the pages a post cites in the Wayback Machine (opt-in: `archive`). Pure: which targets are archived,
// the request, the reading of the answer, and when a page is asked for again.
//
// The request is Save Page Now's anonymous form, GET https://web.archive.org/save/<url> (what pushl sends too;
// SPN2's POST form needs an archive.org key). The Wayback Machine answers with the capture's address in a
// Location or Content-Location header (/web/<14-digit timestamp>/<url>); an answer without one is taken as queued,
// and the page's Wayback address (/web/<url>, which shows the newest capture) is reported.
//
// Its limits (SPN2 API docs, changelog of 2023-01-22): anonymous users get 4 captures a minute (12 with a key),
// counted over the last 60 s; more are delayed or refused with 429. So one capture every 15 s (ratelimit/host.ts
// ARCHIVE_INTERVAL_MS), one at a time, at most MAX_CAPTURES_PER_RUN per run: the rest wait for the next run.
import type { HttpRequest, HttpResponse } from '../net/types.ts';
import type { Target } from '../types.ts';
import type { ExtraRecord } from '../state/format.ts';
import { statusReason } from '../send/reason.ts';

export const DEFAULT_ARCHIVE_ENDPOINT = 'https://web.archive.org/save/';
/** 25 minutes of captures at 4 a minute would hold a deploy too long: 5 minutes' worth a run, the rest next run. */
export const MAX_CAPTURES_PER_RUN = 20;
/** A capture that failed for a reason that may pass (5xx, no answer) is asked for again, up to this many times in all. */
export const MAX_CAPTURE_ATTEMPTS = 3;

export type ArchiveRecord = Extract<ExtraRecord, { kind: 'archive' }>;

export interface Capture {
  url: string;
  status: 'sent' | 'failed' | 'held' | 'dry-run';
  /** The Wayback address of the capture, when there is one. */
  snapshot: string | null;
  message: string;
}

/** Hosts whose pages are permanent already (arXiv, DOI resolvers) or are archives themselves. */
const PERMANENT = /(^|\.)(arxiv\.org|doi\.org|archive\.org|archive\.ph|archive\.today)$/;

/** Is this target's page archived? Not arXiv papers and DOIs (already permanent), not archives, not non-http(s). */
export function archivable(target: Target): boolean {
  if (target.kind !== 'page') return false;
  let url: URL;
  try {
    url = new URL(target.url);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && !PERMANENT.test(url.hostname.toLowerCase());
}

/** What to do about a page given its record: capture it, or leave it (done, asked already, or given up). */
export function captureDue(record: ArchiveRecord | undefined): boolean {
  if (record === undefined) return true;
  // 'in-flight': a run died while asking; the capture may have been made, and is never asked for twice.
  if (record.status !== 'failed') return false;
  return record.retryable && record.attempts < MAX_CAPTURE_ATTEMPTS;
}

export function captureRequest(endpoint: string, url: string): HttpRequest {
  // The page's URL is appended as it is, as the Wayback Machine's own links do (/save/https://example.org/a?b=c).
  return { method: 'GET', url: `${endpoint}${url}`, headers: { accept: 'text/html, application/json;q=0.9, */*;q=0.1' }, followRedirects: false };
}

/** The outcome of an answer: retryable says whether a later run may ask again. */
export function readCapture(endpoint: string, url: string, res: Pick<HttpResponse, 'status' | 'headers' | 'body'>): Capture & { retryable: boolean } {
  if (res.status === 429) return { url, status: 'held', snapshot: null, retryable: true, message: 'Save Page Now asked to slow down (HTTP 429); the next run asks again' };
  if (res.status >= 200 && res.status <= 399) {
    const snapshot = snapshotOf(endpoint, res.headers.location?.[0]) ?? snapshotOf(endpoint, res.headers['content-location']?.[0]);
    if (snapshot !== null) return { url, status: 'sent', snapshot, retryable: false, message: 'captured' };
    return { url, status: 'sent', snapshot: waybackPage(endpoint, url), retryable: false, message: `capture queued (HTTP ${res.status})` };
  }
  const said = statusReason(res);
  const message = `HTTP ${res.status}${said === '' ? '' : `: ${said}`}`;
  // 5xx: Save Page Now's own trouble, or the page's (it answers 520/523 when it cannot reach it): may pass.
  return { url, status: 'failed', snapshot: null, retryable: res.status >= 500, message };
}

/** A header value that names a capture (/web/<timestamp>/…), made absolute on the endpoint's origin. */
function snapshotOf(endpoint: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  try {
    const url = new URL(value.trim(), endpoint);
    return /^\/web\/\d{14}/.test(url.pathname) ? url.href : null;
  } catch {
    return null;
  }
}

/** The Wayback Machine's page for a URL on the endpoint's origin: it shows the newest capture. */
export function waybackPage(endpoint: string, url: string): string {
  return `${new URL(endpoint).origin}/web/${url}`;
}
