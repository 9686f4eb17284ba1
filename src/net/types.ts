// The HTTP seam. Everything above `net/` talks to the network only through an HttpClient,
// so the pure core (discovery, request building, response parsing) never imports undici,
// and tests can run the real client against local servers.

export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  /** Extra request headers (lower-case names). User-Agent is added by the client. */
  headers?: Record<string, string>;
  body?: string;
  /** Follow redirects (GET only; POSTs never follow). Default: true for GET. */
  followRedirects?: boolean;
  /** Stop reading the body after this many (decompressed) bytes; `truncated` is then true. */
  maxBytes?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  /** The final URL, after redirects. */
  url: string;
  status: number;
  /** Response headers, names lower-cased, every occurrence kept in order (several Link headers). */
  headers: Record<string, string[]>;
  /** The body, decompressed, at most maxBytes. */
  body: Buffer;
  /** True when the body was cut at maxBytes. */
  truncated: boolean;
  /** Every URL visited before `url`, in order. */
  redirects: string[];
}

/**
 * Why a request got no usable answer. `phase` tells whether the request may have reached
 * the server: 'connect' = certainly not (nothing was sent), 'request' = maybe.
 */
export type FetchErrorCode =
  | 'bad-url' // not http(s), unparsable, or too long
  | 'private-address' // resolves to a loopback/private/link-local/... address and allowPrivate is off
  | 'unreachable' // DNS failure, connection refused, connect timeout
  | 'timeout' // total time budget used up after connecting
  | 'reset' // connection closed/reset after connecting
  | 'too-large' // headers over the limit (a body over the cap is truncated, not an error)
  | 'redirects' // more than the allowed hops, or a redirect loop
  | 'protocol' // malformed HTTP (Content-Length lies, bad chunking, bad encoding)
  | 'aborted'; // the caller's signal fired

export class FetchError extends Error {
  readonly code: FetchErrorCode;
  readonly phase: 'connect' | 'request';
  readonly url: string;
  constructor(code: FetchErrorCode, phase: 'connect' | 'request', url: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FetchError';
    this.code = code;
    this.phase = phase;
    this.url = url;
  }
}

export interface HttpClient {
  /** Resolves with any HTTP answer (any status); rejects only with a FetchError. */
  request(req: HttpRequest): Promise<HttpResponse>;
  close(): Promise<void>;
}

/** First value of a header, or undefined. */
export function header(res: Pick<HttpResponse, 'headers'>, name: string): string | undefined {
  return res.headers[name.toLowerCase()]?.[0];
}
