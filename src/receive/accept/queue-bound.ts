// The bounded queue's check, made on every accept without counting the whole queue each time. Counting the waiting
// jobs is a scan of the index over them: under a flood (the one time the bound matters) each accept paid for all the
// jobs before it. So the count is read from the database at most once per `refreshMs`, and this process's own
// enqueues are added to it in between. The bound is soft, as any shared bound read outside the enqueue's
// transaction is: jobs finished since the last read free their places up to `refreshMs` late, and several web
// processes each let at most one interval's accepts through past it.
export interface QueueBound {
  /** True when the queue holds `max` waiting jobs or more (as last counted, plus our enqueues since). */
  full(): Promise<boolean>;
  /** One more job was queued by this process. */
  added(): void;
}

export function createQueueBound(count: () => Promise<number>, max: number, nowMs: () => number, refreshMs = 1000): QueueBound {
  let known = 0;
  let countedAt = -Infinity;
  let counting: Promise<number> | undefined;
  return {
    async full() {
      if (nowMs() - countedAt >= refreshMs) {
        // Concurrent accepts share one count instead of each starting their own.
        counting ??= count().finally(() => { counting = undefined; });
        known = await counting;
        countedAt = nowMs();
      }
      return known >= max;
    },
    added() {
      known += 1;
    },
  };
}
