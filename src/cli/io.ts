// What the CLI needs from the process, passed in so tests can drive main() directly, and the two
// decisions about how output looks: colours and animation. Both follow the usual conventions: NO_COLOR
// (no-color.org) and --no-color turn colours off, FORCE_COLOR on; nothing animates unless stderr is a
// terminal, and never in CI or with TERM=dumb.
import pc from 'picocolors';
import type { Paint } from '../index.ts';

export interface Stream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: Stream;
  stderr: Stream;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Process signals; the CLI subscribes for `send` so Ctrl-C stops cleanly. */
  onSignal?: (signal: 'SIGINT' | 'SIGTERM', handler: () => void) => () => void;
  exit?: (code: number) => void;
}

/** Exit codes (documented in the README). */
export const EXIT = { ok: 0, failed: 1, usage: 2, state: 3, sigint: 130, sigterm: 143 } as const;

export function colorEnabled(stream: Stream, env: CliIo['env'], flag: unknown): boolean {
  if (flag === false) return false;
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export function paintFor(stream: Stream, env: CliIo['env'], flag: unknown): Paint {
  return pc.createColors(colorEnabled(stream, env, flag));
}

export function isCi(env: CliIo['env']): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/** A progress bar is drawn only for a person watching a terminal. */
export function animate(stream: Stream, env: CliIo['env']): boolean {
  return stream.isTTY === true && !isCi(env) && env.TERM !== 'dumb';
}
