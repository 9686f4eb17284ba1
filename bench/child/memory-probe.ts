// Preloaded (--import) by bench/child/memory.ts's process and, through the inherited execArgv, by every
// worker thread it starts: a worker posts its own heap figures (v8 statistics are per isolate) on a
// BroadcastChannel every 20 messages it gets, for the calling thread to sample (a timer would not do: a
// worker kept busy by its queue of messages runs no timers). Nothing in the main thread.
import { BroadcastChannel, isMainThread, parentPort, threadId } from 'node:worker_threads';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

export const MEMORY_CHANNEL = 'linkback-bench-memory';

if (!isMainThread) {
  const channel = new BroadcastChannel(MEMORY_CHANNEL);
  channel.unref();
  const post = (): void => {
    const usage = process.memoryUsage();
    channel.postMessage({
      threadId,
      heapTotal: usage.heapTotal,
      heapUsed: usage.heapUsed,
      external: usage.external,
      arrayBuffers: usage.arrayBuffers,
      mallocedMemory: getHeapStatistics().malloced_memory,
      peakMallocedMemory: getHeapStatistics().peak_malloced_memory,
      spaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size])),
    });
  };
  let messages = 0;
  parentPort?.on('message', () => {
    if (++messages % 20 === 0) post();
  });
}
