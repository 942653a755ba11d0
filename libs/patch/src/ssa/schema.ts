/**
 * The schema server-side apply walks (structured-merge-diff's schema, as kube-openapi's schemaconv
 * builds it from the OpenAPI of the built-in types): for each value, whether it is a struct, a
 * granular or atomic map, a list (atomic, set, or map keyed by some fields) or a scalar.
 *
 * Built from the @kubernetes/client-node model types and the patch metadata of libs/patch:
 * a list with x-kubernetes-list-type uses it; else `patchStrategy: merge` with a merge key makes a
 * map list keyed by it, without a key a set; every other list is atomic. Structs marked
 * `+structType=atomic` upstream are atomic. Unknown types are "untyped": objects merge granularly,
 * lists are atomic (as upstream's deduced schema for custom resources without a structural schema).
 */
import { elementType, getFieldType, mapValueType } from '../model-types';
import { getPatchMeta } from '../patch-meta';

export type SsaType =
  | { kind: 'struct'; model: string; atomic: boolean }
  | { kind: 'map'; value: SsaType; atomic?: boolean }
  | { kind: 'list'; listType: 'atomic' | 'set' | 'map'; keys: string[]; elem: SsaType }
  | { kind: 'scalar' }
  | { kind: 'untyped' };

export const SCALAR: SsaType = { kind: 'scalar' };
export const UNTYPED: SsaType = { kind: 'untyped' };

/** Structs declared `+structType=atomic` (or `+mapType=atomic`) in the 1.32 API types. */
const ATOMIC_STRUCTS = new Set([
  'V1LabelSelector',
  'V1LocalObjectReference',
  'V1ObjectReference',
  'V1TypedLocalObjectReference',
  'V1TypedObjectReference',
  'V1ConfigMapKeySelector',
  'V1SecretKeySelector',
  'V1ObjectFieldSelector',
  'V1ResourceFieldSelector',
  'V1NodeSelector',
  'V1NodeSelectorTerm',
  'V1TopologySelectorTerm',
  'V1CrossVersionObjectReference',
  'V2CrossVersionObjectReference',
  'V1SecretReference',
  'V1PersistentVolumeClaimVolumeSource',
]);

/** Map fields declared `+mapType=atomic` in the 1.32 API types (replaced whole, owned as one field). */
const ATOMIC_MAP_FIELDS = new Set(['V1PodSpec.nodeSelector', 'V1ServiceSpec.selector', 'V1ReplicationControllerSpec.selector']);

const SCALAR_TYPES = new Set(['string', 'number', 'boolean', 'Date', 'IntOrString', 'object', 'any']);

const cache = new Map<string, SsaType>();

/** The SSA type of a client-node type expression ('V1PodSpec', 'Array<V1Container>', ...). */
export function typeOfExpr(expr: string | undefined, parentModel?: string, field?: string): SsaType {
  if (expr === undefined) return UNTYPED;
  const elem = elementType(expr);
  if (elem !== undefined) {
    const meta = parentModel && field ? getPatchMeta(parentModel, field) : undefined;
    const elemType = typeOfExpr(elem);
    let listType: 'atomic' | 'set' | 'map' = 'atomic';
    let keys: string[] = [];
    if (meta?.listType) {
      listType = meta.listType;
      keys = meta.listMapKeys ?? (meta.patchMergeKey ? [meta.patchMergeKey] : []);
    } else if (meta?.patchStrategy?.split(',').includes('merge')) {
      if (meta.patchMergeKey) {
        listType = 'map';
        keys = [meta.patchMergeKey];
      } else listType = 'set';
    }
    if (listType === 'map' && keys.length === 0) listType = 'atomic';
    return { kind: 'list', listType, keys, elem: elemType };
  }
  const value = mapValueType(expr);
  if (value !== undefined) {
    const atomic = parentModel !== undefined && ATOMIC_MAP_FIELDS.has(`${parentModel}.${field}`);
    return atomic ? { kind: 'map', value: typeOfExpr(value), atomic } : { kind: 'map', value: typeOfExpr(value) };
  }
  if (SCALAR_TYPES.has(expr)) return expr === 'object' || expr === 'any' ? UNTYPED : SCALAR;
  return structType(expr);
}

export function structType(model: string): SsaType {
  let t = cache.get(model);
  if (!t) {
    t = { kind: 'struct', model, atomic: ATOMIC_STRUCTS.has(model) };
    cache.set(model, t);
  }
  return t;
}

const fieldCache = new Map<string, SsaType>();

/** The type of `field` in a struct/map/untyped value of type `t`. */
export function fieldType(t: SsaType, field: string): SsaType {
  if (t.kind === 'map') return t.value;
  if (t.kind !== 'struct') return UNTYPED;
  const key = `${t.model}\u0000${field}`;
  let ft = fieldCache.get(key);
  if (!ft) {
    const expr = getFieldType(t.model, field);
    ft = expr === undefined ? UNTYPED : typeOfExpr(expr, t.model, field);
    fieldCache.set(key, ft);
  }
  return ft;
}

/** The type of a whole object of model `model` (undefined: untyped, but metadata is still ObjectMeta). */
export function rootType(model: string | undefined): SsaType {
  return model ? structType(model) : { kind: 'struct', model: '__untypedRoot', atomic: false };
}

/** fieldType, with the untyped root's metadata typed as ObjectMeta. */
export function childType(t: SsaType, field: string): SsaType {
  if (t.kind === 'struct' && t.model === '__untypedRoot') return field === 'metadata' ? structType('V1ObjectMeta') : UNTYPED;
  return fieldType(t, field);
}

/** Whether values of `t` are merged field by field (granular struct or map, or untyped object). */
export function isGranularObject(t: SsaType, v: unknown): v is Record<string, unknown> {
  if (!isPlainObject(v)) return false;
  if (t.kind === 'struct') return !t.atomic;
  return (t.kind === 'map' && !t.atomic) || t.kind === 'untyped';
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
