/**
 * intstr.IntOrString checks of apps/validation shared by daemon sets, stateful sets and pod
 * disruption budgets: ValidatePositiveIntOrPercent, IsNotMoreThan100Percent, getIntOrPercentValue.
 */
import { FieldError } from '../../../apimachinery/src/field-errors';
import { goIntOrString, invalidRendered, isValidPercent, validateNonnegativeField } from '../../../apimachinery/src/validation';

export function percentValue(v: unknown): number | undefined {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return undefined;
  return parseInt(v.slice(0, -1), 10);
}

/** getIntOrPercentValue: the percentage, the int, or Atoi of another string (0 when it fails). */
export function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === 'number') return v;
  return typeof v === 'string' && /^[+-]?\d+$/.test(v) ? parseInt(v, 10) : 0;
}

export function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalidRendered(path, goIntOrString(v), m));
  if (typeof v === 'number') return validateNonnegativeField(v, path);
  return [];
}

export function isNotMoreThan100Percent(v: unknown, path: string): FieldError[] {
  const p = percentValue(v);
  if (p === undefined || p <= 100) return [];
  return [invalidRendered(path, goIntOrString(v), 'must not be greater than 100%')];
}
