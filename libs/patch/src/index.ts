/** Public API of the patch library (PATCH verb bodies: JSON patch, merge patch, strategic merge patch). */
export {
  applyPatch,
  patchTypeOf,
  JSON_PATCH_TYPE,
  MERGE_PATCH_TYPE,
  STRATEGIC_MERGE_PATCH_TYPE,
  APPLY_PATCH_TYPE,
  APPLY_CBOR_PATCH_TYPE,
  BUILTIN_PATCH_TYPES,
  CUSTOM_RESOURCE_PATCH_TYPES,
} from './apply-patch';
export type { ApplyPatchOptions } from './apply-patch';
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch';
export type { JsonPatchOptions } from './json-patch';
export { applyMergePatch } from './merge-patch';
export type { MergePatchOptions } from './merge-patch';
export { applyStrategicMergePatch } from './strategic-merge-patch';
export { getPatchMeta, getFieldType, elementType, mapValueType, itemType, fieldTypeAtPath, patchMetaEntries } from './patch-meta';
export type { FieldPatchMeta } from './patch-meta';
export { isModelType, modelTypeNames, modelFields } from './model-types';
export { GenericUnprocessableEntityError } from './patch-errors';
