/**
 * metav1.LabelSelector (matchLabels + matchExpressions, the shape stored in specs) and its
 * conversions: LabelSelectorAsSelector and FormatLabelSelector.
 */
import { compareGoStrings, goQuote } from './go-text';
import { LabelRequirement, LabelSelector, newLabelRequirement, SelectionOperator, SelectorSyntaxError } from './label-selector';

export type MetaLabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface MetaLabelSelectorRequirement {
  key: string;
  /** One of MetaLabelSelectorOperator; anything else is rejected on conversion. */
  operator: string;
  values?: string[] | null;
}

/** metav1.LabelSelector as it appears in JSON. */
export interface MetaLabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: MetaLabelSelectorRequirement[] | null;
}

const operators: Record<MetaLabelSelectorOperator, SelectionOperator> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/**
 * metav1.LabelSelectorAsSelector: null/undefined selects nothing, an empty selector selects
 * everything. Throws SelectorSyntaxError with upstream's message for invalid keys, values or operators.
 */
export function labelSelectorAsSelector(ps: MetaLabelSelector | null | undefined): LabelSelector {
  if (ps === null || ps === undefined) return LabelSelector.nothing();
  const matchLabels = ps.matchLabels ?? {};
  const expressions = ps.matchExpressions ?? [];
  const labelKeys = Object.keys(matchLabels).sort(compareGoStrings);
  if (labelKeys.length + expressions.length === 0) return LabelSelector.everything();
  const reqs: LabelRequirement[] = labelKeys.map((k) => newLabelRequirement(k, '=', [matchLabels[k]]));
  for (const expr of expressions) {
    const op = Object.prototype.hasOwnProperty.call(operators, expr.operator)
      ? operators[expr.operator as MetaLabelSelectorOperator]
      : undefined;
    if (op === undefined) throw new SelectorSyntaxError(`${goQuote(expr.operator ?? '')} is not a valid label selector operator`);
    const values = expr.values && expr.values.length > 0 ? [...expr.values] : null;
    reqs.push(newLabelRequirement(expr.key ?? '', op, values));
  }
  return LabelSelector.fromRequirements(reqs);
}

/** labelSelectorAsSelector without throwing: the selector or upstream's error text. */
export function tryLabelSelectorAsSelector(
  ps: MetaLabelSelector | null | undefined,
): { ok: true; selector: LabelSelector } | { ok: false; message: string } {
  try {
    return { ok: true, selector: labelSelectorAsSelector(ps) };
  } catch (e) {
    if (e instanceof SelectorSyntaxError) return { ok: false, message: e.message };
    throw e;
  }
}

/**
 * metav1.FormatLabelSelector: the selector string, "<none>" when it is empty (or null),
 * "<error>" when it cannot be converted. Used by table SELECTOR columns.
 */
export function formatLabelSelector(ps: MetaLabelSelector | null | undefined): string {
  const r = tryLabelSelectorAsSelector(ps);
  if (!r.ok) return '<error>';
  const s = r.selector.toString();
  return s.length === 0 ? '<none>' : s;
}
