// Typed errors. Only fatal problems throw (a bad option, an unusable state file, a missing site);
// a notification that fails is a Result, not an exception. Callers branch on `code`, never on text.

export type ErrorCode =
  | 'USAGE' // bad option or argument
  | 'CONFIG_INVALID' // config file / env / options failed validation
  | 'SITE_NOT_FOUND' // the site folder does not exist or is not a folder
  | 'NO_SITE_URL' // post URLs cannot be worked out: no --site-url and no canonical/og:url
  | 'STATE_CORRUPT' // the state file cannot be read as linkback state
  | 'STATE_VERSION' // the state file was written by a newer linkback
  | 'STATE_LOCKED' // another linkback run holds the state lock
  | 'STATE_UNWRITABLE' // the state cannot be written (permissions, disk full)
  | 'ABORTED' // the run was interrupted (SIGINT/SIGTERM)
  | 'DB_DRIVER_MISSING' // `serve`: the SQLite driver (better-sqlite3, an optional dependency) is not installed
  | 'DB_UNUSABLE' // `serve`: the mentions database cannot be opened or migrated (permissions, corrupt, newer format)
  | 'LISTEN_FAILED'; // `serve`: the port cannot be listened on (in use, not allowed)

export class LinkbackError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LinkbackError';
    this.code = code;
  }
}

export function isLinkbackError(error: unknown, code?: ErrorCode): error is LinkbackError {
  return error instanceof LinkbackError && (code === undefined || error.code === code);
}
