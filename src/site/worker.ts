// A parse worker (see ./pool.ts): turns the bytes of one page into a ScannedPage, exactly as the main
// thread would (the same pageFromBytes), and answers with the page and the warnings it raised.
import { parentPort, workerData } from 'node:worker_threads';
import { fromWorkerSetup } from './pool.ts';
import type { ParseJob, ParsedPage, WorkerSetup } from './pool.ts';
import { pageFromBytes, readHints } from './scan.ts';
import type { SiteWarning } from './types.ts';
import { errorCode } from './walk.ts';

const setup = workerData as WorkerSetup;
const hints = readHints(setup.options);
const site = fromWorkerSetup(setup.site);

parentPort?.on('message', (batch: Array<{ id: number; job: ParseJob }>) => {
  const replies = batch.map(({ id, job }) => {
    const warnings: SiteWarning[] = [];
    try {
      const page = pageFromBytes(job, site, hints, setup.options, (file, message) => warnings.push({ file, message }));
      const parsed: ParsedPage = { page, warnings };
      return { id, parsed };
    } catch (error) {
      return { id, error: errorCode(error) };
    }
  });
  parentPort?.postMessage(replies);
});
