/**
 * Values are the object's JSON without metadata.resourceVersion; objects read back get
 * metadata.resourceVersion set to the key's modRevision (or another revision the caller picks).
 */
import { KObject } from '../../../apimachinery/src/types';

/** The stored form of an object (resourceVersion dropped). */
export function encodeObject(obj: KObject): string {
  const meta = obj.metadata;
  if (meta !== undefined && meta !== null && meta.resourceVersion !== undefined) {
    return JSON.stringify({ ...obj, metadata: { ...meta, resourceVersion: undefined } });
  }
  return JSON.stringify(obj);
}

/** Parses a stored value (Buffer or already-decoded string) and stamps its resourceVersion. */
export function decodeObject(value: Buffer | string, resourceVersion: string, key: string): KObject {
  const text = typeof value === 'string' ? value : value.toString('utf8');
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`unable to decode object stored at ${key}: ${(e as Error).message}`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error(`unable to decode object stored at ${key}: not a JSON object`);
  }
  const o = obj as KObject;
  if (typeof o.metadata !== 'object' || o.metadata === null) o.metadata = {};
  o.metadata.resourceVersion = resourceVersion;
  return o;
}
