// The measured process of the receiver's verify benchmark (bench/receive-verify.ts). `workers` loops take jobs
// from one list until it is empty, as the receiver's workers take jobs from its queue; each job is either
//   verify: verifySource (fetch through the guarded client, link check, microformats, sanitising), or
//   fetch:  the same GET through the same client and nothing else (the floor: what waiting on sources costs).
// The list may start with `hang` sources that never answer. Prints one JSON line: times since start.
//   node verify-sources.js '{"mode":"verify","port":1234,"jobs":400,"workers":16,"hang":1,"timeoutMs":2000,"target":"..."}'
import { createHttpClient, DEFAULT_HTTP_OPTIONS } from '../../src/net/http.ts';
import { verifySource } from '../../src/receive/verify/index.ts';
import type { Verification } from '../../src/receive/types.ts';

interface Config {
  mode: 'verify' | 'fetch';
  port: number;
  jobs: number;
  workers: number;
  hang: number;
  /** Serve the pages without microformats. */
  plain?: boolean;
  timeoutMs: number;
  target: string;
}

const config = JSON.parse(process.argv[2] ?? '{}') as Config;
const client = createHttpClient({
  ...DEFAULT_HTTP_OPTIONS,
  userAgent: 'linkback-bench',
  allowPrivate: true,
  timeoutMs: config.timeoutMs,
  connectTo: { 'sources.example': `127.0.0.1:${config.port}` },
});
const urls = [
  ...Array.from({ length: config.hang }, (_, i) => `http://sources.example/hang/${i}`),
  ...Array.from({ length: config.jobs }, (_, i) => `http://sources.example/${config.plain === true ? 'plain' : 'reply'}/${i}`),
];
const started = performance.now();
let next = 0;
let othersDoneMs = 0;
let verified = 0;
const hangResults: string[] = [];

async function worker(): Promise<void> {
  while (next < urls.length) {
    const url = urls[next++] as string;
    let outcome: string;
    if (config.mode === 'verify') {
      const v: Verification = await verifySource(
        { site: 'https://blog.example', protocol: 'webmention', source: url, target: config.target, clientAddress: '127.0.0.1', receivedAt: new Date().toISOString() },
        { client, authorPage: false },
      );
      outcome = v.ok ? 'ok' : `${v.code}${v.retryable ? ' (retryable)' : ''}`;
    } else {
      try {
        const res = await client.request({ method: 'GET', url, maxBytes: 1024 * 1024 });
        outcome = res.status === 200 ? 'ok' : String(res.status);
      } catch (error) {
        outcome = `error ${(error as { code?: string }).code ?? ''} (retryable)`;
      }
    }
    if (url.includes('/hang/')) hangResults.push(outcome);
    else {
      if (outcome === 'ok') verified++;
      othersDoneMs = performance.now() - started;
    }
  }
}

await Promise.all(Array.from({ length: config.workers }, () => worker()));
const wallMs = performance.now() - started;
await client.close();
console.log(JSON.stringify({ wallMs, othersDoneMs, verified, hangResults }));
