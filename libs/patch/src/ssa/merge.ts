/**
 * Merging an apply configuration into the live object (structured-merge-diff TypedValue.Merge) and
 * pruning the fields a manager stopped applying (Updater.prune). Pure: inputs are not modified.
 */
import { FieldSet } from './fieldpath';
import { itemPE } from './field-sets';
import { childType, isGranularObject, isPlainObject, SsaType } from './schema';

const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** Merge `config` over `live`: granular maps field by field, map/set lists item by key, the rest replaced. */
export function mergeValues(live: unknown, config: unknown, t: SsaType): unknown {
  if (config === undefined) return clone(live);
  if (live === undefined || live === null) return clone(config);
  if (isGranularObject(t, live) && isGranularObject(t, config)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(live)) out[k] = clone(v);
    for (const [k, v] of Object.entries(config)) {
      if (v === null) {
        delete out[k];
        continue;
      }
      out[k] = mergeValues(live[k], v, childType(t, k));
    }
    return out;
  }
  if (t.kind === 'list' && t.listType !== 'atomic' && Array.isArray(live) && Array.isArray(config)) {
    return mergeLists(t, live, config);
  }
  return clone(config);
}

/** smd mergingWalker.visitListItems: config order, live-only items kept at their live positions. */
function mergeLists(t: SsaType & { kind: 'list' }, lhs: unknown[], rhs: unknown[]): unknown[] {
  const lPEs = lhs.map((i) => itemPE(t, i)!);
  const rPEs = rhs.map((i) => itemPE(t, i)!);
  const observedL = new Map<string, unknown>();
  lhs.forEach((item, i) => {
    if (!observedL.has(lPEs[i])) observedL.set(lPEs[i], item);
  });
  const observedR = new Map<string, unknown>();
  rhs.forEach((item, i) => observedR.set(rPEs[i], item));
  const shared = rPEs.filter((pe) => observedL.has(pe));
  let nextShared = 0;
  const merged = new Set<string>();
  const out: unknown[] = [];
  const mergeItem = (pe: string, l: unknown, r: unknown) =>
    t.listType === 'map' ? mergeValues(l, r, t.elem) : clone(r !== undefined ? r : l);
  let lI = 0;
  let rI = 0;
  while (lI < lPEs.length || rI < rPEs.length) {
    if (lI < lPEs.length && rI < rPEs.length) {
      const pe = lPEs[lI];
      if (pe === rPEs[rI]) {
        merged.add(pe);
        out.push(mergeItem(pe, observedL.get(pe), observedR.get(pe)));
        lI++;
        rI++;
        if (shared[nextShared] === pe) nextShared++;
        continue;
      }
      if (observedR.has(pe) && nextShared < shared.length && shared[nextShared] !== pe) {
        lI++;
        continue;
      }
    }
    if (lI < lPEs.length) {
      const pe = lPEs[lI];
      if (!observedR.has(pe)) {
        out.push(clone(lhs[lI]));
        lI++;
        continue;
      } else if (merged.has(pe)) {
        lI++;
        continue;
      }
    }
    if (rI < rPEs.length) {
      const pe = rPEs[rI];
      if (!merged.has(pe)) {
        merged.add(pe);
        out.push(mergeItem(pe, observedL.get(pe), observedR.get(pe)));
      }
      rI++;
      if (shared[nextShared] === pe) nextShared++;
    }
  }
  return out;
}

/**
 * Remove from `obj` (in place) every path of `remove` that no path of `keep` is at or below.
 * A map or list left empty by a removal is dropped too (Go's omitempty would not serialise it).
 */
export function removeFields(obj: unknown, remove: FieldSet, keep: FieldSet, t: SsaType): void {
  removeWalk(obj, remove, keep, t);
}

function removeWalk(v: unknown, remove: FieldSet, keep: FieldSet | undefined, t: SsaType): void {
  const pes = new Set<string>([...remove.members, ...remove.children.keys()]);
  if (pes.size === 0) return;
  if (isPlainObject(v) && t.kind !== 'list') {
    for (const pe of pes) {
      if (!pe.startsWith('f:')) continue;
      const name = pe.slice(2);
      if (!(name in v)) continue;
      const ft = childType(t, name);
      if (remove.members.has(pe) && !keepsAnything(keep, pe)) {
        delete v[name];
        continue;
      }
      const sub = remove.children.get(pe);
      if (sub) {
        removeWalk(v[name], sub, keep?.children.get(pe), ft);
        if (becameEmpty(v[name], ft)) delete v[name];
      }
    }
    return;
  }
  if (Array.isArray(v) && t.kind === 'list' && t.listType !== 'atomic') {
    for (let i = v.length - 1; i >= 0; i--) {
      const pe = itemPE(t, v[i])!;
      if (!pes.has(pe)) continue;
      if (remove.members.has(pe) && !keepsAnything(keep, pe)) {
        v.splice(i, 1);
        continue;
      }
      const sub = remove.children.get(pe);
      if (sub && t.listType === 'map') removeWalk(v[i], sub, keep?.children.get(pe), t.elem);
    }
  }
}

function keepsAnything(keep: FieldSet | undefined, pe: string): boolean {
  if (!keep) return false;
  if (keep.members.has(pe)) return true;
  const c = keep.children.get(pe);
  return !!c && !c.empty();
}

function becameEmpty(v: unknown, t: SsaType): boolean {
  if (t.kind === 'struct') return false;
  if (Array.isArray(v)) return v.length === 0;
  return isPlainObject(v) && Object.keys(v).length === 0;
}

