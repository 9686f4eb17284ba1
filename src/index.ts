// The public API. The CLI is built only on what is exported here.
export { send } from './linkback.ts';
export type { LinkbackEvent, SendDeps, SendReport, Summary } from './linkback.ts';
export { DEFAULTS, DEFAULT_ARXIV_ENDPOINT, optionsSchema, parseOptions } from './options.ts';
export type { Options, OptionsInput } from './options.ts';
export { LinkbackError, isLinkbackError } from './errors.ts';
export type { ErrorCode } from './errors.ts';
export type { Endpoint, Outcome, OutcomeCode, Post, Protocol, Result, Status, Target } from './types.ts';
export { arxivId } from './targets/arxiv.ts';
export { discoverEndpoint } from './targets/discover.ts';
export type { HttpClient, HttpRequest, HttpResponse } from './net/types.ts';
export { createHttpClient } from './net/http.ts';
export { resolveOptions, loadConfig, parseConnectTo } from './config.ts';
export { formatJson } from './report/json.ts';
export { formatTable, formatSummary } from './report/table.ts';
export type { Paint } from './report/table.ts';
export { VERSION, userAgent } from './version.ts';
