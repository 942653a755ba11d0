/** Label and annotation validation (meta/v1/validation.ValidateLabels, api/validation.ValidateAnnotations). */
import { FieldError, fieldErrors } from '../field-errors';
import { isObject } from '../types';
import { byteLength } from './messages';
import { isQualifiedName, isValidLabelValue } from './qualified-name';

export const TOTAL_ANNOTATION_SIZE_LIMIT_B = 256 * 1024;

export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((msg) => fieldErrors.invalid(path, name, msg));
}

/** Every key must be a qualified name and every value a label value; errors name the map's path. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (!isObject(labels)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    errs.push(...validateLabelName(k, path));
    const value = typeof v === 'string' ? v : String(v ?? '');
    for (const msg of isValidLabelValue(value)) errs.push(fieldErrors.invalid(path, value, msg));
  }
  return errs;
}

/** Keys are qualified names (case-insensitive); keys plus values at most 256 KiB in total. */
export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (!isObject(annotations)) return [];
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(fieldErrors.invalid(path, k, msg));
    total += byteLength(k) + byteLength(typeof v === 'string' ? v : String(v ?? ''));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT_B) errs.push(fieldErrors.tooLong(path, '', TOTAL_ANNOTATION_SIZE_LIMIT_B));
  return errs;
}
