// Printing results: aligned text tables (also valid Markdown), and the pass/fail lines of the targets.

export interface Check {
  name: string;
  target: string;
  measured: string;
  ok: boolean;
}

export interface Section {
  title: string;
  /** Rendered tables and notes, in order. */
  body: string[];
  checks: Check[];
  /** Raw figures, for bench/out/results.json. */
  data: Record<string, unknown>;
}

export function table(headers: string[], rows: Array<Array<string | number>>): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  return [line(cells[0] ?? []), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

export const median = (values: number[]): number => {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

export const seconds = (ms: number): string => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(2)} s` : 'n/a');
export const megabytes = (mb: number): string => (Number.isFinite(mb) ? `${mb.toFixed(0)} MB` : 'n/a');
export const times = (ratio: number): string => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a');
export const count = (n: number): string => n.toLocaleString('en-US');

export function renderChecks(checks: Check[]): string {
  return table(['target', 'goal', 'measured', 'met'], checks.map((c) => [c.name, c.target, c.measured, c.ok ? 'yes' : 'NO']));
}
