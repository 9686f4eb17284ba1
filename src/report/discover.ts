// `linkback discover <url>` for people: what was fetched (final URL, redirects, status, type), which
// endpoint was found and where, or why none — the notes in the order discovery made them. Pure.
import type { DiscoverReport } from '../targets/explain.ts';
import type { Paint } from './table.ts';

export function formatDiscovery(report: DiscoverReport, paint: Paint): string {
  const lines: string[] = [paint.bold(report.url)];
  if (report.rule === 'arxiv') {
    lines.push(`  arXiv paper ${report.arxivId ?? ''}: notified as ${report.target}`);
  } else if (report.fetched) {
    const f = report.fetched;
    for (const [i, hop] of f.redirects.entries()) lines.push(`  ${i === 0 ? 'redirected' : '        then'}: ${hop}`);
    if (f.redirects.length > 0) lines.push(`  final URL:  ${f.finalUrl}`);
    lines.push(`  answered:   HTTP ${f.httpStatus}, ${f.contentType ?? 'no Content-Type'}, ${f.bytes} bytes${f.truncated ? ' (cut at the size cap)' : ''}`);
  }
  if (report.requests > 1) lines.push(paint.dim(`  ${report.requests} requests (retries included)`));
  lines.push('');

  if (report.endpoint) {
    lines.push(`${paint.green('✓')} ${paint.bold(report.endpoint.protocol)} endpoint ${report.endpoint.url}`);
    lines.push(`  found in: ${report.endpoint.via}`);
  } else if (report.outcome) {
    const colour = report.outcome.status === 'failed' ? paint.red : paint.yellow;
    lines.push(`${colour('✗')} ${paint.bold(label(report.outcome.code))}: ${report.outcome.message}`);
    const hint = HINTS[report.outcome.code];
    if (hint) lines.push(paint.dim(`  ${hint}`));
  }
  // The notes repeat what the lines above say (the endpoint found, the outcome's message); list the rest.
  const notes = report.notes.filter((n) => n !== report.outcome?.message && !(report.endpoint && n.startsWith(`${report.endpoint.protocol} endpoint `)));
  if (report.outcome?.code === 'no-endpoint') {
    // discoverEndpoint ends with the list of what it looked for.
    const lookedFor = notes.pop();
    if (lookedFor) lines.push(`  looked for: ${lookedFor.replace(/^no /, '')} — found none`);
  }
  if (notes.length > 0) {
    lines.push('', report.rule === 'arxiv' ? 'Why:' : report.endpoint ? 'Also seen:' : 'Seen on the way:');
    for (const note of notes) lines.push(`  - ${note}`);
  }
  if (report.excludedBy) {
    lines.push('', paint.yellow(`Note: your settings exclude this target (${report.excludedBy}): \`linkback send\` never notifies it.`));
  }
  return lines.join('\n');
}

const HINTS: Partial<Record<string, string>> = {
  'private-address': '--allow-private contacts it anyway (for tests and staging)',
  'discovery-failed': 'the page could not be read as it is now; `send` tries again on its next run',
  'target-gone': 'the page is gone (404/410): `send` reports it once, then checks again after 1, 2, 4 … days (at most 32)',
  timeout: '--timeout allows more time',
};

function label(code: string): string {
  return code === 'no-endpoint' ? 'no endpoint' : code;
}
