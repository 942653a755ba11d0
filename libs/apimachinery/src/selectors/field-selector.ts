/**
 * Field selectors as in k8s.io/apimachinery/pkg/fields: comma-separated `field=value`,
 * `field==value` and `field!=value` terms (AND), with `\,` `\=` `\\` escapes in values.
 */
import { errors, StatusError } from '../status';
import { compareGoStrings, goQuote } from './go-text';
import { SelectorSyntaxError } from './label-selector';

export type FieldOperator = '=' | '!=';

/** fields.Requirement: `==` is reported as `=`. */
export interface FieldRequirement {
  readonly field: string;
  readonly operator: FieldOperator;
  readonly value: string;
}

/** Field values of one object, e.g. { 'metadata.name': 'x', 'status.phase': 'Running' }. */
export type FieldSet = Readonly<Record<string, string>>;

/** fields.TransformFunc: rename a field label / rewrite its value, or throw to reject it. */
export type FieldTransform = (field: string, value: string) => { field: string; value: string };

/** fields.EscapeValue: backslash-escape `\`, `,` and `=`. */
export function escapeFieldValue(s: string): string {
  return s.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** fields.UnescapeValue; throws SelectorSyntaxError with upstream's message. */
export function unescapeFieldValue(s: string): string {
  if (!/[\\,=]/.test(s)) return s;
  let out = '';
  let inSlash = false;
  for (const c of s) {
    if (inSlash) {
      if (c === '\\' || c === ',' || c === '=') {
        out += c;
      } else {
        throw new SelectorSyntaxError(`invalid field selector: invalid escape sequence: \\${c}`);
      }
      inSlash = false;
      continue;
    }
    if (c === '\\') {
      inSlash = true;
    } else if (c === ',' || c === '=') {
      // Go prints the rune with %v, i.e. its code point number.
      throw new SelectorSyntaxError(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    } else {
      out += c;
    }
  }
  if (inSlash) throw new SelectorSyntaxError('invalid field selector: invalid escape sequence: \\');
  return out;
}

/** A parsed field selector: the AND of its terms. */
export class FieldSelector {
  private static readonly everythingSelector = new FieldSelector([]);

  private constructor(private readonly terms: readonly FieldRequirement[]) {}

  /** fields.Everything(). */
  static everything(): FieldSelector {
    return FieldSelector.everythingSelector;
  }

  static fromRequirements(terms: readonly FieldRequirement[]): FieldSelector {
    return new FieldSelector([...terms]);
  }

  /** fields.OneTermEqualSelector. */
  static oneTermEqual(field: string, value: string): FieldSelector {
    return new FieldSelector([{ field, operator: '=', value }]);
  }

  /** fields.SelectorFromSet: field=value for every entry. */
  static fromSet(set: FieldSet | null | undefined): FieldSelector {
    if (!set) return FieldSelector.everything();
    return new FieldSelector(Object.keys(set).map((field) => ({ field, operator: '=' as const, value: set[field] })));
  }

  /** The terms, for callers that must check which field labels are used. */
  requirements(): readonly FieldRequirement[] {
    return this.terms;
  }

  /** A missing field reads as "" (as fields.Set.Get does). */
  matches(fields: FieldSet): boolean {
    return this.terms.every((t) => {
      const actual = Object.prototype.hasOwnProperty.call(fields, t.field) ? fields[t.field] : '';
      return t.operator === '=' ? actual === t.value : actual !== t.value;
    });
  }

  empty(): boolean {
    return this.terms.length === 0;
  }

  /** The value a `field=value` term demands, if the selector has one for `field`. */
  requiresExactMatch(field: string): string | undefined {
    return this.terms.find((t) => t.field === field && t.operator === '=')?.value;
  }

  /**
   * Selector.Transform: run every term through `fn` (which throws to reject a field label);
   * terms transformed to an empty field and value are dropped.
   */
  transform(fn: FieldTransform): FieldSelector {
    const next: FieldRequirement[] = [];
    for (const t of this.terms) {
      const r = fn(t.field, t.value);
      if (r.field === '' && r.value === '') continue;
      next.push({ field: r.field, operator: t.operator, value: r.value });
    }
    return new FieldSelector(next);
  }

  toString(): string {
    return this.terms.map((t) => `${t.field}${t.operator}${escapeFieldValue(t.value)}`).join(',');
  }
}

/** Terms split on unescaped commas (escapes are kept in the terms). */
function splitTerms(selector: string): string[] {
  if (selector.length === 0) return [];
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

const termOperators = ['!=', '==', '='] as const;

/** The first operator occurrence splits the term; no escaping on the left-hand side. */
function splitTerm(term: string): { lhs: string; op: (typeof termOperators)[number]; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of termOperators) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
  }
  return undefined;
}

/** fields.ParseSelector; throws SelectorSyntaxError carrying upstream's message. */
export function parseFieldRequirements(selector: string): FieldRequirement[] {
  const parts = splitTerms(selector).sort(compareGoStrings);
  const items: FieldRequirement[] = [];
  for (const part of parts) {
    if (part === '') continue;
    const t = splitTerm(part);
    if (!t) throw new SelectorSyntaxError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const value = unescapeFieldValue(t.rhs);
    items.push({ field: t.lhs, operator: t.op === '!=' ? '!=' : '=', value });
  }
  // Parsing applies the identity transform, which drops terms that are empty on both sides.
  return items.filter((t) => !(t.field === '' && t.value === ''));
}

/** fields.ParseSelector without throwing. */
export function tryParseFieldSelector(selector: string): { ok: true; selector: FieldSelector } | { ok: false; message: string } {
  try {
    return { ok: true, selector: FieldSelector.fromRequirements(parseFieldRequirements(selector)) };
  } catch (e) {
    if (e instanceof SelectorSyntaxError) return { ok: false, message: e.message };
    throw e;
  }
}

/** fields.ParseSelector as the list/watch handler uses it: bad syntax is a 400 BadRequest. */
export function parseFieldSelector(selector: string): FieldSelector {
  const r = tryParseFieldSelector(selector);
  if (!r.ok) throw errors.badRequest(r.message);
  return r.selector;
}

/**
 * Apply a field-label conversion the way the list handler does (Selector.Transform):
 * an Error thrown by `fn` becomes a 400 BadRequest with its message.
 */
export function transformFieldSelector(selector: FieldSelector, fn: FieldTransform): FieldSelector {
  try {
    return selector.transform(fn);
  } catch (e) {
    if (e instanceof StatusError) throw e;
    throw errors.badRequest(e instanceof Error ? e.message : String(e));
  }
}

/**
 * runtime.DefaultMetaV1FieldSelectorConversion: only metadata.name and metadata.namespace
 * are known; anything else is rejected with upstream's message.
 */
export function defaultFieldLabelConversion(field: string, value: string): { field: string; value: string } {
  if (field === 'metadata.name' || field === 'metadata.namespace') return { field, value };
  throw new Error(`${goQuote(field)} is not a known field selector: only "metadata.name", "metadata.namespace"`);
}

/** Error text most built-in types use for an unsupported field label ("field label not supported: x"). */
export function fieldLabelNotSupportedMessage(field: string): string {
  return `field label not supported: ${field}`;
}

/**
 * A conversion function accepting the given field labels (plus renames, e.g. spec.host -> spec.nodeName)
 * and rejecting others with "field label not supported: <label>".
 */
export function fieldLabelConversion(
  supported: readonly string[],
  renames: Readonly<Record<string, string>> = {},
): FieldTransform {
  const known = new Set(supported);
  return (field, value) => {
    if (known.has(field)) return { field, value };
    if (Object.prototype.hasOwnProperty.call(renames, field)) return { field: renames[field], value };
    throw new Error(fieldLabelNotSupportedMessage(field));
  };
}
