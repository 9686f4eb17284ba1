// One scan measurement, in a fresh process; prints one JSON line.
//   node scan.js tokenizer <site>          baseline: read every file, tokenize it with htmlparser2, nothing else
//   node scan.js parser <site>             baseline: the same through htmlparser2's Parser (no handlers)
//   node scan.js scan <site> <workers>     linkback's scan: scanSite (read, classify, content links) + the
//                                          arXiv rule on every post's links (resolveTargets); workers 0 = default
//   node --expose-gc scan.js live <site> <workers>
//                                          the same, collecting garbage every 500 pages to sample what the
//                                          calling thread really holds mid-scan (its live heap): peak RSS also
//                                          counts garbage V8 has not collected yet, which grows with run time
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Parser, Tokenizer } from 'htmlparser2';
import { scanSite } from '../../src/site/index.ts';
import { resolveTargets } from '../../src/targets/resolve.ts';

const [mode, site = '', workersArg = '0'] = process.argv.slice(2);
const noop = (): void => {};
const tokenizerCallbacks = {
  onattribdata: noop, onattribentity: noop, onattribend: noop, onattribname: noop, oncdata: noop, onclosetag: noop,
  oncomment: noop, ondeclaration: noop, onend: noop, onopentagend: noop, onopentagname: noop,
  onprocessinginstruction: noop, onselfclosingtag: noop, ontext: noop, ontextentity: noop,
};

const cpu0 = process.cpuUsage();
const start = performance.now();
const counts = { pages: 0, bytes: 0, posts: 0, targets: 0, arxiv: 0 };
/** Live heap of the calling thread (MB, after a full collection), every 500 pages (mode live). */
const live: number[] = [];

if (mode === 'tokenizer' || mode === 'parser') {
  // The simplest fast way: list once, read each file synchronously, decode, feed the whole text.
  const files = (readdirSync(site, { recursive: true }) as string[]).filter((f) => /\.html?$/i.test(f));
  const decoder = new TextDecoder();
  for (const file of files) {
    const bytes = readFileSync(join(site, file));
    const text = decoder.decode(bytes);
    if (mode === 'tokenizer') {
      const tokenizer = new Tokenizer({ decodeEntities: true }, tokenizerCallbacks);
      tokenizer.write(text);
      tokenizer.end();
    } else {
      new Parser({}, { decodeEntities: true }).end(text);
    }
    counts.pages++;
    counts.bytes += bytes.length;
  }
} else if (mode === 'scan' || mode === 'live') {
  const workers = Number(workersArg);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (mode === 'live' && gc === undefined) throw new Error('live mode needs node --expose-gc');
  for await (const page of scanSite(site, { siteUrl: null, blogName: null }, workers > 0 ? { workers } : {})) {
    counts.pages++;
    if (gc !== undefined && mode === 'live' && counts.pages % 500 === 0) {
      gc();
      live.push(process.memoryUsage().heapUsed / 2 ** 20);
    }
    if (page.kind !== 'post') continue;
    counts.posts++;
    const targets = resolveTargets(page.post.links, 'https://arxiv.org/trackback/{id}', []);
    counts.targets += targets.length;
    counts.arxiv += targets.filter((t) => t.kind === 'arxiv').length;
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}

const wallMs = performance.now() - start;
const cpu = process.cpuUsage(cpu0);
const liveHeap = live.length > 0 ? { liveFirstMb: live[0], liveLastMb: live[live.length - 1] } : {};
console.log(JSON.stringify({ mode, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMb: process.resourceUsage().maxRSS / 1024, ...counts, ...liveHeap }));
