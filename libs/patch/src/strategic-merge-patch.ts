/**
 * Kubernetes strategic merge patch (application/strategic-merge-patch+json): the server half of
 * k8s.io/apimachinery/pkg/util/strategicpatch (StrategicMergeMapPatch), driven by the patch
 * metadata of the built-in types (patch-meta.ts).
 *
 * - maps merge recursively; `null` deletes a member
 * - lists whose field has patchStrategy merge are merged by their merge key (lists of scalars are
 *   unioned); other lists are replaced
 * - directives: `$patch: replace|delete` (in maps and list items; `merge` is refused in lists),
 *   `$retainKeys`, `$setElementOrder/<field>`, `$deleteFromPrimitiveList/<field>`
 * - list order follows upstream: patch items in the patch's (or $setElementOrder's) order,
 *   server-only items in the live order, interleaved by the live order.
 */
import { decodeGoJson, GoJsonSyntaxError, unmarshalTypeMessage } from './go-json';
import { cloneJson, hasOwn, isJsonObject, JsonObject, setOwn } from './json-values';
import { patchErrors } from './patch-errors';
import { SmpError, smpErrors } from './smp-errors';
import {
  DELETE_DIRECTIVE,
  deduplicateScalars,
  deleteFromSlice,
  DIRECTIVE_MARKER,
  findMapByKey,
  goKindOf,
  MERGE_DIRECTIVE,
  normalizeElementOrder,
  partitionMapsByPresentInList,
  partitionPrimitivesByPresentInList,
  REPLACE_DIRECTIVE,
  sliceElementKind,
} from './smp-lists';
import { PatchSchema, patchStrategyOf } from './smp-schema';

const RETAIN_KEYS_DIRECTIVE = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST_PREFIX = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER_PREFIX = '$setElementOrder';
const SLICE_TYPE = '[]interface {}';

interface MergeOptions {
  /** true on the server: $deleteFromPrimitiveList lists are applied */
  mergeParallelList: boolean;
  /** true on the server: nulls for absent fields are dropped */
  ignoreUnmatchedNulls: boolean;
}

const SERVER_OPTIONS: MergeOptions = { mergeParallelList: true, ignoreUnmatchedNulls: true };

/**
 * Apply a strategic merge patch to `doc` and return the result (`doc` is never modified).
 * `patch` is the raw body (Buffer or string) or an already-decoded value. `typeName` is the
 * @kubernetes/client-node model type of `doc` (e.g. 'V1Deployment'); without one (or for an
 * unknown type) every list is replaced, as in a JSON merge patch.
 */
export function applyStrategicMergePatch(doc: unknown, patch: unknown, typeName?: string): unknown {
  const patchMap = decodePatchMap(patch);
  const original = isJsonObject(doc) ? cloneJson(doc) : {};
  try {
    const result = mergeMap(original, cloneJson(patchMap), new PatchSchema(typeName), SERVER_OPTIONS);
    stripDirectiveKeys(result);
    return result;
  } catch (e) {
    if (e instanceof SmpError) throw e.toStatusError();
    throw e;
  }
}

/** kjson.UnmarshalCaseSensitivePreserveInts(patchBytes, &map[string]interface{}) */
function decodePatchMap(patch: unknown): JsonObject {
  let value: unknown = patch;
  if (typeof patch === 'string' || Buffer.isBuffer(patch)) {
    try {
      value = decodeGoJson(patch);
    } catch (e) {
      if (e instanceof GoJsonSyntaxError) throw patchErrors.badRequest(e.message);
      throw e;
    }
  }
  if (value === null || value === undefined) return {};
  if (!isJsonObject(value)) throw patchErrors.badRequest(unmarshalTypeMessage(value, 'map[string]interface {}'));
  return value;
}

// ---------------------------------------------------------------------------------------------
// Maps
// ---------------------------------------------------------------------------------------------

