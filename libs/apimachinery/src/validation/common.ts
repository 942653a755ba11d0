/** Small shared checks: non-negative numbers and immutable fields. */
import { FieldError, fieldErrors } from '../field-errors';
import { semanticEqual } from './equality';
import { FIELD_IMMUTABLE_ERROR_MSG, IS_NEGATIVE_ERROR_MSG } from './messages';
import { invalidRendered } from './rendered-errors';

export function validateNonnegativeField(value: number, path: string): FieldError[] {
  return value < 0 ? [fieldErrors.invalid(path, value, IS_NEGATIVE_ERROR_MSG)] : [];
}

/**
 * ValidateImmutableField. The bad value printed is the new one; pass `rendered` for composite
 * values (Go %#v). A missing pointer value prints as "null" (quoted), as upstream does.
 */
export function validateImmutableField(newVal: unknown, oldVal: unknown, path: string, rendered?: string): FieldError[] {
  if (semanticEqual(newVal, oldVal)) return [];
  if (rendered !== undefined) return [invalidRendered(path, rendered, FIELD_IMMUTABLE_ERROR_MSG)];
  return [fieldErrors.invalid(path, newVal === undefined || newVal === null ? 'null' : newVal, FIELD_IMMUTABLE_ERROR_MSG)];
}
