// What an integration logs after a run, as lines with a level; the generator's logger prints them. Pure.
// Detail first, the one-line summary last (as the CLI's table), so the summary is what the eye lands on.
import type { SendReport } from '../linkback.ts';
import type { Result } from '../types.ts';
import { formatSummary, formatWaits } from '../report/table.ts';
import type { Paint } from '../report/table.ts';

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  /** The run's one-line summary: shown even when the generator is asked to be quiet. */
  summary?: true;
}

const plain = (s: string) => s;
/** Generators colour by level themselves. */
const PLAIN: Paint = { red: plain, green: plain, yellow: plain, dim: plain, bold: plain };

export function reportLines(report: SendReport): LogLine[] {
  const lines: LogLine[] = [];
  for (const warning of report.warnings) lines.push({ level: 'warn', message: `${warning.file}: ${warning.message}` });
  for (const result of report.results) {
    const line = resultLine(result);
    if (line) lines.push(line);
  }
  if (report.error) lines.push({ level: 'error', message: `stopped: ${report.error.message} (${report.error.code})` });
  const waits = formatWaits(report, PLAIN);
  if (waits !== null) lines.push({ level: 'info', message: waits });
  // formatSummary repeats report.error on its own line; that was said just above.
  const summary = formatSummary({ ...report, error: null }, PLAIN);
  lines.push({ level: 'info', message: summary, summary: true });
  return lines;
}

function resultLine(r: Result): LogLine | null {
  const pair = `${r.source} -> ${r.target}`;
  switch (r.status) {
    case 'sent':
      return { level: 'info', message: `sent ${r.protocol ?? 'notification'} ${pair}` };
    case 'dry-run':
      return { level: 'info', message: `would send ${r.protocol ?? 'notification'} ${pair} (dry run)` };
    case 'failed':
      return { level: 'warn', message: `failed ${r.protocol ?? 'discovery'} ${pair}: ${r.message}` };
    case 'held':
      return { level: 'info', message: `held ${r.protocol ?? 'notification'} ${pair}: ${r.message} (the next build sends it)` };
    case 'no-endpoint':
      return { level: 'info', message: `no endpoint ${pair}` };
    case 'skipped':
      // Done in an earlier build: the summary counts them.
      return r.code === 'already-done' ? null : { level: 'info', message: `skipped ${pair}: ${r.message}` };
  }
}
