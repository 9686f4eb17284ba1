// Where a scan's memory goes, sampled every 1,000 pages; prints one JSON line per sample, then a summary.
//   node --import ./memory-probe.js memory.js <site> <workers> [scan|send]   (workers 0: the default)
// Per sample: the process (VmRSS, split from /proc/self/smaps into glibc's main heap, its per-thread
// arenas, and other anonymous mappings: V8's pages, large objects, stacks), the calling thread's V8 heap by
// space, and a worker's (posted by memory-probe.ts from inside it: the last one heard from). Everything in MB.
import { execFileSync } from 'node:child_process';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { BroadcastChannel } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanSite } from '../../src/site/index.ts';
import { MEMORY_CHANNEL } from './memory-probe.ts';

const [site = '', workersArg = '2', mode = 'scan'] = process.argv.slice(2);
const workers = Number(workersArg);
const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

let worker: Record<string, unknown> = {};
const channel = new BroadcastChannel(MEMORY_CHANNEL);
channel.unref();
channel.onmessage = (event) => {
  worker = (event as MessageEvent).data as Record<string, unknown>;
};

/**
 * Resident MB of this process by kind of mapping: glibc's main heap ([heap]), its per-thread arenas (64 MiB-aligned
 * anonymous mappings), other anonymous mappings (V8's pages, stacks) and files. Summed by awk in a child process:
 * reading smaps here made a string of a few hundred KB per sample, which lands in V8's large-object space.
 */
const SMAPS_AWK = `
/^[0-9a-f]+-[0-9a-f]+ / { split($1, r, "-"); name = $6; rw = substr($2, 1, 2) == "rw";
  aligned = substr(r[1], length(r[1]) - 6) ~ /^[048c]000000$/;
  kind = name == "[heap]" ? "brkHeap" : (name != "" && substr(name, 1, 1) != "[") ? "file" : (name == "" && aligned && rw) ? "arenas" : "anonOther"; next }
/^Rss:/ { kb[kind] += $2 }
END { print kb["brkHeap"] / 1024, kb["arenas"] / 1024, kb["anonOther"] / 1024, kb["file"] / 1024 }`;

function smaps(): Record<string, number> {
  const [brkHeap = NaN, arenas = NaN, anonOther = NaN, file = NaN] = execFileSync('awk', [SMAPS_AWK, `/proc/${process.pid}/smaps`], { encoding: 'utf8' }).trim().split(' ').map((n) => Math.round(Number(n) * 10) / 10);
  return { brkHeap, arenas, anonOther, file };
}

function sample(pages: number): Record<string, unknown> {
  const usage = process.memoryUsage();
  const stats = getHeapStatistics();
  const w = worker as { heapTotal?: number; heapUsed?: number; external?: number; arrayBuffers?: number; mallocedMemory?: number; spaces?: Record<string, number> };
  return {
    pages,
    rss: mb(usage.rss),
    maxRss: mb(process.resourceUsage().maxRSS * 1024),
    ...smaps(),
    main: {
      heapTotal: mb(usage.heapTotal), heapUsed: mb(usage.heapUsed), external: mb(usage.external), arrayBuffers: mb(usage.arrayBuffers),
      malloced: mb(stats.malloced_memory),
      spaces: Object.fromEntries(getHeapSpaceStatistics().filter((s) => s.space_size > 0).map((s) => [s.space_name.replace('_space', ''), mb(s.space_size)])),
    },
    worker: w.heapTotal === undefined ? null : {
      heapTotal: mb(w.heapTotal), heapUsed: mb(w.heapUsed ?? 0), external: mb(w.external ?? 0), arrayBuffers: mb(w.arrayBuffers ?? 0),
      malloced: mb(w.mallocedMemory ?? 0),
      spaces: Object.fromEntries(Object.entries(w.spaces ?? {}).filter(([, v]) => v > 0).map(([k, v]) => [k.replace('_space', ''), mb(v)])),
    },
  };
}

const cpu0 = process.cpuUsage();
const start = performance.now();
let pages = 0;
const each = (): void => {
  pages++;
  if (pages % 1000 === 0) console.log(JSON.stringify(sample(pages)));
};
if (mode === 'send') {
  // The library's dry run, as bench/child/send.js runs it (rows held as the CLI's table does). Imported only
  // here: the whole library (undici, zod ...) loaded for a scan would add to what the scan is measured at.
  const { send, tableRows } = await import('../../src/index.ts');
  await send({ site, siteUrl: 'https://blog.example/', dryRun: true, state: join(tmpdir(), `linkback-memory-${process.pid}.json`), allowPrivate: true, connectTo: { '*': '127.0.0.1:9' }, checkLive: false, ...(workers > 0 ? { workers } : {}) }, {
    keepResult: tableRows(),
    onEvent: (event) => {
      if (event.type === 'page') each();
    },
  });
} else {
  for await (const page of scanSite(site, { siteUrl: null, blogName: null }, workers > 0 ? { workers } : {})) {
    void page;
    each();
  }
}
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({ ...sample(pages), wallMs: Math.round(performance.now() - start), cpuMs: Math.round((cpu.user + cpu.system) / 1000), maxRssMb: mb(process.resourceUsage().maxRSS * 1024) }));
