// The receiver under the verify benchmark (bench/receive-verify.ts): `linkback serve` as a library call, as the
// command runs it (its own guarded client and verifySource), its SQLite store in a scratch folder, sources on the
// slow-sources server. Started with IPC: tells its URL, answers "count" with the worker events so far, "close" ends.
//   node receive-server.js '{"sourcesPort":1234,"workers":8,"timeoutMs":3000,"db":"/tmp/x/mentions.db"}'
import { parseOptions } from '../../src/options.ts';
import { startReceiver } from '../../src/receive/serve.ts';

interface Config {
  sourcesPort: number;
  workers: number;
  timeoutMs: number;
  db: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const connectTo = { 'sources.example': `127.0.0.1:${config.sourcesPort}` };
const options = parseOptions({
  sites: ['https://blog.example'], port: 0, host: '127.0.0.1', db: config.db,
  verifyWorkers: config.workers, verifyTimeout: config.timeoutMs, rateClient: 0, rateSource: 0,
  allowPrivate: true, connectTo, timeout: config.timeoutMs,
});
const counts = { done: 0, verified: 0, retried: 0, errors: 0, heldMs: 0 };
const receiver = await startReceiver(options, {
  onWorkerEvent: (event) => {
    if (event.type === 'done') {
      counts.done++;
      if (event.verification.ok) counts.verified++;
    } else if (event.type === 'retry') {
      counts.retried++;
      // How long the worker held it: a running job's notBefore is its lease end, taken at claim + 2 x the deadline
      // (the workers' default lease), so this is from the claim to the verdict, queue wait excluded.
      counts.heldMs = Math.max(counts.heldMs, Date.now() - (Date.parse(event.job.notBefore) - 2 * config.timeoutMs));
    }
    else counts.errors++;
  },
});
process.send?.({ url: receiver.url });
process.on('message', (m: { cmd?: string }) => {
  if (m.cmd === 'count') process.send?.({ counts });
  if (m.cmd === 'close') void receiver.close().then(() => process.exit(0));
});
