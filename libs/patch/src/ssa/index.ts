/** Server-side apply and managedFields (structured-merge-diff semantics over the built-in schemas). */
export { FieldSet, fieldPE, keyPE, valuePE, pathString } from './fieldpath';
export { toFieldSet, compare } from './field-sets';
export type { Comparison } from './field-sets';
export { mergeValues, removeFields } from './merge';
export { rootType, structType, childType, typeOfExpr } from './schema';
export type { SsaType } from './schema';
export {
  trackUpdate,
  applyConfiguration,
  conflictError,
  decodeManagedFields,
  encodeManagedFields,
  managerFromUserAgent,
  LAST_APPLIED_ANNOTATION,
} from './managed-fields';
export type { TrackOptions, ApplyOptions, Conflict } from './managed-fields';
