// The staged types of linkback, in the order data flows through them:
//   Page (a built HTML file) -> Post (a dated article) -> Link (an outbound link in its content)
//   -> Target (where the link points, arXiv-mapped or not) -> Endpoint (how the target wants to be told)
//   -> Outcome (what happened when we told it) -> Result (one row of the report).
// String-literal unions, not enums, so that JSON in and out is the same as the types.

/** The three linkback protocols. */
export type Protocol = 'webmention' | 'pingback' | 'trackback';

/**
 * One row's status in the report (the `--json` contract).
 * `held`: not sent in this run for a reason that is not a refusal (the receiver said "slow down", or our post is
 * not live yet); recorded as retryable, so the next run sends it by itself. Never counted as a failure.
 */
export type Status = 'sent' | 'failed' | 'held' | 'skipped' | 'no-endpoint' | 'dry-run';

/** A post found in the built site. */
export interface Post {
  /** Public URL of the post (canonical, or --site-url + path). */
  url: string;
  /** File it was read from, relative to the site folder (POSIX separators). */
  file: string;
  title: string;
  /** At most 300 characters, cut on a word, with an ellipsis when cut. */
  excerpt: string;
  blogName: string;
  /** ISO date (or date-time) the post says it was published, when it says. */
  published: string | null;
  /** Outbound links inside the post's content, absolute, fragment removed, in document order, unique. */
  links: string[];
  /** Hash of the file's bytes (sha256, hex): lets a re-run skip an unchanged post without parsing it. */
  hash: string;
  /**
   * Hash of the text of the post's content, whitespace-normalised (src/site/text-hash.ts): part of its fingerprint
   * (src/site/fingerprint.ts). Absent for a post not read from HTML (a deleted post's stand-in).
   */
  contentHash?: string;
  /**
   * Links of the content dropped as the site's own (same host and port as the site, src/site/urls.ts isOwnHost),
   * those written with a host, at most 20: for people (--verbose). Absent when there are none.
   */
  ownSiteLinks?: string[];
}

/** Where one link of a post points, after the built-in rules ran. */
export type Target =
  /** An arXiv paper: its trackback listener is known by rule; no request to arXiv first. */
  | { kind: 'arxiv'; url: string; id: string; endpoint: string }
  /** Any other page: the endpoint is discovered on the page itself. */
  | { kind: 'page'; url: string };

/** How a target wants to be told. */
export interface Endpoint {
  protocol: Protocol;
  url: string;
  /** Where it was found, for people: e.g. "HTTP Link header", "<link rel=webmention>", "arXiv rule". */
  via: string;
}

/**
 * Why a notification ended as it did: a stable machine code (never branch on message text).
 * - ok: the receiver accepted it.
 * - already-registered: pingback fault 48, or a TrackBack listener's "already a ping from that URL"; counts as sent.
 * - rejected: the receiver answered with a refusal (4xx, trackback error 1, XML-RPC fault).
 * - invalid-response: an answer came but could not be read as the protocol's answer.
 * - server-error: a 5xx answer (retries exhausted).
 * - rate-limited: the receiver said "slow down" (429, 503, XML-RPC fault 429, WordPress's "too quickly", a robot-block
 *   page) and was still saying it when the run ended: held, the next run sends it.
 * - not-deployed: our post is not live at its public URL yet, or the live copy lacks the link: held.
 * - target-gone: the target page answers 404/410; tried again on a widening schedule (record's retryAt).
 * - unreachable: no connection was ever made (DNS, refused, connect timeout): certainly not delivered.
 * - uncertain: the request may have reached the server but no answer came (timeout, reset, killed run).
 * - private-address: the target resolves to a private/loopback address and --allow-private is off.
 * - bad-url: the link is not an http(s) URL we may fetch.
 * - too-large, timeout, redirects: discovery could not read the page.
 * - no-endpoint: the page advertises no linkback endpoint.
 * - already-done: a previous run already has a definite outcome for this pair.
 * - dry-run: would be sent.
 */
export type OutcomeCode =
  | 'ok'
  | 'already-registered'
  | 'rejected'
  | 'invalid-response'
  | 'server-error'
  | 'rate-limited'
  | 'not-deployed'
  | 'target-gone'
  | 'unreachable'
  | 'uncertain'
  | 'private-address'
  | 'bad-url'
  | 'too-large'
  | 'timeout'
  | 'redirects'
  | 'discovery-failed'
  | 'no-endpoint'
  | 'already-done'
  | 'dry-run';

/** What happened to one (post, target) pair in this run. */
export interface Outcome {
  status: Status;
  code: OutcomeCode;
  message: string;
  /** HTTP status of the final answer, when there was one. */
  httpStatus?: number;
  /** Webmention 201 Location (a status URL), when given. */
  location?: string;
}

/** One row of the report; the `--json` contract is the first six fields. */
export interface Result {
  source: string;
  target: string;
  protocol: Protocol | null;
  endpoint: string | null;
  status: Status;
  message: string;
  code: OutcomeCode;
  httpStatus?: number;
  location?: string;
}
