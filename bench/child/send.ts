// One run of linkback's library API, `send()` from src/index.ts, in a fresh process; prints one JSON line
// with the time it took (start-up excluded), its CPU time and the process's peak RSS.
//   node send.js '<options as JSON>'
import { send } from '../../src/index.ts';
import type { OptionsInput } from '../../src/index.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as OptionsInput;
const cpu0 = process.cpuUsage();
const start = performance.now();
const report = await send(options);
const wallMs = performance.now() - start;
const cpu = process.cpuUsage(cpu0);
const byCode: Record<string, number> = {};
for (const result of report.results) byCode[`${result.status}:${result.code}`] = (byCode[`${result.status}:${result.code}`] ?? 0) + 1;
console.log(JSON.stringify({
  wallMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  summary: report.summary,
  results: report.results.length,
  byCode,
  error: report.error,
}));
