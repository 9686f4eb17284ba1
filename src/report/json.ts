// The report for machines: exactly one JSON document. The first six fields of each result are the
// documented contract (source, target, protocol, endpoint, status, message); the rest are additions.
import type { SendReport } from '../linkback.ts';

export function formatJson(report: SendReport): string {
  return JSON.stringify(
    {
      results: report.results.map((r) => ({
        source: r.source,
        target: r.target,
        protocol: r.protocol,
        endpoint: r.endpoint,
        status: r.status,
        message: r.message,
        code: r.code,
        ...(r.httpStatus !== undefined ? { httpStatus: r.httpStatus } : {}),
        ...(r.location !== undefined ? { location: r.location } : {}),
      })),
      summary: report.summary,
      dryRun: report.dryRun,
      interrupted: report.interrupted,
      hostWaits: report.hostWaits ?? [],
      // pushl: WebSub pings, Wayback captures, a remote input that answered 304.
      websub: report.websub ?? [],
      archive: report.archive ?? [],
      inputNotModified: report.inputNotModified ?? false,
      error: report.error,
      warnings: report.warnings,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
    },
    null,
    2,
  );
}
