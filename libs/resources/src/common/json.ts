/** Typed access to loosely shaped JSON objects (the API objects as they travel through the server). */
import { isObject } from '../../../apimachinery/src/types';

export type Json = Record<string, unknown>;

export { isObject };

/** The object at `v`, or undefined. */
export function obj(v: unknown): Json | undefined {
  return isObject(v) ? v : undefined;
}

/** parent[key] as an object, created (replacing any non-object) when missing. */
export function child(parent: Json, key: string): Json {
  const v = parent[key];
  if (isObject(v)) return v;
  const created: Json = {};
  parent[key] = created;
  return created;
}

export function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function int(v: unknown): number {
  return num(v) ?? 0;
}

export function bool(v: unknown): boolean {
  return v === true;
}

export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** The object elements of an array (non-objects are skipped). */
export function objs(v: unknown): Json[] {
  return arr(v).filter(isObject);
}

export function strs(v: unknown): string[] {
  return arr(v).filter((x): x is string => typeof x === 'string');
}

/** A map[string]string, or undefined when absent. */
export function strMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'string' ? x : String(x ?? '');
  return out;
}

/** Follow a dotted path of object keys. */
export function at(root: unknown, ...path: string[]): unknown {
  let cur: unknown = root;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export function isEmptyValue(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}
