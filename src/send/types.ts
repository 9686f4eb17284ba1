import type { Endpoint, Post } from '../types.ts';

/** One notification: the post that links, the URL it links to, and where that target wants to be told. */
export interface NotifyInput {
  source: Post;
  targetUrl: string;
  endpoint: Endpoint;
}

/**
 * How much of an answer the protocols read. Their answers are a few hundred bytes; a larger one is not
 * a protocol answer, and a Webmention success is judged by its status alone.
 */
export const MAX_ANSWER_BYTES = 64 * 1024;
