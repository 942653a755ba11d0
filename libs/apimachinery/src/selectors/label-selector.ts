/**
 * Label selectors as in k8s.io/apimachinery/pkg/labels: requirements (key, operator, values),
 * the selector that ANDs them, matching against a label set and the canonical string form.
 */
import { aggregateMessage } from '../field-errors';
import { compareGoStrings, goQuote, goStringSlice, sortedGoStrings } from './go-text';
import { isQualifiedName, isValidLabelValue } from '../validation/qualified-name';

/** selection.Operator values. */
export type SelectionOperator = '!' | '=' | '==' | 'in' | '!=' | 'notin' | 'exists' | 'gt' | 'lt';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: SelectionOperator;
  /** Values as given (the parser hands them over sorted and de-duplicated). */
  readonly values: readonly string[];
}

/** Label set being matched; undefined/null behaves as an empty set. */
export type LabelSet = Readonly<Record<string, string>> | undefined | null;

/** A selector that could not be built: the message is upstream's error text. */
export class SelectorSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorSyntaxError';
  }
}

const binaryOperators: SelectionOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];
const unaryOperators: SelectionOperator[] = ['exists', '!'];
/** "in, notin, =, ==, !=, gt, lt" as printed in "expected: ..." parse errors. */
export const BINARY_OPERATORS_TEXT = binaryOperators.join(', ');
const validOperators: string[] = [...binaryOperators, ...unaryOperators];

/**
 * field.Path rendering: `base` undefined means a nil path (printed "<nil>" on its own,
 * dropped when a child is appended).
 */
export function childPath(base: string | undefined, name: string): string {
  return base === undefined || base === '' ? name : `${base}.${name}`;
}

function invalid(path: string, value: string, detail: string): string {
  return `${path}: Invalid value: ${value}: ${detail}`;
}

/** validateLabelKey: "<path>: Invalid value: "<key>": <reasons joined by '; '>", or undefined. */
export function labelKeyError(key: string, path: string): string | undefined {
  const errs = isQualifiedName(key);
  return errs.length ? invalid(path, goQuote(key), errs.join('; ')) : undefined;
}

