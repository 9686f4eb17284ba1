// The attributes of a start tag that the page reader (./page.ts) looks at: one reused record per page, filled
// attribute by attribute as ./elements.ts delivers them. The values of all other attributes are never cut out
// of the page.
import type { Attributes } from './regions.ts';

const READ_ATTRIBUTE_NAMES = ['class', 'href', 'id', 'rel', 'content', 'name', 'property', 'role', 'itemprop',
  'itemscope', 'itemtype', 'http-equiv', 'datetime', 'value', 'title', 'type'] as const;
type ReadAttribute = (typeof READ_ATTRIBUTE_NAMES)[number];
/** The names ./elements.ts is asked to deliver (plus the hinted ones, see ./regions.ts hintedNames). */
export const READ_ATTRIBUTES: ReadonlySet<string> = new Set(READ_ATTRIBUTE_NAMES);

/** Keeps the first value of an attribute the reader looks at, and of a hinted one (`hinted`: their names). */
export function readAttribute(a: Attributes, name: string, value: string, hinted: ReadonlySet<string> | null): void {
  // Typed as one of READ_ATTRIBUTES so that tsc ties the two lists: a case for a name elements.ts is not asked
  // to deliver, or a name asked for without a case, fails to compile. (Hinted names also come by; no case.)
  const read = name as ReadAttribute;
  switch (read) {
    case 'class':
      a.class ??= value;
      break;
    case 'href':
      a.href ??= value;
      break;
    case 'id':
      a.id ??= value;
      break;
    case 'rel':
      a.rel ??= value;
      break;
    case 'content':
      a.content ??= value;
      break;
    case 'name':
      a.name ??= value;
      break;
    case 'property':
      a.property ??= value;
      break;
    case 'role':
      a.role ??= value;
      break;
    case 'itemprop':
      a.itemprop ??= value;
      break;
    case 'itemscope':
      a.itemscope ??= value;
      break;
    case 'itemtype':
      a.itemtype ??= value;
      break;
    case 'http-equiv':
      a.httpEquiv ??= value;
      break;
    case 'datetime':
      a.datetime ??= value;
      break;
    case 'value':
      a.value ??= value;
      break;
    case 'title':
      a.title ??= value;
      break;
    case 'type':
      a.type ??= value;
      break;
    default:
      read satisfies never;
  }
  if (a.hinted !== null && hinted?.has(name) && !Object.hasOwn(a.hinted, name)) a.hinted[name] = value;
}

export function blankAttributes(): Attributes {
  const a = {} as Attributes;
  resetAttributes(a, false);
  return a;
}

export function resetAttributes(a: Attributes, hinted: boolean): void {
  a.class = undefined;
  a.id = undefined;
  a.role = undefined;
  a.href = undefined;
  a.rel = undefined;
  a.itemprop = undefined;
  a.itemscope = undefined;
  a.itemtype = undefined;
  a.content = undefined;
  a.name = undefined;
  a.property = undefined;
  a.httpEquiv = undefined;
  a.datetime = undefined;
  a.value = undefined;
  a.title = undefined;
  a.type = undefined;
  a.hinted = hinted ? {} : null;
}
