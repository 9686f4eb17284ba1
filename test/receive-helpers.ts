// Helpers for the receiver's tests: a `linkback serve` child process, and a source site on 127.0.0.1.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compiled } from './compiled.ts';

export const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'src/cli/bin.ts');

export interface ServeChild {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/**
 * Starts `linkback serve …` on port 0 and waits for its "receiving … on http://…" line. From src/ through tsx, or
 * with `compiled` the same sources as plain JavaScript (test/compiled.ts): no tsx loader thread and esbuild service
 * in a process that lives for the whole test (measured: ~160 MB + a 17 MB esbuild child through tsx, ~110 MB compiled).
 */
export async function startServe(args: string[], options: { cwd: string; preload?: string; compiled?: boolean } = { cwd: root }): Promise<ServeChild> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith('LINKBACK_')) delete env[name];
  const entry = options.compiled ? [(await compiled()).bin] : ['--import', import.meta.resolve('tsx'), bin];
  const child = spawn(process.execPath, [
    ...(options.preload ? ['--require', options.preload] : []),
    ...entry, 'serve', '--port', '0', ...args,
  ], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /receiving for .* on (http:\/\/[^\s]+)/.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening:\n${stderr}`)));
  });
  return { child, url, stderr: () => stderr, exited };
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; origin: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** POSTs a webmention form; resolves with the status and headers, or 'failed' when no answer came. */
export async function sendWebmention(endpoint: string, source: string, target: string): Promise<{ status: number; location: string | null; retryAfter: string | null; body: string } | 'failed'> {
  try {
    const res = await fetch(endpoint, { method: 'POST', body: new URLSearchParams({ source, target }) });
    return { status: res.status, location: res.headers.get('location'), retryAfter: res.headers.get('retry-after'), body: await res.text() };
  } catch {
    return 'failed';
  }
}
