// Runs an async step on several items of a stream at once, and hands the results on in the order the
// items came: the scan reads (and parses) the next pages while the current one is being used, and its
// output stays in the sorted order of the walk. At most `ahead()` items are in progress, so memory is
// bounded by the window, not by the site.

export async function* mapOrdered<T, R>(items: AsyncIterable<T>, ahead: () => number, step: (item: T) => Promise<R>): AsyncGenerator<R> {
  const iterator = items[Symbol.asyncIterator]();
  const window: Array<Promise<R>> = [];
  let exhausted = false;
  try {
    while (true) {
      // Refilled once half empty, not item by item: steps started together can be batched (see ./pool.ts).
      const refill = window.length <= ahead() / 2;
      while (refill && !exhausted && window.length < ahead()) {
        const next = await iterator.next();
        if (next.done === true) {
          exhausted = true;
          break;
        }
        const result = step(next.value);
        // Rejections are seen when the result's turn comes; until then they must not count as unhandled.
        result.catch(() => undefined);
        window.push(result);
      }
      const first = window.shift();
      if (first === undefined) return;
      yield await first;
    }
  } finally {
    // Stopped early (the consumer broke off, or a step threw): leave nothing running behind us.
    if (!exhausted) await iterator.return?.();
    await Promise.allSettled(window);
  }
}
