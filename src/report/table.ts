// The report for people: rows grouped by status (failures first, since those need a person), then one
// summary line. Pure: returns a string; the CLI decides where it goes and whether it has colours.
import type { Result, Status } from '../types.ts';
import type { SendReport } from '../linkback.ts';
import { countKey } from './counts.ts';
import { formatExtras } from './extras.ts';

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const ORDER: Status[] = ['failed', 'held', 'sent', 'dry-run', 'no-endpoint', 'skipped'];
const TITLES: Record<Status, string> = {
  failed: 'Failed',
  held: 'Held for the next run',
  sent: 'Sent',
  'dry-run': 'Would send (dry run)',
  'no-endpoint': 'No endpoint',
  skipped: 'Skipped',
};

/** Rows listed per status before "… and N more": a person reads the first ones; --verbose and --json give all. */
export const TABLE_ROWS = 100;

export interface TableOptions {
  /** List every row (also those done in earlier runs) instead of TABLE_ROWS per status. */
  verbose?: boolean;
  /** Which statuses get a section (default: all); --quiet shows failures only. */
  statuses?: readonly Status[];
}

export function formatTable(report: SendReport, paint: Paint, options: TableOptions = {}): string {
  const limit = options.verbose ? Infinity : TABLE_ROWS;
  const lines: string[] = [];
  for (const status of ORDER) {
    if (options.statuses && !options.statuses.includes(status)) continue;
    const rows = report.results.filter((r) => r.status === status);
    // The summary counts every row; the report may hold only the ones a table lists (tableRows below).
    const total = Math.max(countOf(report, status), rows.length);
    if (total === 0) continue;
    // Skipped rows are what earlier runs did; list them only when asked.
    if (status === 'skipped' && !options.verbose) {
      const other = rows.filter((r) => r.code !== 'already-done');
      if (other.length > 0) {
        lines.push(paint.bold(`${TITLES[status]} (${other.length})`));
        for (const r of other.slice(0, limit)) lines.push(formatRow(r, paint));
      }
      const rest = total - Math.min(other.length, limit);
      const what = other.length < limit ? 'already done in earlier runs' : 'more, most already done in earlier runs';
      if (rest > 0) lines.push(paint.dim(`${other.length > 0 ? '  … and ' : ''}${rest} ${what} (--verbose lists them)`));
      lines.push('');
      continue;
    }
    if (rows.length === 0) continue;
    lines.push(paint.bold(`${TITLES[status]} (${total})`));
    const shown = rows.slice(0, limit);
    for (const r of shown) lines.push(formatRow(r, paint));
    if (total > shown.length) lines.push(paint.dim(`  … and ${total - shown.length} more (--verbose or --json lists every one)`));
    lines.push('');
  }
  lines.push(...formatExtras(report, paint)); // pushl: WebSub, Wayback captures, 304
  const waits = formatWaits(report, paint);
  if (waits !== null) lines.push(waits);
  lines.push(formatSummary(report, paint));
  return lines.join('\n');
}

/**
 * A SendDeps.keepResult filter that holds only what formatTable will list with the same options: on a big
 * site a run makes a row per post and target (500,000 for 50,000 posts), and holding them all would make
 * memory grow with the site for a table that shows the first TABLE_ROWS of each status anyway.
 */
export function tableRows(options: TableOptions = {}): (result: Result) => boolean {
  if (options.verbose) return (r) => !options.statuses || options.statuses.includes(r.status);
  const held = new Map<Status, number>();
  return (r) => {
    if (options.statuses && !options.statuses.includes(r.status)) return false;
    if (r.status === 'skipped' && r.code === 'already-done') return false; // only counted
    const count = held.get(r.status) ?? 0;
    if (count >= TABLE_ROWS) return false;
    held.set(r.status, count + 1);
    return true;
  };
}

/** `?? 0`: a report made by hand (tests, older callers) may leave a count out. */
function countOf(report: SendReport, status: Status): number {
  return report.summary[countKey(status)] ?? 0;
}

function formatRow(r: Result, paint: Paint): string {
  const colour = r.status === 'failed' ? paint.red : r.status === 'sent' ? paint.green : r.status === 'dry-run' || r.status === 'held' ? paint.yellow : paint.dim;
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
    case 'held':
      return '…';
    default:
      return '·';
  }
}

/**
 * "waited 32 s for blog.example.org (…); 9 s for arxiv.org (…)", or null when the run waited for no host for 1 s or
 * more. Printed above the summary line, which stays the last line people and scripts look at.
 */
export function formatWaits(report: Pick<SendReport, 'hostWaits'>, paint: Paint): string | null {
  const waits = report.hostWaits ?? []; // a report made by hand (older callers) may leave it out
  if (waits.length === 0) return null;
  return paint.dim(`waited ${waits.slice(0, 3).map(waitText).join('; ')}${waits.length > 3 ? `; and ${waits.length - 3} more hosts` : ''}`);
}

function waitText(w: SendReport['hostWaits'][number]): string {
  const asked = w.slowDowns > 0 ? `, asked to slow down ${w.slowDowns === 1 ? 'once' : `${w.slowDowns} times`}` : '';
  return `${formatDuration(w.ms)} for ${w.host} (${w.reason}${asked})`;
}

/** "16 s", "2 min 5 s": the waits of a run, for people. */
export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}

export function formatSummary(report: SendReport, paint: Paint): string {
  const s = report.summary;
  const parts = [
    `${s.posts} post${s.posts === 1 ? '' : 's'} read` + (s.unchangedPosts ? `, ${s.unchangedPosts} unchanged` : ''),
    `${s.targets} target${s.targets === 1 ? '' : 's'}`,
    report.dryRun ? paint.yellow(`${s.dryRun} would be sent`) : paint.green(`${s.sent} sent`),
    s.failed ? paint.red(`${s.failed} failed`) : `${s.failed} failed`,
    ...(s.held ? [paint.yellow(`${s.held} held for the next run`)] : []),
    `${s.noEndpoint} without endpoint`,
    `${s.skipped} skipped`,
  ];
  const tail: string[] = [];
  // Only when they outnumber the posts read: a theme whose posts have no date, not a dated blog's About page.
  if (s.undatedPages > s.posts + s.unchangedPosts) {
    const pages = s.undatedPages === 1 ? '1 page looks like a post but has' : `${s.undatedPages} pages look like posts but have`;
    tail.push(paint.yellow(`hint: ${pages} no machine-readable date (e.g. ${s.undatedExample ?? '?'}): left out; --include-undated takes them as posts`));
  }
  if (s.recoveredUncertain) tail.push(paint.yellow(`${s.recoveredUncertain} left in flight by an interrupted run, now marked uncertain`));
  if (s.recoveredResend) tail.push(`${s.recoveredResend} left in flight by an interrupted run, sent again (Webmention, Pingback: a repeat is harmless)`);
  if (report.interrupted) tail.push(paint.yellow('interrupted: some notifications were not attempted'));
  if (report.error) tail.push(paint.red(`stopped: ${report.error.message}`));
  return [parts.join(' · '), ...tail].join('\n');
}
