// HTTP Link header parsing (RFC 8288). A single forward scan in the shape of the RFC's own
// parsing algorithm (Appendix B), so it runs in linear time on hostile input and never throws.
// No library is installed for this; regex-based ones mis-split on commas inside <...> or quotes.

export interface LinkValue {
  /** The target exactly as written between < and >, not resolved. */
  uri: string;
  /** Relation types: the rel parameter split on whitespace, lower-cased (they are case-insensitive). */
  rel: string[];
  /** Every parameter (rel included), names lower-cased; when a name repeats, the first wins. */
  params: Record<string, string>;
}

/** Parses every value of the Link header (a response may send several) into links, in order. */
export function parseLinkHeader(values: readonly string[]): LinkValue[] {
  const links: LinkValue[] = [];
  for (const value of values) {
    if (typeof value === 'string') parseFieldValue(value, links);
  }
  return links;
}

const OWS = ' \t';

function parseFieldValue(s: string, links: LinkValue[]): void {
  let i = 0;
  while (i < s.length) {
    // Empty list elements ("a, , b") are allowed by HTTP's list syntax.
    i = skipChars(s, i, OWS + ',');
    if (i >= s.length) return;
    // As in RFC 8288 B.2: anything that is not "<uri>" ends this field value; what came before stands.
    if (s[i] !== '<') return;
    const close = s.indexOf('>', i + 1);
    if (close === -1) return;
    const uri = s.slice(i + 1, close);
    const parsed = parseParams(s, close + 1);
    i = parsed.end;
    const params = Object.fromEntries(parsed.params);
    const rel = (params['rel'] ?? '').toLowerCase().split(/[ \t\r\n]+/).filter((r) => r !== '');
    links.push({ uri, rel, params });
    i = skipChars(s, i, OWS);
    if (i < s.length && s[i] !== ',') return; // garbage after the parameters
  }
}

/** RFC 8288 B.3: `*( OWS ";" OWS name [ BWS "=" BWS ( token / quoted-string ) ] )`. */
function parseParams(s: string, start: number): { params: [string, string][]; end: number } {
  const params: [string, string][] = [];
  const seen = new Set<string>();
  let i = start;
  while (true) {
    i = skipChars(s, i, OWS);
    if (i >= s.length || s[i] !== ';') break;
    i = skipChars(s, i + 1, OWS);
    const nameEnd = findAny(s, i, OWS + '=;,');
    const name = s.slice(i, nameEnd).toLowerCase();
    i = skipChars(s, nameEnd, OWS);
    let value = '';
    if (s[i] === '=') {
      i = skipChars(s, i + 1, OWS);
      if (s[i] === '"') {
        const quoted = readQuoted(s, i);
        value = quoted.value;
        i = quoted.end;
      } else {
        const valueEnd = findAny(s, i, ';,');
        value = s.slice(i, valueEnd).trim();
        i = valueEnd;
      }
    }
    // RFC 8288 3.3: a repeated rel must be ignored; other repeats are kept the same way for simplicity.
    if (name !== '' && !seen.has(name)) {
      seen.add(name);
      params.push([name, value]);
    }
  }
  return { params, end: i };
}

/** A quoted-string starting at s[start] === '"'; backslash escapes the next character. */
function readQuoted(s: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < s.length) {
    const c = s[i];
    if (c === '"') return { value, end: i + 1 };
    if (c === '\\' && i + 1 < s.length) {
      value += s[i + 1];
      i += 2;
    } else {
      value += c;
      i += 1;
    }
  }
  return { value, end: i }; // unterminated: the rest of the value is the string
}

function skipChars(s: string, i: number, chars: string): number {
  while (i < s.length && chars.includes(s[i] as string)) i++;
  return i;
}

function findAny(s: string, i: number, chars: string): number {
  while (i < s.length && !chars.includes(s[i] as string)) i++;
  return i;
}
