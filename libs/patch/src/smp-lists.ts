/**
 * List helpers of strategic merge patch: element kinds, partitioning, de-duplication and the
 * ordering rules of k8s.io/apimachinery/pkg/util/strategicpatch (normalizeElementOrder,
 * mergeSortedSlice): items named by the patch (or its $setElementOrder list) follow the patch's
 * order, items only on the server keep the live order, and the two are interleaved using the
 * live order — so an item new to the list goes in front of the server-only items after it.
 */
import { hasOwn, isJsonObject, JsonObject } from './json-values';
import { smpErrors } from './smp-errors';

export const DIRECTIVE_MARKER = '$patch';
export const DELETE_DIRECTIVE = 'delete';
export const REPLACE_DIRECTIVE = 'replace';
export const MERGE_DIRECTIVE = 'merge';

const MAP_TYPE = 'map[string]interface {}';

/** Go's reflect type of a decoded value, as compared by sliceElementType and mergeMap. */
export type GoKind = 'map' | 'slice' | 'string' | 'int64' | 'float64' | 'bool' | 'nil';

export function goKindOf(v: unknown): GoKind {
  if (v === null || v === undefined) return 'nil';
  if (Array.isArray(v)) return 'slice';
  if (isJsonObject(v)) return 'map';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  return Number.isInteger(v) ? 'int64' : 'float64';
}

/** sliceElementType: the one element kind of all given slices (lists of lists are refused). */
export function sliceElementKind(...slices: unknown[][]): GoKind {
  let prev: GoKind | undefined;
  for (const s of slices) {
    for (const v of s) {
      const cur = goKindOf(v);
      if (prev === undefined) {
        prev = cur;
        if (prev === 'slice') throw smpErrors.noListOfLists();
      } else if (prev !== cur) {
        throw smpErrors.elementTypesDiffer(slices);
      }
    }
  }
  if (prev === undefined) throw smpErrors.noElements();
  return prev;
}

/** The value identifying a list item: its merge key value for maps, itself otherwise. */
function identity(item: unknown, mergeKey: string, kind: GoKind): unknown {
  if (kind !== 'map') return item;
  return isJsonObject(item) && hasOwn(item, mergeKey) ? item[mergeKey] : null;
}

/** First index of each identity in `list` (strategicpatch's index()). */
function indexer(list: unknown[], mergeKey: string, kind: GoKind): (item: unknown) => number {
  const first = new Map<unknown, number>();
  list.forEach((v, i) => {
    const id = identity(v, mergeKey, kind);
    if (!first.has(id)) first.set(id, i);
  });
  return (item) => first.get(identity(item, mergeKey, kind)) ?? -1;
}

/** Find a map whose `key` equals `value`; every element must be a map. */
export function findMapByKey(list: unknown[], key: string, value: unknown): { map: JsonObject; index: number } | undefined {
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (!isJsonObject(v)) throw smpErrors.notAMap(i);
    if (hasOwn(v, key) && v[key] === value) return { map: v, index: i };
  }
  return undefined;
}

export function validateMergeKeyInLists(mergeKey: string, ...lists: unknown[][]): void {
  for (const list of lists) {
    for (const item of list) {
      if (!isJsonObject(item)) throw smpErrors.badArgType(MAP_TYPE, item);
      if (!hasOwn(item, mergeKey)) throw smpErrors.noMergeKey(item, mergeKey);
    }
  }
}

/** Split a list of maps into items to keep and items carrying `$patch: delete`. */
export function extractToDeleteItems(list: unknown[]): { keep: unknown[]; toDelete: unknown[] } {
  const keep: unknown[] = [];
  const toDelete: unknown[] = [];
  for (const v of list) {
    if (!isJsonObject(v)) throw smpErrors.badArgType(MAP_TYPE, v);
    if (hasOwn(v, DIRECTIVE_MARKER) && v[DIRECTIVE_MARKER] === DELETE_DIRECTIVE) toDelete.push(v);
    else keep.push(v);
  }
  return { keep, toDelete };
}

export function partitionPrimitivesByPresentInList(list: unknown[], partitionBy: unknown[]): [unknown[], unknown[]] {
  const inPatch = new Set(partitionBy);
  const patch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) (inPatch.has(v) ? patch : serverOnly).push(v);
  return [patch, serverOnly];
}

export function partitionMapsByPresentInList(list: unknown[], partitionBy: unknown[], mergeKey: string): [unknown[], unknown[]] {
  const patch: unknown[] = [];
  const serverOnly: unknown[] = [];
  for (const v of list) {
    if (!isJsonObject(v)) throw smpErrors.badArgType(MAP_TYPE, v);
    if (!hasOwn(v, mergeKey)) throw smpErrors.noMergeKey(v, mergeKey);
    (findMapByKey(partitionBy, mergeKey, v[mergeKey]) ? patch : serverOnly).push(v);
  }
  return [patch, serverOnly];
}

