// A deliberately small selector language for the --post-selector / --content-selector hints.
// Matching happens while the page streams past, one element at a time, so only selectors that
// can be decided from the element itself are allowed: no combinators, no pseudo-classes.
//
//   selector  := compound ("," compound)*
//   compound  := (tag | "*")? (".class" | "#id" | "[attr]" | "[attr=value]" | "[attr='value']")*
//
// Class and attribute names are matched case-insensitively for tags and attribute names (HTML
// lower-cases them), case-sensitively for class, id and attribute values (as browsers do).

export interface Compound {
  tag: string | null;
  ids: string[];
  classes: string[];
  attrs: { name: string; value: string | null }[];
}

export type Selector = Compound[];

const IDENT = /^-?[A-Za-z_\u0080-\uFFFF][\w\-\u0080-\uFFFF]*/;

export class SelectorError extends Error {
  override name = 'SelectorError';
}

export function parseSelector(source: string): Selector {
  const parts = source.split(',').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new SelectorError(`empty selector in "${source}"`);
  return parts.map((p) => parseCompound(p, source));
}

function parseCompound(text: string, source: string): Compound {
  const out: Compound = { tag: null, ids: [], classes: [], attrs: [] };
  let rest = text;
  const fail = (): never => {
    throw new SelectorError(
      `unsupported selector "${source}": use tag, .class, #id, [attr] or [attr=value], without spaces or combinators`,
    );
  };
  const ident = (): string => {
    const m = IDENT.exec(rest);
    if (!m) return fail();
    rest = rest.slice(m[0].length);
    return m[0];
  };
  if (rest.startsWith('*')) rest = rest.slice(1);
  else if (IDENT.test(rest)) out.tag = ident().toLowerCase();
  while (rest !== '') {
    const c = rest[0];
    rest = rest.slice(1);
    if (c === '.') out.classes.push(ident());
    else if (c === '#') out.ids.push(ident());
    else if (c === '[') {
      const m = /^\s*([\w:-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\]\s"']+)))?\s*\]/.exec(rest);
      if (!m || m[1] === undefined) return fail();
      rest = rest.slice(m[0].length);
      out.attrs.push({ name: m[1].toLowerCase(), value: m[2] ?? m[3] ?? m[4] ?? null });
    } else return fail();
  }
  return out;
}

export function matches(selector: Selector, tag: string, attribs: Record<string, string>): boolean {
  return selector.some((c) => matchesCompound(c, tag, attribs));
}

function matchesCompound(c: Compound, tag: string, attribs: Record<string, string>): boolean {
  if (c.tag !== null && c.tag !== tag) return false;
  if (c.ids.some((id) => attribs.id !== id)) return false;
  if (c.classes.length > 0) {
    const tokens = classTokens(attribs);
    if (c.classes.some((k) => !tokens.includes(k))) return false;
  }
  return c.attrs.every((a) => {
    const v = attribs[a.name];
    return v !== undefined && (a.value === null || v === a.value);
  });
}

/** Whitespace other than single spaces between tokens. */
const ODD_SPACING = /[\t\n\f\r]| {2}|^ | $/;

export function classTokens(attribs: Record<string, string>): string[] {
  const c = attribs.class;
  if (c === undefined || c === '') return [];
  // Called for every element of every page: the usual "a b c" is split without the general regex.
  if (!ODD_SPACING.test(c)) return c.split(' ');
  return c.split(/[\t\n\f\r ]+/).filter((t) => t !== '');
}

