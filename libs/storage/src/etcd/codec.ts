/**
 * Values are the object's JSON without metadata.resourceVersion; objects read back get
 * metadata.resourceVersion set to the key's modRevision (or another revision the caller picks).
 */
import { KObject } from '../../../apimachinery/src/types';
import { valueFromStorage, valueToStorage } from '../encryption/transformer';

/** The bytes to store for an encoded object at a full key (encrypted when configured, ../encryption). */
export function storedValue(data: string, fullKey: string): Buffer {
  return valueToStorage(data, fullKey);
}

/** Stored bytes -> the object's JSON text and whether it was read with an old key (rewrite on update). */
export function readStoredValue(value: Buffer | string, fullKey: string): { data: string; stale: boolean } {
  return valueFromStorage(value, fullKey);
}

/** The stored form of an object (resourceVersion dropped). */
export function encodeObject(obj: KObject): string {
  const meta = obj.metadata;
  if (meta !== undefined && meta !== null && meta.resourceVersion !== undefined) {
    return JSON.stringify({ ...obj, metadata: { ...meta, resourceVersion: undefined } });
  }
  return JSON.stringify(obj);
}

/**
 * Parses a stored value and stamps its resourceVersion. A Buffer is raw stored bytes (decrypted here
 * with `key` as the full storage key); a string is plaintext JSON already.
 */
export function decodeObject(value: Buffer | string, resourceVersion: string, key: string): KObject {
  const text = readStoredValue(value, key).data;
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
