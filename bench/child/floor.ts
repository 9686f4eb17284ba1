// The floor of the dry-run benchmark (bench/dry.ts): the plainest single-thread way to read a built site and parse
// every page, as a whole process (start-up included, like the command it is compared with): list the files once,
// readFileSync each, decode, htmlparser2's Parser with no handlers. Imports nothing of linkback.
//   node floor.js <site>        prints one JSON line
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from 'htmlparser2';

const site = process.argv[2] ?? '.';
let pages = 0;
let bytes = 0;
const decoder = new TextDecoder();
for (const file of readdirSync(site, { recursive: true }) as string[]) {
  if (!/\.html?$/i.test(file)) continue;
  const data = readFileSync(join(site, file));
  new Parser({}, { decodeEntities: true }).end(decoder.decode(data));
  pages++;
  bytes += data.length;
}
console.log(JSON.stringify({ pages, bytes }));
