// Which field of a run's summary counts the results of one status: the orchestrator adds to it, the table reads
// it back (the table may hold only some of the rows, never fewer counts).
import type { Status } from '../types.ts';

export type CountKey = 'sent' | 'failed' | 'held' | 'skipped' | 'noEndpoint' | 'dryRun';

export function countKey(status: Status): CountKey {
  switch (status) {
    case 'no-endpoint':
      return 'noEndpoint';
    case 'dry-run':
      return 'dryRun';
    default:
      return status;
  }
}
