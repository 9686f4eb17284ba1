// The report for people: rows grouped by status (failures first, since those need a person), then one
// summary line. Pure: returns a string; the CLI decides where it goes and whether it has colours.
import type { Result, Status } from '../types.ts';
import type { SendReport } from '../linkback.ts';

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const ORDER: Status[] = ['failed', 'sent', 'dry-run', 'no-endpoint', 'skipped'];
const TITLES: Record<Status, string> = {
  failed: 'Failed',
  sent: 'Sent',
  'dry-run': 'Would send (dry run)',
  'no-endpoint': 'No endpoint',
  skipped: 'Skipped',
};

export function formatTable(report: SendReport, paint: Paint, options: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  for (const status of ORDER) {
    const rows = report.results.filter((r) => r.status === status);
    if (rows.length === 0) continue;
    // Skipped rows are what earlier runs did; list them only when asked.
    if (status === 'skipped' && !options.verbose) {
      const already = rows.filter((r) => r.code === 'already-done').length;
      const other = rows.filter((r) => r.code !== 'already-done');
      if (other.length > 0) {
        lines.push(paint.bold(`${TITLES[status]} (${other.length})`));
        for (const r of other) lines.push(formatRow(r, paint));
      }
      const more = other.length > 0 ? `  … and ${already}` : `${already}`;
      if (already) lines.push(paint.dim(`${more} already done in earlier runs (--verbose lists them)`));
      lines.push('');
      continue;
    }
    lines.push(paint.bold(`${TITLES[status]} (${rows.length})`));
    for (const r of rows) lines.push(formatRow(r, paint));
    lines.push('');
  }
  lines.push(formatSummary(report, paint));
  return lines.join('\n');
}

function formatRow(r: Result, paint: Paint): string {
  const colour = r.status === 'failed' ? paint.red : r.status === 'sent' ? paint.green : r.status === 'dry-run' ? paint.yellow : paint.dim;
  const via = r.protocol ? `${r.protocol} ${r.endpoint ?? ''}`.trim() : '';
  return [
    `  ${colour(symbol(r.status))} ${r.source}`,
    `      -> ${r.target}`,
    via ? `      ${paint.dim(`via ${via}`)}` : null,
    r.message ? `      ${r.status === 'failed' ? paint.red(r.message) : paint.dim(r.message)}` : null,
  ].filter((line): line is string => line !== null).join('\n');
}

function symbol(status: Status): string {
  switch (status) {
    case 'sent':
      return '✓';
    case 'failed':
      return '✗';
    case 'dry-run':
      return '→';
    default:
      return '·';
  }
}

export function formatSummary(report: SendReport, paint: Paint): string {
  const s = report.summary;
  const parts = [
    `${s.posts} post${s.posts === 1 ? '' : 's'} read` + (s.unchangedPosts ? `, ${s.unchangedPosts} unchanged` : ''),
    `${s.targets} target${s.targets === 1 ? '' : 's'}`,
    report.dryRun ? paint.yellow(`${s.dryRun} would be sent`) : paint.green(`${s.sent} sent`),
    s.failed ? paint.red(`${s.failed} failed`) : `${s.failed} failed`,
    `${s.noEndpoint} without endpoint`,
    `${s.skipped} skipped`,
  ];
  const tail: string[] = [];
  if (s.recoveredUncertain) tail.push(paint.yellow(`${s.recoveredUncertain} left in flight by an interrupted run, now marked uncertain`));
  if (report.interrupted) tail.push(paint.yellow('interrupted: some notifications were not attempted'));
  if (report.error) tail.push(paint.red(`stopped: ${report.error.message}`));
  return [parts.join(' · '), ...tail].join('\n');
}
