// How much parallelism this machine gives us right now: the same busy loop on 1 thread, then on N threads
// at once, for the same time. Effective cores = work done by N / work done by 1. On a shared machine this
// is well below the core count, and worker-thread speed-ups can only be read against it.
//   node cores.js <threads> <ms>
import { Worker } from 'node:worker_threads';

const threads = Number(process.argv[2] ?? 2);
const ms = Number(process.argv[3] ?? 1000);
const spin = `const { parentPort, workerData } = require('node:worker_threads'); const end = Date.now() + workerData; let n = 0; while (Date.now() < end) n++; parentPort.postMessage(n);`;
const run = (count: number) =>
  Promise.all(Array.from({ length: count }, () => new Promise<number>((resolve, reject) => {
    new Worker(spin, { eval: true, workerData: ms }).once('message', resolve).once('error', reject);
  })));
const one = (await run(1))[0] ?? 1;
const many = (await run(threads)).reduce((a, b) => a + b, 0);
console.log(JSON.stringify({ threads, effective: many / one }));
