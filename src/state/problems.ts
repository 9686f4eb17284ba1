// How a problem in a state file is told: STATE_CORRUPT naming the file, the line when it can be told, and what
// is wrong, so that a person can repair the file (./format.ts reads the files, ./migrate.ts older versions).
import { isDeepStrictEqual } from 'node:util';
import type { z } from 'zod';
import { LinkbackError } from '../errors.ts';

export function corrupt(file: string, line: number | null, what: string): LinkbackError {
  const where = line === null ? file : `${file} line ${line}`;
  return new LinkbackError('STATE_CORRUPT',
    `${where}: ${what}. The file was left unchanged: repair it, or restore it from a backup or version control.`);
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message))
    .join('; ');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The line of record `index` of `section`, when the file still has the layout serializeSnapshot writes
 * (checked against the record itself); null when it was reformatted.
 */
export function recordLine(text: string | null, section: 'posts' | 'notifications' | 'extras', index: number, raw: unknown): number | null {
  if (text === null) return null;
  const lines = text.split('\n');
  const header = lines.findIndex((line) => line.trimStart().startsWith(`"${section}"`));
  const at = header + 1 + index;
  if (header < 0 || at >= lines.length) return null;
  try {
    return isDeepStrictEqual(JSON.parse(trimComma(lines[at] ?? '')), raw) ? at + 1 : null;
  } catch {
    return null;
  }
}

/**
 * Node 20's JSON.parse does not say where it failed. In the layout we write, every record is one line, so the
 * first record line that does not parse (or a merge conflict marker, as a committed state file may get) is it.
 */
export function syntaxErrorLine(text: string): number | null {
  const lines = text.split('\n');
  for (const [index, line] of lines.entries()) {
    if (/^(<{7}|={7}|>{7})/.test(line)) return index + 1;
    const trimmed = trimComma(line.trim());
    if (!trimmed.startsWith('{') || trimmed === '{') continue;
    try {
      JSON.parse(trimmed);
    } catch {
      return index + 1;
    }
  }
  return null;
}

function trimComma(line: string): string {
  return line.endsWith(',') ? line.slice(0, -1) : line;
}
