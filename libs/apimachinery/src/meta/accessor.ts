/** Small helpers for reading and writing fields of loosely-typed objects. */
import { isObject } from '../types';

/** "spec.replicas" or ["metadata", "annotations", "a.b/c"] (use the array form when keys contain dots). */
export type ObjectPath = string | readonly string[];

function segments(path: ObjectPath): readonly string[] {
  return typeof path === 'string' ? (path === '' ? [] : path.split('.')) : path;
}

function step(current: unknown, key: string): unknown {
  if (Array.isArray(current)) {
    if (!/^(0|[1-9][0-9]*)$/.test(key)) return undefined;
    return current[Number(key)];
  }
  if (isObject(current) && Object.prototype.hasOwnProperty.call(current, key)) return current[key];
  return undefined;
}

/** The value at `path`, or undefined when any step is missing. Numeric segments index arrays. */
export function getPath(obj: unknown, path: ObjectPath): unknown {
  let current = obj;
  for (const key of segments(path)) {
    current = step(current, key);
    if (current === undefined) return undefined;
  }
  return current;
}

/**
 * Set the value at `path`, creating missing intermediate objects (like unstructured.SetNestedField).
 * Throws when an intermediate value exists but is not an object.
 */
export function setPath(obj: Record<string, unknown>, path: ObjectPath, value: unknown): void {
  const keys = segments(path);
  if (keys.length === 0) throw new Error('setPath: empty path');
  let current: Record<string, unknown> | unknown[] = obj;
  for (let i = 0; i < keys.length - 1; i++) {
    const key = keys[i];
    let next = step(current, key);
    if (next === undefined || next === null) {
      if (Array.isArray(current)) throw new Error(`value cannot be set because ${keys.slice(0, i + 1).join('.')} is out of range`);
      next = {};
      current[key] = next;
    }
    if (!isObject(next) && !Array.isArray(next)) {
      throw new Error(`value cannot be set because ${keys.slice(0, i + 1).join('.')} is not an object`);
    }
    current = next;
  }
  const last = keys[keys.length - 1];
  if (Array.isArray(current)) current[Number(last)] = value;
  else current[last] = value;
}

/** Remove the value at `path`; returns whether something was removed. */
export function deletePath(obj: unknown, path: ObjectPath): boolean {
  const keys = segments(path);
  if (keys.length === 0) return false;
  const parent = getPath(obj, keys.slice(0, -1));
  const last = keys[keys.length - 1];
  if (isObject(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
    delete parent[last];
    return true;
  }
  return false;
}

function stringMap(v: unknown): Record<string, string> {
  if (!isObject(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** metadata.labels as a string map (empty when absent). */
export function objectLabels(obj: unknown): Record<string, string> {
  return stringMap(getPath(obj, ['metadata', 'labels']));
}

/** metadata.annotations as a string map (empty when absent). */
export function objectAnnotations(obj: unknown): Record<string, string> {
  return stringMap(getPath(obj, ['metadata', 'annotations']));
}

/**
 * The field set every resource supports in field selectors (generic.ObjectMetaFieldsSet):
 * metadata.name, plus metadata.namespace for namespaced resources.
 */
export function objectMetaFields(obj: unknown, namespaced: boolean): Record<string, string> {
  const name = getPath(obj, ['metadata', 'name']);
  const fields: Record<string, string> = { 'metadata.name': typeof name === 'string' ? name : '' };
  if (namespaced) {
    const ns = getPath(obj, ['metadata', 'namespace']);
    fields['metadata.namespace'] = typeof ns === 'string' ? ns : '';
  }
  return fields;
}
