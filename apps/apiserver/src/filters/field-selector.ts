/**
 * Just enough of k8s.io/apimachinery/pkg/fields to find `metadata.name=<x>` in a fieldSelector,
 * the way RequestInfoFactory does (ParseSelector + RequiresExactMatch).
 */

export interface FieldTerm {
  field: string;
  op: '=' | '==' | '!=';
  value: string;
}

export class FieldSelectorError extends Error {}

/** Split on commas not escaped by a backslash. */
function splitTerms(selector: string): string[] {
  if (selector === '') return [];
  const terms: string[] = [];
  let start = 0;
  let inSlash = false;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (inSlash) inSlash = false;
    else if (c === '\\') inSlash = true;
    else if (c === ',') {
      terms.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(selector.slice(start));
  return terms;
}

const OPERATORS = ['!=', '==', '='] as const;

function splitTerm(term: string): FieldTerm | null {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, value: term.slice(i + op.length) };
    }
  }
  return null;
}

function unescapeValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c !== '\\' && c !== ',' && c !== '=') throw new FieldSelectorError(`invalid escape sequence: \\${c}`);
      out += c;
      inSlash = false;
    } else if (c === '\\') inSlash = true;
    else if (c === ',' || c === '=') throw new FieldSelectorError(`invalid field selector: unescaped character ${c}`);
    else out += c;
  }
  if (inSlash) throw new FieldSelectorError('invalid escape sequence: \\');
  return out;
}

/** fields.ParseSelector: terms sorted as upstream sorts them. Throws FieldSelectorError. */
export function parseFieldSelector(selector: string): FieldTerm[] {
  const parts = splitTerms(selector).sort();
  const terms: FieldTerm[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw new FieldSelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    terms.push({ ...t, value: unescapeValue(t.value) });
  }
  return terms;
}

/** The value `field` must equal (`=` or `==`), or undefined. */
export function requiresExactMatch(terms: FieldTerm[], field: string): string | undefined {
  return terms.find((t) => t.field === field && t.op !== '!=')?.value;
}