function mergeMap(original: JsonObject, patch: JsonObject, schema: PatchSchema, options: MergeOptions): JsonObject {
  if (hasOwn(patch, DIRECTIVE_MARKER)) return handleDirectiveInMergeMap(patch[DIRECTIVE_MARKER], patch);

  applyRetainKeysDirective(original, patch);
  mergePatchIntoOriginal(original, patch, schema, options);

  for (const [patchKey, patchV] of Object.entries(patch)) {
    let k = patchKey;
    let isDeleteList = false;
    if (k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX)) {
      isDeleteList = true;
      const key = extractKey(k, DELETE_FROM_PRIMITIVE_LIST_PREFIX);
      if (key.length > 0) k = key;
    }

    if (patchV === null) {
      delete original[k];
      if (options.ignoreUnmatchedNulls) continue;
    }

    if (!hasOwn(original, k) || goKindOf(original[k]) !== goKindOf(patchV)) {
      // absent from the original, or of another type: take the patch value
      if (!isDeleteList) takePatchValue(original, k, patchV, options);
      continue;
    }

    const current = original[k];
    if (isJsonObject(current) && isJsonObject(patchV)) {
      const [sub, meta] = schema.lookupStruct(k);
      const strategy = patchStrategyOf(meta.strategies);
      setOwn(original, k, strategy === REPLACE_DIRECTIVE ? patchV : mergeMap(current, patchV, sub, options));
    } else if (Array.isArray(current) && Array.isArray(patchV)) {
      const [sub, meta] = schema.lookupSlice(k);
      const strategy = patchStrategyOf(meta.strategies);
      setOwn(original, k, mergeSliceHandler(current, patchV, sub, strategy, meta.mergeKey, isDeleteList, options));
    } else {
      takePatchValue(original, k, patchV, { ...options, ignoreUnmatchedNulls: false });
    }
  }
  return original;
}

function takePatchValue(original: JsonObject, k: string, patchV: unknown, options: MergeOptions): void {
  if (options.ignoreUnmatchedNulls) discardNullValuesFromPatch(patchV);
  const [v, keep] = removeDirectives(patchV);
  if (keep) setOwn(original, k, v);
  else delete original[k];
}

function handleDirectiveInMergeMap(directive: unknown, patch: JsonObject): JsonObject {
  if (directive === REPLACE_DIRECTIVE) {
    delete patch[DIRECTIVE_MARKER];
    return patch;
  }
  if (directive === DELETE_DIRECTIVE) return {};
  throw smpErrors.badPatchType(directive, patch);
}

/** Drop null members from maps, recursively (null list elements stay). */
function discardNullValuesFromPatch(v: unknown): void {
  if (isJsonObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else discardNullValuesFromPatch(x);
    }
  } else if (Array.isArray(v)) {
    for (const x of v) discardNullValuesFromPatch(x);
  }
}

/** removeDirectives: drop maps carrying `$patch` (and list items that are such maps). */
function removeDirectives(v: unknown): [unknown, boolean] {
  if (isJsonObject(v)) {
    if (hasOwn(v, DIRECTIVE_MARKER)) return [null, false];
    for (const [k, x] of Object.entries(v)) {
      const [nv, keep] = removeDirectives(x);
      if (keep) setOwn(v, k, nv);
      else delete v[k];
    }
    return [v, true];
  }
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const [nv, keep] = removeDirectives(x);
      if (keep) out.push(nv);
    }
    return [out, true];
  }
  return [v, true];
}

/** extractKey: the field name after "<prefix>/". */
function extractKey(s: string, prefix: string): string {
  const slash = s.indexOf('/');
  if (slash < 0 || s.slice(0, slash) !== prefix) {
    if (prefix === DELETE_FROM_PRIMITIVE_LIST_PREFIX) throw smpErrors.badPatchFormatForPrimitiveList();
    throw smpErrors.badPatchFormatForSetElementOrderList();
  }
  return s.slice(slash + 1);
}

/** $retainKeys: clear the original's fields not listed; the patch may only set listed fields. */
function applyRetainKeysDirective(original: JsonObject, patch: JsonObject): void {
  if (!hasOwn(patch, RETAIN_KEYS_DIRECTIVE)) return;
  const retainKeys = patch[RETAIN_KEYS_DIRECTIVE];
  delete patch[RETAIN_KEYS_DIRECTIVE];
  if (!Array.isArray(retainKeys)) throw smpErrors.badPatchFormatForRetainKeys();
  const keep = new Set<unknown>(retainKeys);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || k.startsWith(DELETE_FROM_PRIMITIVE_LIST_PREFIX) || k.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    if (!keep.has(k)) throw smpErrors.badPatchFormatForRetainKeys();
  }
  for (const k of Object.keys(original)) {
    if (!keep.has(k)) delete original[k];
  }
}

// ---------------------------------------------------------------------------------------------
// $setElementOrder
// ---------------------------------------------------------------------------------------------

