// The tool's name, version and home page, read once from package.json (one level up from src/ and dist/).
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; homepage: string };

export const VERSION: string = pkg.version;
export const HOMEPAGE: string = pkg.homepage;

/** Names the tool, its version and where to read about it; a contact when the user gave one. */
export function userAgent(contact: string | null): string {
  return `linkback/${VERSION} (+${HOMEPAGE}${contact ? `; ${contact}` : ''})`;
}
