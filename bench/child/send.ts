// One run of linkback's library API, `send()` from src/index.ts, in a fresh process; prints one JSON line
// with the time it took (start-up excluded), its CPU time and the process's peak RSS.
//   node send.js '<options as JSON>' [table|all]
// "table" (default) holds the rows the CLI's table holds (tableRows: what `linkback send` without --json
// keeps); "all" holds every row, as `--json` and library callers without keepResult do.
import { send, tableRows } from '../../src/index.ts';
import type { OptionsInput } from '../../src/index.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as OptionsInput;
const cpu0 = process.cpuUsage();
const start = performance.now();
const hold = process.argv[3] ?? 'table';
const byCode: Record<string, number> = {};
const report = await send(options, {
  ...(hold === 'all' ? {} : { keepResult: tableRows() }),
  onEvent: (event) => {
    if (event.type === 'result') byCode[`${event.result.status}:${event.result.code}`] = (byCode[`${event.result.status}:${event.result.code}`] ?? 0) + 1;
  },
});
const wallMs = performance.now() - start;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  wallMs,
  cpuMs: (cpu.user + cpu.system) / 1000,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  summary: report.summary,
  /** Rows the report held (see "hold" above) and rows emitted (every notification decided). */
  results: report.results.length,
  emitted: Object.values(byCode).reduce((a, b) => a + b, 0),
  byCode,
  error: report.error,
}));
