// The content hash of pages and posts (sha256, hex), as the state file keeps it.
// crypto.hash() (Node 20.12+) is the one-shot form: 18 us for a 20 KB page instead of 30 us through
// createHash(), whose Hash object costs more than hashing the page (11,214 pages a scan).
import { hash } from 'node:crypto';

export function sha256(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}