const int64Pattern = /^[+-]?[0-9]+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64); undefined when it would fail. */
export function parseInt64(s: string): bigint | undefined {
  if (!int64Pattern.test(s)) return undefined;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/**
 * labels.NewRequirement: checks the key, the operator/values combination and every value,
 * and returns the requirement or all problems aggregated the way upstream prints them.
 * `values === null` stands for a nil Go slice (only matters for the printed error).
 */
export function newLabelRequirementChecked(
  key: string,
  operator: SelectionOperator,
  values: readonly string[] | null,
  path?: string,
): { requirement: LabelRequirement; error?: string } {
  const errs: string[] = [];
  const keyErr = labelKeyError(key, childPath(path, 'key'));
  if (keyErr) errs.push(keyErr);
  const vals = values ?? [];
  const valuePath = childPath(path, 'values');
  switch (operator) {
    case 'in':
    case 'notin':
      if (vals.length === 0) errs.push(invalid(valuePath, goStringSlice(values), "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (vals.length !== 1) errs.push(invalid(valuePath, goStringSlice(values), 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (vals.length !== 0) errs.push(invalid(valuePath, goStringSlice(values), 'values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (vals.length !== 1) errs.push(invalid(valuePath, goStringSlice(values), "for 'Gt', 'Lt' operators, exactly one value is required"));
      vals.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          errs.push(invalid(`${valuePath}[${i}]`, goQuote(v), "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      });
      break;
    default: {
      const supported = validOperators.map((o) => JSON.stringify(o)).join(', ');
      errs.push(`${childPath(path, 'operator')}: Unsupported value: ${goQuote(operator)}: supported values: ${supported}`);
    }
  }
  vals.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length) errs.push(invalid(`${valuePath}[${i}][${key}]`, goQuote(v), valueErrs.join('; ')));
  });
  const requirement: LabelRequirement = { key, operator, values: [...vals] };
  return errs.length ? { requirement, error: aggregateMessage(errs) } : { requirement };
}

/** labels.NewRequirement; throws SelectorSyntaxError with upstream's message when invalid. */
export function newLabelRequirement(
  key: string,
  operator: SelectionOperator,
  values: readonly string[] | null,
  path?: string,
): LabelRequirement {
  const { requirement, error } = newLabelRequirementChecked(key, operator, values, path);
  if (error !== undefined) throw new SelectorSyntaxError(error);
  return requirement;
}

function has(labels: LabelSet, key: string): boolean {
  return !!labels && Object.prototype.hasOwnProperty.call(labels, key);
}

/** Requirement.Matches. */
export function requirementMatches(r: LabelRequirement, labels: LabelSet): boolean {
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has(labels, r.key) && r.values.includes(labels![r.key]);
    case 'notin':
    case '!=':
      return !has(labels, r.key) || !r.values.includes(labels![r.key]);
    case 'exists':
      return has(labels, r.key);
    case '!':
      return !has(labels, r.key);
    case 'gt':
    case 'lt': {
      if (!has(labels, r.key)) return false;
      const actual = parseInt64(labels![r.key]);
      if (actual === undefined || r.values.length !== 1) return false;
      const wanted = parseInt64(r.values[0]);
      if (wanted === undefined) return false;
      return r.operator === 'gt' ? actual > wanted : actual < wanted;
    }
    default:
      return false;
  }
}

/** Requirement.String: "k=v", "k in (a,b)", "!k", "k>3"; multiple values are printed sorted. */
export function requirementString(r: LabelRequirement): string {
  let s = r.operator === '!' ? `!${r.key}` : r.key;
  switch (r.operator) {
    case '=':
      s += '=';
      break;
    case '==':
      s += '==';
      break;
    case '!=':
      s += '!=';
      break;
    case 'in':
      s += ' in ';
      break;
    case 'notin':
      s += ' notin ';
      break;
    case 'gt':
      s += '>';
      break;
    case 'lt':
      s += '<';
      break;
    case 'exists':
    case '!':
      return s;
  }
  const set = r.operator === 'in' || r.operator === 'notin';
  if (set) s += '(';
  s += r.values.length === 1 ? r.values[0] : sortedGoStrings(r.values).join(',');
  if (set) s += ')';
  return s;
}

function sortByKey(reqs: LabelRequirement[]): LabelRequirement[] {
  return reqs.sort((a, b) => compareGoStrings(a.key, b.key));
}

/**
 * A parsed label selector: the AND of its requirements, kept sorted by key.
 * `LabelSelector.nothing()` is the special selector that matches no object.
 */
export class LabelSelector {
  private static readonly everythingSelector = new LabelSelector([], true);
  private static readonly nothingSelector = new LabelSelector([], false);

  private constructor(
    private readonly reqs: readonly LabelRequirement[],
    /** false only for Nothing(). */
    readonly selectable: boolean,
  ) {}

  /** labels.Everything(): matches every label set; prints as "". */
  static everything(): LabelSelector {
    return LabelSelector.everythingSelector;
  }

  /** labels.Nothing(): matches no label set; prints as "". */
  static nothing(): LabelSelector {
    return LabelSelector.nothingSelector;
  }

  /** NewSelector().Add(reqs...): requirements are sorted by key (stable). */
  static fromRequirements(reqs: readonly LabelRequirement[]): LabelSelector {
    return new LabelSelector(sortByKey([...reqs]), true);
  }

  get requirements(): readonly LabelRequirement[] {
    return this.reqs;
  }

  matches(labels: LabelSet): boolean {
    if (!this.selectable) return false;
    return this.reqs.every((r) => requirementMatches(r, labels));
  }

  /** True when the selector does not restrict anything (Everything or no requirements). */
  empty(): boolean {
    return this.selectable && this.reqs.length === 0;
  }

  add(...reqs: LabelRequirement[]): LabelSelector {
    if (!this.selectable) return this;
    return new LabelSelector(sortByKey([...this.reqs, ...reqs]), true);
  }

  /** The single value a selector demands for `label` (=, == or in with one value), if any. */
  requiresExactMatch(label: string): string | undefined {
    const r = this.reqs.find((q) => q.key === label);
    if (!r) return undefined;
    if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) return r.values[0];
    return undefined;
  }

  toString(): string {
    return this.reqs.map(requirementString).join(',');
  }
}

/** labels.SelectorFromSet / Set.AsSelector: key=value for every entry, no validation. */
export function selectorFromSet(set: LabelSet): LabelSelector {
  if (!set) return LabelSelector.everything();
  const keys = Object.keys(set);
  if (keys.length === 0) return LabelSelector.everything();
  return LabelSelector.fromRequirements(keys.map((k) => ({ key: k, operator: '=' as const, values: [set[k]] })));
}

/** labels.ValidatedSelectorFromSet: as selectorFromSet but checks keys and values (throws SelectorSyntaxError). */
export function validatedSelectorFromSet(set: LabelSet): LabelSelector {
  if (!set) return LabelSelector.everything();
  const keys = Object.keys(set).sort(compareGoStrings);
  if (keys.length === 0) return LabelSelector.everything();
  return LabelSelector.fromRequirements(keys.map((k) => newLabelRequirement(k, '=', [set[k]])));
}

/** Free-function form of LabelSelector#matches. */
export function matchesLabels(selector: LabelSelector, labels: LabelSet): boolean {
  return selector.matches(labels);
}