/** mergePatchIntoOriginal: merge each list named by a $setElementOrder directive, then order it. */
function mergePatchIntoOriginal(original: JsonObject, patch: JsonObject, schema: PatchSchema, options: MergeOptions): void {
  for (const [key, setOrder] of Object.entries(patch)) {
    if (!key.startsWith(SET_ELEMENT_ORDER_PREFIX)) continue;
    delete patch[key];

    if (!Array.isArray(setOrder)) throw smpErrors.badArgType(SLICE_TYPE, setOrder);
    const field = extractKey(key, SET_ELEMENT_ORDER_PREFIX);
    const foundOriginal = hasOwn(original, field);
    const foundPatch = hasOwn(patch, field);
    const originalList = original[field];
    const patchList = patch[field];
    if (foundOriginal && !Array.isArray(originalList)) throw smpErrors.badArgType(SLICE_TYPE, originalList);
    if (foundPatch && !Array.isArray(patchList)) throw smpErrors.badArgType(SLICE_TYPE, patchList);
    const originalValue = foundOriginal ? (originalList as unknown[]) : [];
    const patchValue = foundPatch ? (patchList as unknown[]) : [];

    const [sub, meta] = schema.lookupSlice(field);
    const strategy = patchStrategyOf(meta.strategies);
    validatePatchWithSetOrderList(patchValue, setOrder, meta.mergeKey);

    let merged: unknown[];
    if (foundOriginal && !foundPatch) {
      merged = originalValue;
    } else if (!foundOriginal && foundPatch) {
      merged = removeDirectives(patchValue)[0] as unknown[];
    } else if (foundOriginal && foundPatch) {
      // may shift items of originalValue in place, as Go's slices do (see GoSlice)
      merged = mergeSliceHandler(originalValue, patchValue, sub, strategy, meta.mergeKey, false, options);
    } else {
      continue;
    }

    const [patchItems, serverOnly] =
      meta.mergeKey === ''
        ? partitionPrimitivesByPresentInList(merged, setOrder)
        : partitionMapsByPresentInList(merged, setOrder, meta.mergeKey);
    const kind = sliceElementKind(originalValue, patchValue);
    setOwn(original, field, normalizeElementOrder(patchItems, serverOnly, setOrder, originalValue, meta.mergeKey, kind));
    delete patch[field];
  }
}

/**
 * The patch list's items (other than deletions and directives) must appear in the
 * $setElementOrder list, in the same relative order.
 */
function validatePatchWithSetOrderList(patchList: unknown[], setOrder: unknown[], mergeKey: string): void {
  if (setOrder.length === 0 || patchList.length === 0) return;
  let items = patchList;
  if (mergeKey !== '') {
    items = [];
    for (const v of patchList) {
      if (!isJsonObject(v)) throw smpErrors.badArgType('map[string]interface {}', v);
      if (!(hasOwn(v, DIRECTIVE_MARKER) && v[DIRECTIVE_MARKER] === DELETE_DIRECTIVE)) items.push(v);
    }
  }
  let p = 0;
  let s = 0;
  while (p < items.length && s < setOrder.length) {
    const item = items[p];
    if (isJsonObject(item) && hasOwn(item, DIRECTIVE_MARKER)) {
      p++;
      continue;
    }
    if (mergeKeyValueEqual(item, setOrder[s], mergeKey)) p++;
    s++;
  }
  if (p < items.length && s >= setOrder.length) throw smpErrors.orderMismatch(patchList, setOrder);
}

