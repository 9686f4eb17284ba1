// Starts the latency web (bench/child/web.ts) in its own process and talks to it.
import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { WebConfig, WebStats } from '../child/web.ts';

export { hostKind } from '../child/hosts.ts';
export type { HostKind } from '../child/hosts.ts';
export type { WebStats };

export interface Web {
  hosts: number;
  latencyMs: number;
  ports: number[];
  host(i: number): string;
  /** The URL of page `n` on host `i`. */
  target(i: number, n: number | string): string;
  /** Every host to its own loopback server, anything else to the catch-all: nothing leaves the machine. */
  connectTo(): Record<string, string>;
  /** The port of the server playing the blog (config.siteRoot), null without one. */
  sitePort: number | null;
  reset(): Promise<void>;
  stats(): Promise<WebStats>;
  close(): Promise<void>;
}

export async function startWeb(build: string, config: WebConfig): Promise<Web> {
  const child = fork(join(build, 'bench', 'child', 'web.js'), [JSON.stringify(config)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise<{ ports: number[]; catchAll: number; site: number | null }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { ports: number[]; catchAll: number; site: number | null }));
    child.once('exit', (code) => reject(new Error(`latency web exited (${code})`)));
  });
  let nextId = 0;
  const ask = <T>(cmd: string): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve) => {
      const onMessage = (m: { id?: number }) => {
        if (m.id !== id) return;
        child.off('message', onMessage);
        resolve(m as T);
      };
      child.on('message', onMessage);
      child.send({ cmd, id });
    });
  };
  const host = (i: number) => `h${i}.example`;
  return {
    hosts: config.hosts,
    latencyMs: config.latencyMs,
    ports: ready.ports,
    sitePort: ready.site,
    host,
    target: (i, n) => `http://${host(i)}:${ready.ports[i]}/post/${n}`,
    connectTo: () => {
      const map: Record<string, string> = { '*': `127.0.0.1:${ready.catchAll}` };
      ready.ports.forEach((port, i) => (map[host(i)] = `127.0.0.1:${port}`));
      return map;
    },
    reset: async () => {
      await ask('reset');
    },
    stats: async () => (await ask<{ stats: WebStats }>('stats')).stats,
    close: async () => {
      await ask('close');
      await new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(null)));
    },
  };
}
