// A parse worker (see ./pool.ts): turns the bytes of one page into a ScannedPage, exactly as the main
// thread would (the same pageFromBytes), and answers with the page and the warnings it raised.
import { parentPort, workerData } from 'node:worker_threads';
import { fromWorkerSetup } from './pool.ts';
import type { ParseJob, ParsedPage, Reply, WorkerData } from './pool.ts';
import { pageFromBytes, readHints } from './scan.ts';
import { feedRule } from './site-feed.ts';
import type { SiteWarning } from './types.ts';
import { errorCode } from './walk.ts';

const { setup, replies: answers } = workerData as WorkerData;
const hints = readHints(setup.options);
const site = fromWorkerSetup(setup.site);
const feed = feedRule(setup.feed);

// Pages are answered a few at a time, not a whole batch at once: the scan hands pages on in order, and a
// page waiting for the rest of its batch would hold up the ones behind it and leave the other workers
// without work. (One message per page costs a wake-up of the main thread each: about 10% of the worker.)
const REPLY_EVERY = 4;

parentPort?.on('message', (batch: Array<{ id: number; job: ParseJob }>) => {
  let replies: Reply[] = [];
  for (const { id, job } of batch) {
    const warnings: SiteWarning[] = [];
    try {
      const page = pageFromBytes(job, site, hints, setup.options, (file, message) => warnings.push({ file, message }), feed);
      const parsed: ParsedPage = { page, warnings };
      replies.push({ id, parsed });
    } catch (error) {
      replies.push({ id, error: errorCode(error) });
    }
    if (replies.length >= REPLY_EVERY) {
      answers.postMessage(replies);
      replies = [];
    }
  }
  if (replies.length > 0) answers.postMessage(replies);
});

// Loaded: from now on the pool gives this worker its full share of pages (pool.ts `ready`, scan.ts WORKER_STARTING);
// until then the calling thread parses them itself rather than wait for this thread to start.
answers.postMessage([]);