function mergeKeyValueEqual(left: unknown, right: unknown, mergeKey: string): boolean {
  if (mergeKey === '') return left === right;
  if (!isJsonObject(left)) throw smpErrors.badArgType('map[string]interface {}', left);
  if (!isJsonObject(right)) throw smpErrors.badArgType('map[string]interface {}', right);
  if (!hasOwn(left, mergeKey)) throw smpErrors.noMergeKey(left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw smpErrors.noMergeKey(right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

// ---------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------

/**
 * A Go slice over a shared backing array: removing an item shifts the rest down in place and
 * appending writes into the backing array while it has room. Upstream's $setElementOrder code
 * keeps looking at the original list's backing array after the merge, so this is observable
 * in the resulting order and is reproduced here.
 */
class GoSlice {
  private cap: number;

  constructor(
    private buf: unknown[],
    public len: number,
  ) {
    this.cap = buf.length;
  }

  items(): unknown[] {
    return this.buf.slice(0, this.len);
  }

  set(i: number, v: unknown): void {
    this.buf[i] = v;
  }

  removeAt(i: number): void {
    for (let j = i; j < this.len - 1; j++) this.buf[j] = this.buf[j + 1];
    this.len--;
  }

  append(v: unknown): void {
    if (this.len >= this.cap) {
      this.buf = this.items();
      this.cap = Number.POSITIVE_INFINITY;
    }
    this.buf[this.len++] = v;
  }
}

function mergeSliceHandler(
  original: unknown[],
  patch: unknown[],
  schema: PatchSchema,
  strategy: string,
  mergeKey: string,
  isDeleteList: boolean,
  options: MergeOptions,
): unknown[] {
  // deletion lists are applied whatever the field's strategy
  if (strategy === MERGE_DIRECTIVE || isDeleteList) return mergeSlice(original, patch, schema, mergeKey, options, isDeleteList);
  return patch;
}

function mergeSlice(
  original: unknown[],
  patch: unknown[],
  schema: PatchSchema,
  mergeKey: string,
  options: MergeOptions,
  isDeleteList: boolean,
): unknown[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = sliceElementKind(original, patch);

  let merged: unknown[];
  let serverOrder: unknown[] = original;
  let patchOrder: unknown[] = patch;
  if (kind !== 'map') {
    if (options.mergeParallelList && isDeleteList) return deleteFromSlice(original, patch);
    merged = deduplicateScalars([...original, ...patch]);
  } else {
    if (mergeKey === '') throw smpErrors.noMergeKeyForList(schema.name());
    const special = mergeSliceWithSpecialElements(new GoSlice(original, original.length), patch, mergeKey);
    serverOrder = special.original.items();
    patchOrder = special.patch;
    merged = mergeSliceWithoutSpecialElements(special.original, special.patch, mergeKey, schema, options);
  }

  const [patchItems, serverOnly] =
    mergeKey === '' ? partitionPrimitivesByPresentInList(merged, patchOrder) : partitionMapsByPresentInList(merged, patchOrder, mergeKey);
  return normalizeElementOrder(patchItems, serverOnly, patchOrder, serverOrder, mergeKey, kind);
}

/** Apply `$patch: delete` / `$patch: replace` list items; returns the list and the remaining patch. */
function mergeSliceWithSpecialElements(original: GoSlice, patch: unknown[], mergeKey: string): { original: GoSlice; patch: unknown[] } {
  const plain: unknown[] = [];
  let replace = false;
  for (const v of patch) {
    const item = v as JsonObject;
    if (!hasOwn(item, DIRECTIVE_MARKER)) {
      plain.push(v);
      continue;
    }
    const directive = item[DIRECTIVE_MARKER];
    if (directive === DELETE_DIRECTIVE) {
      if (!hasOwn(item, mergeKey)) throw smpErrors.noMergeKey(item, mergeKey);
      deleteMatchingEntries(original, mergeKey, item[mergeKey]);
    } else if (directive === REPLACE_DIRECTIVE) {
      replace = true;
    } else if (directive === MERGE_DIRECTIVE) {
      throw smpErrors.mergingListsNotSupported();
    } else {
      throw smpErrors.badPatchType(directive, item);
    }
  }
  if (replace) return { original: new GoSlice(plain, plain.length), patch: [] };
  return { original, patch: plain };
}

function deleteMatchingEntries(original: GoSlice, mergeKey: string, value: unknown): void {
  for (;;) {
    const found = findMapByKey(original.items(), mergeKey, value);
    if (!found) return;
    original.removeAt(found.index);
  }
}

function mergeSliceWithoutSpecialElements(
  original: GoSlice,
  patch: unknown[],
  mergeKey: string,
  schema: PatchSchema,
  options: MergeOptions,
): unknown[] {
  for (const v of patch) {
    const item = v as JsonObject;
    if (!hasOwn(item, mergeKey)) throw smpErrors.noMergeKey(item, mergeKey);
    const found = findMapByKey(original.items(), mergeKey, item[mergeKey]);
    if (found) original.set(found.index, mergeMap(found.map, item, schema, options));
    else original.append(v);
  }
  return original.items();
}

// ---------------------------------------------------------------------------------------------
// Result cleanup
// ---------------------------------------------------------------------------------------------

function isDirectiveKey(k: string): boolean {
  return (
    k === DIRECTIVE_MARKER ||
    k === RETAIN_KEYS_DIRECTIVE ||
    k.startsWith(`${SET_ELEMENT_ORDER_PREFIX}/`) ||
    k.startsWith(`${DELETE_FROM_PRIMITIVE_LIST_PREFIX}/`)
  );
}

/**
 * Directive keys left in values taken whole from the patch are not fields of any type; upstream
 * drops them when decoding the result into the typed object, so they are dropped here too.
 */
function stripDirectiveKeys(v: unknown): void {
  if (Array.isArray(v)) {
    for (const x of v) stripDirectiveKeys(x);
  } else if (isJsonObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (isDirectiveKey(k)) delete v[k];
      else stripDirectiveKeys(x);
    }
  }
}
