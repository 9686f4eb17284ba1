// `linkback status` for people: where the state is, when it last changed, counts by protocol and status,
// then the notifications that need a person. Pure: returns a string.
import type { NotificationRecord, RecordStatus, StateStatus } from '../state/status.ts';
import type { Paint } from './table.ts';

const COLUMNS: ReadonlyArray<{ status: RecordStatus; title: string }> = [
  { status: 'sent', title: 'sent' },
  { status: 'failed', title: 'failed' },
  { status: 'uncertain', title: 'uncertain' },
  { status: 'no-endpoint', title: 'no endpoint' },
  { status: 'in-flight', title: 'in flight' },
];
const ROWS = ['webmention', 'pingback', 'trackback', 'none'] as const;

export interface StatusFormat {
  /** For "3 hours ago"; the time `status` ran. */
  now: Date;
  /** List every failed and uncertain notification, not only the newest ones. */
  verbose?: boolean;
}

const LISTED = 10;

export function formatStatus(status: StateStatus, paint: Paint, options: StatusFormat): string {
  const lines: string[] = [`State: ${status.path}`];
  if (!status.exists) {
    lines.push('No state yet: nothing has been sent with this state file. `linkback send <site-dir>` starts one.');
    return lines.join('\n');
  }
  lines.push(status.lastActivity
    ? `Last activity: ${status.lastActivity} (${ago(status.lastActivity, options.now)})`
    : 'Last activity: none recorded');
  if (status.lockedBy) {
    lines.push(paint.yellow(`Locked by pid ${status.lockedBy.pid} on ${status.lockedBy.hostname} since ${status.lockedBy.startedAt}: a run is going on (or died holding the lock)`));
  }
  lines.push(`${plural(status.notifications, 'notification')} recorded for ${plural(status.posts, 'post')}`, '');
  if (status.notifications > 0) lines.push(...countsTable(status, paint), '');

  lines.push(...section('Failed', status.failed, paint, options, (r) =>
    r.retryable ? 'sent again by the next run on its own' : 'the server answered; `linkback send --retry-failed` sends it again'));
  lines.push(...section('Uncertain', status.uncertain, paint, options, () =>
    'may have been delivered (no answer came); `linkback send --retry-uncertain` sends it again'));
  lines.push(...goneSection(status.gone, paint, options));
  while (lines.at(-1) === '') lines.pop();
  return lines.join('\n');
}

type Column = RecordStatus | 'gone';

function countsTable(status: StateStatus, paint: Paint): string[] {
  // Gone targets get a column of their own: in the state they are failed records, but not failures to act on.
  const goneBy = (p: (typeof ROWS)[number]) => status.gone.filter((r) => (r.protocol ?? 'none') === p).length;
  const count = (p: (typeof ROWS)[number] | 'total', c: Column): number => {
    if (p === 'total') return c === 'gone' ? status.gone.length : status.byStatus[c] - (c === 'failed' ? status.gone.length : 0);
    return c === 'gone' ? goneBy(p) : status.byProtocol[p][c] - (c === 'failed' ? goneBy(p) : 0);
  };
  const columns = [...COLUMNS, { status: 'gone' as const, title: 'gone' }].filter((c) => count('total', c.status) > 0);
  const rows = ROWS.filter((p) => columns.some((c) => count(p, c.status) > 0));
  const label = (p: (typeof ROWS)[number]) => (p === 'none' ? '(no endpoint)' : p);
  const first = Math.max(...rows.map((p) => label(p).length), 'total'.length);
  const widths = columns.map((c) => Math.max(c.title.length, String(count('total', c.status)).length));
  const colour = (s: Column, text: string) =>
    s === 'sent' ? paint.green(text) : s === 'failed' ? paint.red(text) : s === 'uncertain' || s === 'in-flight' ? paint.yellow(text) : text;
  const line = (name: string, cells: string[]) => `  ${name.padEnd(first)}  ${cells.join('  ')}`;
  const out = [paint.bold(line('', columns.map((c, i) => c.title.padStart(widths[i] ?? 0))))];
  for (const p of rows) {
    out.push(line(label(p), columns.map((c, i) => {
      const n = count(p, c.status);
      const text = String(n || '-').padStart(widths[i] ?? 0);
      return n ? colour(c.status, text) : paint.dim(text);
    })));
  }
  if (rows.length > 1) out.push(line('total', columns.map((c, i) => String(count('total', c.status)).padStart(widths[i] ?? 0))));
  return out;
}

function section(title: string, records: readonly NotificationRecord[], paint: Paint, options: StatusFormat, hint: (r: NotificationRecord) => string): string[] {
  if (records.length === 0) return [];
  const shown = options.verbose ? records : records.slice(0, LISTED);
  const out = [paint.bold(`${title} (${records.length})`)];
  for (const r of shown) {
    out.push(
      `  ${paint.red('✗')} ${r.source}`,
      `      -> ${r.target}`,
      `      ${paint.dim([r.protocol && r.endpoint ? `${r.protocol} ${r.endpoint}` : null, r.at, plural(r.attempts, 'attempt')].filter(Boolean).join(' · '))}`,
      `      ${r.code}: ${r.message}`,
      `      ${paint.dim(hint(r))}`,
    );
  }
  if (shown.length < records.length) out.push(paint.dim(`  … and ${records.length - shown.length} more (--verbose lists them all)`));
  out.push('');
  return out;
}

/** Dead links: where they are, since when, and when they are looked at again. Old news: no red. */
function goneSection(records: readonly NotificationRecord[], paint: Paint, options: StatusFormat): string[] {
  if (records.length === 0) return [];
  const shown = options.verbose ? records : records.slice(0, LISTED);
  const out = [paint.bold(`Gone targets (${records.length})`), paint.dim('  pages that answered 404/410: reported once, then checked again after 1, 2, 4 … days (at most 32)')];
  for (const r of shown) {
    const http = r.httpStatus !== undefined ? `HTTP ${r.httpStatus}` : 'gone';
    out.push(
      `  ${paint.dim('-')} ${r.target}`,
      `      linked from ${r.source}`,
      `      ${paint.dim(`gone (${http}) since ${r.at}; next check after ${r.retryAt ?? 'the next run'}`)}`,
    );
  }
  if (shown.length < records.length) out.push(paint.dim(`  … and ${records.length - shown.length} more (--verbose lists them all)`));
  out.push('');
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function ago(iso: string, now: Date): string {
  const seconds = Math.round((now.getTime() - Date.parse(iso)) / 1000);
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 0) return 'in the future: check the clock';
  const units: Array<[number, string]> = [[86_400, 'day'], [3_600, 'hour'], [60, 'minute']];
  for (const [size, name] of units) if (seconds >= size) return `${plural(Math.floor(seconds / size), name)} ago`;
  return 'just now';
}
