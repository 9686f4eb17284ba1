// The floor of the whole send in bench/cold.ts: the plainest single-thread way to do the wire and parse work that
// `linkback send` does on that bench's site, as a whole process (start-up included, like the command it is compared
// with). Imports nothing of linkback: htmlparser2's Parser (which linkback uses too) and node:http, already inside
// Node, so it loads nothing more (undici, which linkback uses, measured slower here: see bench/README.md).
//  1. list the built site's .html files, readFileSync and parse each; a post is a page with an h-entry (how
//     bench/lib/site.ts marks it), its targets the absolute links to other hosts inside its e-content;
//  2. for each post: GET its public URL (the live check) and parse it the same way; then for each target it links:
//     GET it, find its endpoint (Link header rel=webmention, else the HTML's <link rel=webmention>, X-Pingback or
//     <link rel=pingback>: bench/child/hosts.ts) and POST the notification (Webmention form, Pingback XML-RPC),
//     reading every answer's body.
// At most 128 requests in flight overall (linkback's default `concurrency`), and nothing else: no per-host limit,
// no pacing between two requests to one host (the floor has no politeness), no retries, no state file.
//   node send-floor.js <site> <site URL> '<connect-to map as JSON: host -> address:port, "*" for any other>'
// Prints one JSON line: what it read and sent, and where its time went (`ms`, see the end).
import { readFileSync, readdirSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { Parser } from 'htmlparser2';

// Here the imports are loaded: since the process started (performance's time origin), Node's start and theirs.
const loadedAt = performance.now();
const loadedCpu = process.cpuUsage();

const site = process.argv[2] ?? '.';
const siteUrl = new URL(process.argv[3] ?? 'http://blog.example/');
const connectTo = new Map(Object.entries(JSON.parse(process.argv[4] ?? '{}') as Record<string, string>));
const CONCURRENCY = 128;

/** Time spent parsing answers (live copies, target pages): synchronous, so wall time on this one thread is CPU. */
let answerParseMs = 0;

/** A page's role and its targets: absolute links to other hosts inside the e-content of an h-entry. */
function readPage(html: string): { post: boolean; targets: string[] } {
  let post = false;
  let depth = 0; // > 0 inside the e-content
  const targets: string[] = [];
  new Parser({
    onopentag(name, attribs) {
      const classes = ` ${attribs['class'] ?? ''} `;
      if (classes.includes(' h-entry ')) post = true;
      if (depth > 0) depth++;
      else if (classes.includes(' e-content ')) depth = 1;
      const href = attribs['href'];
      if (depth > 0 && name === 'a' && href !== undefined && /^https?:\/\//i.test(href) && new URL(href).hostname !== siteUrl.hostname) targets.push(href);
    },
    onclosetag() {
      if (depth > 0) depth--;
    },
  }, { decodeEntities: true }).end(html);
  return { post, targets };
}

// The concurrency limit: a request waits for a free slot, first come first served.
let inFlight = 0;
const waiting: Array<() => void> = [];
async function slot(): Promise<void> {
  if (inFlight < CONCURRENCY) {
    inFlight++;
    return;
  }
  await new Promise<void>((resolve) => waiting.push(resolve));
}
function release(): void {
  const next = waiting.shift();
  if (next) next();
  else inFlight--;
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }
const agent = new Agent({ keepAlive: true });

/** One request to `url`, dialling where the connect-to map says (Host stays the URL's), its whole body read. */
async function fetchText(method: 'GET' | 'POST', url: string, body?: { type: string; text: string }): Promise<Answer> {
  const target = new URL(url);
  const [address, port] = (connectTo.get(target.hostname) ?? connectTo.get('*') ?? `${target.hostname}:${target.port || 80}`).split(':');
  await slot();
  try {
    return await new Promise<Answer>((resolve, reject) => {
      const req = request({
        agent, method, host: address, port: Number(port), path: `${target.pathname}${target.search}`,
        headers: { host: target.host, ...(body ? { 'content-type': body.type, 'content-length': Buffer.byteLength(body.text) } : {}) },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body?.text);
    });
  } finally {
    release();
  }
}

/** The endpoint a target page advertises: Link header first (no need to read the HTML), then the HTML, then X-Pingback. */
function endpointOf(answer: Answer, url: string): { protocol: 'webmention' | 'pingback'; url: string } | null {
  const link = String(answer.headers.link ?? '');
  const fromHeader = /<([^>]*)>\s*;\s*rel="?[^"]*\bwebmention\b/i.exec(link)?.[1];
  if (fromHeader !== undefined) return { protocol: 'webmention', url: new URL(fromHeader, url).href };
  const started = performance.now();
  let webmention: string | undefined;
  let pingback: string | undefined;
  const parser = new Parser({
    onopentag(name, attribs) {
      const rel = ` ${attribs['rel'] ?? ''} `;
      const href = attribs['href'];
      if (href === undefined || (name !== 'link' && name !== 'a')) return;
      if (rel.includes(' webmention ')) {
        webmention = href;
        parser.pause(); // the first wins, and Webmention over Pingback: nothing later matters
      } else if (name === 'link' && rel.includes(' pingback ')) pingback ??= href;
    },
  }, { decodeEntities: true });
  parser.end(answer.body);
  answerParseMs += performance.now() - started;
  if (webmention !== undefined) return { protocol: 'webmention', url: new URL(webmention, url).href };
  const xPingback = answer.headers['x-pingback'];
  if (typeof xPingback === 'string') return { protocol: 'pingback', url: new URL(xPingback, url).href };
  return pingback === undefined ? null : { protocol: 'pingback', url: new URL(pingback, url).href };
}

const xml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const counts = { pages: 0, posts: 0, live: 0, targets: 0, webmention: 0, pingback: 0, none: 0, failed: 0 };

async function notify(source: string, target: string): Promise<void> {
  const page = await fetchText('GET', target);
  const endpoint = page.status === 200 ? endpointOf(page, target) : null;
  if (endpoint === null) {
    counts.none++;
    return;
  }
  const answer = endpoint.protocol === 'webmention'
    ? await fetchText('POST', endpoint.url, { type: 'application/x-www-form-urlencoded', text: new URLSearchParams({ source, target }).toString() })
    : await fetchText('POST', endpoint.url, {
      type: 'text/xml',
      text: `<?xml version="1.0"?><methodCall><methodName>pingback.ping</methodName><params><param><value><string>${xml(source)}</string></value></param><param><value><string>${xml(target)}</string></value></param></params></methodCall>`,
    });
  if (answer.status >= 200 && answer.status <= 299) counts[endpoint.protocol]++;
  else counts.failed++;
}

/** The live check of one post, then its notifications: only of the targets the live copy links too. */
async function sendPost(path: string, targets: string[]): Promise<void> {
  const source = new URL(path, siteUrl).href;
  const live = await fetchText('GET', source);
  if (live.status !== 200) return;
  counts.live++;
  const started = performance.now();
  const linked = new Set(readPage(live.body).targets);
  answerParseMs += performance.now() - started;
  await Promise.all(targets.filter((t) => linked.has(t)).map((target) => notify(source, target)));
}

const decoder = new TextDecoder();
const jobs: Array<Promise<void>> = [];
for (const file of readdirSync(site, { recursive: true }) as string[]) {
  if (!/\.html?$/i.test(file)) continue;
  counts.pages++;
  const page = readPage(decoder.decode(readFileSync(join(site, file))));
  if (!page.post) continue;
  counts.posts++;
  counts.targets += page.targets.length;
  // The public URL of a/b/index.html is <site URL>a/b/.
  jobs.push(sendPost(file.replace(/index\.html?$/i, ''), page.targets));
}
const scannedAt = performance.now();
await Promise.all(jobs);
agent.destroy();
const cpu = process.cpuUsage();
const round = (ms: number) => Math.round(ms);
console.log(JSON.stringify({
  ...counts,
  ms: {
    /** Process start to the imports loaded (Node's own start included), wall and CPU. */
    startAndLoad: round(loadedAt), startAndLoadCpu: round((loadedCpu.user + loadedCpu.system) / 1000),
    /** Listing, reading and parsing the site's pages (no request goes out before this is done: one thread). */
    scan: round(scannedAt - loadedAt),
    /** The requests: from the end of the scan to the last answer, of which parsing the answers took `answerParse`. */
    requests: round(performance.now() - scannedAt), answerParse: round(answerParseMs),
    cpu: round((cpu.user + cpu.system) / 1000),
  },
}));
