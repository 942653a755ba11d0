/** ValidateCSIDriverName: required, at most 63 characters, a qualified name (lowercased). */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { isQualifiedName } from '../../../apimachinery/src/validation';

export const CSI_DRIVER_NAME_MAX_LENGTH = 63;

export function validateCSIDriverName(name: string, path: string): FieldError[] {
  if (name.length === 0) return [fieldErrors.required(path, '')];
  const errs: FieldError[] = [];
  if (name.length > CSI_DRIVER_NAME_MAX_LENGTH) errs.push(fieldErrors.tooLong(path, name, CSI_DRIVER_NAME_MAX_LENGTH));
  for (const m of isQualifiedName(name.toLowerCase())) errs.push(fieldErrors.invalid(path, name, m));
  return errs;
}