/** Go's deduplicateScalars, including the way it moves the last element into a duplicate's slot. */
export function deduplicateScalars(input: unknown[]): unknown[] {
  const s = [...input];
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length];
        s.length = length;
        length--;
        j--;
      }
    }
  }
  return s;
}

/** deleteFromSlice: drop every item of `current` listed in `toDelete`. */
export function deleteFromSlice(current: unknown[], toDelete: unknown[]): unknown[] {
  const del = new Set(toDelete);
  return current.filter((v) => !del.has(v));
}

/**
 * sort.SliceStable(toSort, less) with strategicpatch's less: by position in `order` when both
 * items are found there, otherwise "less" is true. With every item found this is an ordinary
 * stable sort; otherwise Go's insertion sort is reproduced step by step.
 */
function sortByOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: GoKind): unknown[] {
  const indexOf = indexer(order, mergeKey, kind);
  const positions = toSort.map(indexOf);
  const items = toSort.map((item, i) => ({ item, pos: positions[i] }));
  if (positions.every((p) => p >= 0)) {
    return items.sort((a, b) => a.pos - b.pos).map((x) => x.item);
  }
  const less = (a: { pos: number }, b: { pos: number }): boolean => (a.pos >= 0 && b.pos >= 0 ? a.pos < b.pos : true);
  insertionSortStable(items, less);
  return items.map((x) => x.item);
}

/** Go's sort.Stable: insertion sort on blocks of 20, then pairwise in-place merges (symMerge). */
function insertionSortStable<T>(data: T[], less: (a: T, b: T) => boolean): void {
  const n = data.length;
  const swap = (i: number, j: number): void => {
    const t = data[i];
    data[i] = data[j];
    data[j] = t;
  };
  const insertion = (a: number, b: number): void => {
    for (let i = a + 1; i < b; i++) {
      for (let j = i; j > a && less(data[j], data[j - 1]); j--) swap(j, j - 1);
    }
  };
  const swapRange = (a: number, b: number, len: number): void => {
    for (let i = 0; i < len; i++) swap(a + i, b + i);
  };
  const rotate = (a: number, m: number, b: number): void => {
    let i = m - a;
    let j = b - m;
    while (i !== j) {
      if (i > j) {
        swapRange(m - i, m, j);
        i -= j;
      } else {
        swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    swapRange(m - i, m, i);
  };
  const symMerge = (a: number, m: number, b: number): void => {
    if (m - a === 1) {
      let i = m;
      let j = b;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (less(data[h], data[a])) i = h + 1;
        else j = h;
      }
      for (let k = a; k < i - 1; k++) swap(k, k + 1);
      return;
    }
    if (b - m === 1) {
      let i = a;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!less(data[m], data[h])) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) swap(k, k - 1);
      return;
    }
    const mid = (a + b) >>> 1;
    const nn = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = nn - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const p = nn - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!less(data[p - c], data[c])) start = c + 1;
      else r = c;
    }
    const end = nn - start;
    if (start < m && m < end) rotate(start, m, end);
    if (a < start && start < mid) symMerge(a, start, mid);
    if (mid < end && end < b) symMerge(mid, end, b);
  };

  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertion(a, b);
    a = b;
    b += blockSize;
  }
  insertion(a, n);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(a, m, n);
    blockSize *= 2;
  }
}

/** normalizeSliceOrder: sort by `order`; `$patch: delete` items (maps) go last. */
function normalizeSliceOrder(toSort: unknown[], order: unknown[], mergeKey: string, kind: GoKind): unknown[] {
  let toDelete: unknown[] = [];
  if (kind === 'map') {
    validateMergeKeyInLists(mergeKey, toSort, order);
    const split = extractToDeleteItems(toSort);
    toSort = split.keep;
    toDelete = split.toDelete;
  }
  return [...sortByOrder(toSort, order, mergeKey, kind), ...toDelete];
}

/**
 * mergeSortedSlice: interleave the server-only items (`left`) into the patch items (`right`),
 * taking a server-only item first only when both are in the live list and it comes earlier there.
 */
function mergeSortedSlice(left: unknown[], right: unknown[], serverOrder: unknown[], mergeKey: string, kind: GoKind): unknown[] {
  const indexOf = indexer(serverOrder, mergeKey, kind);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) {
    const li = indexOf(left[i]);
    const ri = indexOf(right[j]);
    if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
    else out.push(right[j++]);
  }
  return [...out, ...left.slice(i), ...right.slice(j)];
}

export function normalizeElementOrder(
  patch: unknown[],
  serverOnly: unknown[],
  patchOrder: unknown[],
  serverOrder: unknown[],
  mergeKey: string,
  kind: GoKind,
): unknown[] {
  const sortedPatch = normalizeSliceOrder(patch, patchOrder, mergeKey, kind);
  const sortedServer = normalizeSliceOrder(serverOnly, serverOrder, mergeKey, kind);
  return mergeSortedSlice(sortedServer, sortedPatch, serverOrder, mergeKey, kind);
}
