/**
 * Field sets of objects (structured-merge-diff TypedValue.ToFieldSet and TypedValue.Compare),
 * both one linear walk of the object(s) by schema. The fields upstream's stripMeta manager leaves
 * out of every set (apiVersion, kind and the system fields of metadata) are skipped.
 */
import { FieldSet, fieldPE, keyPE, valuePE } from './fieldpath';
import { childType, isGranularObject, isPlainObject, SsaType } from './schema';

const ROOT_SKIP = new Set(['apiVersion', 'kind']);
const META_SKIP = new Set([
  'name',
  'namespace',
  'creationTimestamp',
  'selfLink',
  'uid',
  'generation',
  'managedFields',
  'resourceVersion',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
]);

/**
 * Fields that exist in the Go zero value of their parent (non-pointer structs, and `containers`,
 * serialised as null without omitempty): upstream compares against that zero value, so when such
 * a field appears in an existing parent, it is not "added" itself and gets no `".": {}`.
 */
const ZERO_PRESENT = new Set(['metadata', 'spec', 'status', 'template', 'strategy', 'updateStrategy', 'resources', 'jobTemplate', 'containers']);

/** Fields of `obj` a field set leaves out at this depth (root: apiVersion/kind; metadata: system fields). */
function skipped(path: readonly string[], field: string): boolean {
  if (path.length === 0) return ROOT_SKIP.has(field);
  return path.length === 1 && path[0] === 'f:metadata' && META_SKIP.has(field);
}

/** The path element of a list item, or undefined for an atomic list. */
export function itemPE(t: SsaType, item: unknown): string | undefined {
  if (t.kind !== 'list') return undefined;
  if (t.listType === 'set') return valuePE(item);
  if (t.listType === 'map') return keyPE(isPlainObject(item) ? withKeyDefaults(item, t.keys) : {}, t.keys);
  return undefined;
}

/** smd fills defaulted key fields (`protocol` of ports) so `{containerPort: 80}` keys as TCP. */
function withKeyDefaults(item: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  if (keys.includes('protocol') && item.protocol === undefined) return { ...item, protocol: 'TCP' };
  return item;
}

/** Every field `obj` sets (an apply configuration's set): leaves, empty containers, list items. */
export function toFieldSet(obj: unknown, t: SsaType): FieldSet {
  const out = new FieldSet();
  walkSet(obj, t, [], out);
  return out;
}

function walkSet(v: unknown, t: SsaType, path: string[], out: FieldSet): void {
  if (isGranularObject(t, v)) {
    let any = false;
    for (const [k, fv] of Object.entries(v)) {
      if (skipped(path, k)) continue;
      any = true;
      path.push(fieldPE(k));
      walkSet(fv, childType(t, k), path, out);
      path.pop();
    }
    if (!any && path.length > 0 && !(path.length === 1 && path[0] === 'f:metadata')) out.insert(path);
    return;
  }
  if (t.kind === 'list' && t.listType !== 'atomic' && Array.isArray(v)) {
    if (v.length === 0) {
      out.insert(path);
      return;
    }
    for (const item of v) {
      const pe = itemPE(t, item)!;
      path.push(pe);
      out.insert(path);
      if (t.listType === 'map' && isPlainObject(item)) walkSet(item, t.elem, path, out);
      path.pop();
    }
    return;
  }
  if (path.length > 0) out.insert(path);
}

/** What changed from `live` to `next`: added ∪ modified paths, and removed paths. */
export interface Comparison {
  changed: FieldSet;
  removed: FieldSet;
}

export function compare(live: unknown, next: unknown, t: SsaType): Comparison {
  const cmp: Comparison = { changed: new FieldSet(), removed: new FieldSet() };
  walkCompare(live, next, t, [], cmp);
  return cmp;
}

function walkCompare(a: unknown, b: unknown, t: SsaType, path: string[], cmp: Comparison): void {
  if (a === undefined && b === undefined) return;
  if (b === undefined) {
    cmp.removed.insert(path);
    return;
  }
  if (a === undefined) {
    walkAdded(b, t, path, cmp.changed, false);
    return;
  }
  if (isGranularObject(t, a) && isGranularObject(t, b)) {
    for (const k of Object.keys(a)) {
      if (skipped(path, k)) continue;
      path.push(fieldPE(k));
      walkCompare(a[k], b[k], childType(t, k), path, cmp);
      path.pop();
    }
    for (const k of Object.keys(b)) {
      if (k in a || skipped(path, k)) continue;
      path.push(fieldPE(k));
      walkAdded(b[k], childType(t, k), path, cmp.changed, ZERO_PRESENT.has(k));
      path.pop();
    }
    return;
  }
  if (isGranularObject(t, b)) {
    // a scalar or null became an object: the object itself and everything in it changed
    walkAdded(b, t, path, cmp.changed, false);
    if (path.length > 0) cmp.changed.insert(path);
    return;
  }
  if (t.kind === 'list' && t.listType !== 'atomic' && Array.isArray(a) && Array.isArray(b)) {
    const live = new Map<string, unknown>();
    for (const item of a) live.set(itemPE(t, item)!, item);
    const seen = new Set<string>();
    for (const item of b) {
      const pe = itemPE(t, item)!;
      seen.add(pe);
      path.push(pe);
      if (!live.has(pe)) {
        cmp.changed.insert(path);
        walkAdded(item, t.elem, path, cmp.changed, false);
      }
      else if (t.listType === 'map') walkCompare(live.get(pe), item, t.elem, path, cmp);
      path.pop();
    }
    for (const pe of live.keys()) {
      if (seen.has(pe)) continue;
      path.push(pe);
      cmp.removed.insert(path);
      path.pop();
    }
    if (a.length === 0 && b.length === 0) return;
    return;
  }
  if (!jsonEqual(a, b) && path.length > 0) cmp.changed.insert(path);
}

/**
 * A value new to the object: its own path (containers too) and everything in it. `zeroPresent`:
 * the field exists in its parent's Go zero value (see ZERO_PRESENT), so a container is not new.
 */
function walkAdded(v: unknown, t: SsaType, path: string[], out: FieldSet, zeroPresent: boolean): void {
  // a new null (e.g. a template's creationTimestamp: null) is the Go zero value: nothing changed
  if (v === null) return;
  if (isGranularObject(t, v)) {
    const keys = Object.keys(v).filter((k) => !skipped(path, k));
    if (path.length > 0 && !(zeroPresent && t.kind === 'struct')) out.insert(path);
    for (const k of keys) {
      path.push(fieldPE(k));
      walkAdded(v[k], childType(t, k), path, out, zeroPresent && t.kind === 'struct' && ZERO_PRESENT.has(k));
      path.pop();
    }
    return;
  }
  if (t.kind === 'list' && t.listType !== 'atomic' && Array.isArray(v)) {
    if (path.length > 0 && !(zeroPresent && v.length > 0)) out.insert(path);
    for (const item of v) {
      path.push(itemPE(t, item)!);
      out.insert(path);
      if (t.listType === 'map' && isPlainObject(item)) walkAdded(item, t.elem, path, out, false);
      path.pop();
    }
    return;
  }
  if (path.length > 0) out.insert(path);
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  if (ak.length !== Object.keys(bo).length) return false;
  for (const k of ak) if (!(k in bo) || !jsonEqual(ao[k], bo[k])) return false;
  return true;
}
