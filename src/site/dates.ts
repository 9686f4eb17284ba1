// Publication dates as pages state them. Only ISO 8601 / RFC 3339 shapes are accepted: Date.parse
// guesses at anything else differently per engine, and a wrong date is worse than none.

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})([.,]\d+)?)?\s?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;

/** Earliest year we believe. Hugo writes its zero date (0001-01-01) for pages without a date. */
const MIN_YEAR = 1900;

/**
 * The date as an ISO 8601 string, or null when not a real date. Shapes are tidied to RFC 3339:
 * 'T' between date and time, offsets as ±HH:MM ("2024-01-05 10:00:00 +0000" is Jekyll's).
 */
export function normalizeDate(raw: string | undefined | null): string | null {
  if (raw === undefined || raw === null) return null;
  const text = raw.trim();
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year < MIN_YEAR || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 60))) return null;
  const date = `${y}-${mo}-${d}`;
  if (h === undefined) return date;
  return `${date}T${h}:${mi}${s === undefined ? '' : `:${s}${frac?.replace(',', '.') ?? ''}`}${formatZone(zone)}`;
}

function formatZone(zone: string | undefined): string {
  if (zone === undefined) return '';
  if (zone.toUpperCase() === 'Z') return 'Z';
  const digits = zone.slice(1).replace(':', '');
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
