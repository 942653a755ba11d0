/** ValidateFinalizers / ValidateNoNewFinalizers (apimachinery/pkg/api/validation/objectmeta.go). */
import { FieldError, fieldErrors } from '../field-errors';
import { goStringSlice, sortedGoStrings } from '../selectors/go-text';
import { isQualifiedName } from './qualified-name';
import { invalidRendered } from './rendered-errors';

export const FINALIZER_ORPHAN_DEPENDENTS = 'orphan';
export const FINALIZER_DELETE_DEPENDENTS = 'foregroundDeletion';

export function validateFinalizerName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((msg) => fieldErrors.invalid(path, name, msg));
}

export function validateFinalizers(finalizers: unknown, path: string): FieldError[] {
  if (!Array.isArray(finalizers)) return [];
  const names = finalizers.map((f) => (typeof f === 'string' ? f : String(f)));
  const errs: FieldError[] = [];
  for (const f of names) errs.push(...validateFinalizerName(f, path));
  if (names.includes(FINALIZER_ORPHAN_DEPENDENTS) && names.includes(FINALIZER_DELETE_DEPENDENTS)) {
    errs.push(
      invalidRendered(
        path,
        goStringSlice(names),
        `finalizer ${FINALIZER_ORPHAN_DEPENDENTS} and ${FINALIZER_DELETE_DEPENDENTS} cannot be both set`,
      ),
    );
  }
  return errs;
}

export function validateNoNewFinalizers(newFinalizers: unknown, oldFinalizers: unknown, path: string): FieldError[] {
  const olds = new Set(Array.isArray(oldFinalizers) ? oldFinalizers : []);
  const extra = [...new Set(Array.isArray(newFinalizers) ? newFinalizers : [])].filter((f) => !olds.has(f)).map(String);
  if (extra.length === 0) return [];
  return [
    fieldErrors.forbidden(
      path,
      `no new finalizers can be added if the object is being deleted, found new finalizers ${goStringSlice(sortedGoStrings(extra))}`,
    ),
  ];
}
