// The table's lines for what a run did besides notifications (pushl's features): the WebSub hubs told, the
// Wayback captures with their addresses, a remote input that had not changed. Pure.
import type { SendReport } from '../linkback.ts';

interface Paint {
  dim(text: string): string;
  red(text: string): string;
  bold(text: string): string;
}

export function formatExtras(report: Pick<SendReport, 'websub' | 'archive' | 'inputNotModified'>, paint: Paint): string[] {
  const lines: string[] = [];
  if (report.inputNotModified) lines.push(paint.dim('the feed or sitemap has not changed since the last run (HTTP 304): nothing to read'));
  const pings = report.websub ?? [];
  if (pings.length > 0) {
    lines.push(paint.bold(`WebSub (${pings.length})`));
    for (const p of pings) lines.push(`  ${p.status === 'failed' ? paint.red(`✗ ${p.hub}`) : `${p.status === 'dry-run' ? '→' : '✓'} ${p.hub}`}  ${paint.dim(`${p.topic}: ${p.message}`)}`);
    lines.push('');
  }
  const captures = report.archive ?? [];
  if (captures.length > 0) {
    lines.push(paint.bold(`Wayback Machine (${captures.length})`));
    for (const c of captures) {
      const mark = c.status === 'sent' ? '✓' : c.status === 'failed' ? '✗' : c.status === 'held' ? '…' : '→';
      const said = c.snapshot ?? c.message;
      lines.push(`  ${mark} ${c.url}  ${c.status === 'failed' ? paint.red(said) : paint.dim(said)}`);
    }
    lines.push('');
  }
  return lines;
}
