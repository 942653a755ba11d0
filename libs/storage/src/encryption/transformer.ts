/**
 * Storage value transformation (encryption at rest), as k8s.io/apiserver/pkg/storage/value:
 * a PrefixTransformer per resource writes with its FIRST key transformer and reads with whichever
 * one's prefix the stored bytes carry (a read by any but the first is "stale", so an update rewrites
 * it even when the object did not change). One process-wide ValueTransformer, installed at start
 * (`setStorageTransformer`), is consulted by the backends' codec (libs/storage/src/etcd/codec.ts) for
 * every value written or read: the etcd and SQLite backends and the watch caches above them
 * (CachedStorage's EtcdSource decodes through the same codec) all see plaintext.
 */
import { identityTransformer, type KeyTransformer } from './providers';

export interface ReadResult {
  data: Buffer;
  /** read with a key other than the current write key: rewrite on the next update */
  stale: boolean;
}

/** Whole-value transformer given the value's full storage key (e.g. `/registry/secrets/ns/name`). */
export interface ValueTransformer {
  toStorage(plain: Buffer, fullKey: string): Buffer;
  fromStorage(stored: Buffer, fullKey: string): ReadResult;
}

const ENC_PREFIX = Buffer.from('k8s:enc:');

/** Upstream's prefixTransformers over one resource's providers, in configuration order. */
export class PrefixTransformer implements ValueTransformer {
  private readonly prefixes: Buffer[];
  constructor(readonly transformers: KeyTransformer[]) {
    if (transformers.length === 0) throw new Error('no transformers');
    this.prefixes = transformers.map((t) => Buffer.from(t.prefix));
  }

  toStorage(plain: Buffer, fullKey: string): Buffer {
    return this.transformers[0].encrypt(plain, Buffer.from(fullKey));
  }

  fromStorage(stored: Buffer, fullKey: string): ReadResult {
    for (let i = 0; i < this.transformers.length; i++) {
      const t = this.transformers[i];
      const p = this.prefixes[i];
      if (p.length === 0) {
        // identity: matches everything but refuses encrypted data, so later providers may try it
        if (stored.subarray(0, ENC_PREFIX.length).equals(ENC_PREFIX)) continue;
        return { data: stored, stale: i !== 0 };
      }
      if (stored.length >= p.length && stored.subarray(0, p.length).equals(p)) {
        return { data: t.decrypt(stored.subarray(p.length), Buffer.from(fullKey)), stale: i !== 0 };
      }
    }
    throw new Error('no matching prefix found');
  }
}

export const identityValueTransformer: ValueTransformer = new PrefixTransformer([identityTransformer]);

/**
 * Chooses a resource's transformer from the full key: `forKey(fullKey)` returns undefined for
 * resources the configuration does not name (stored as is).
 */
export class ResourceTransformers implements ValueTransformer {
  constructor(private readonly forKey: (fullKey: string) => ValueTransformer | undefined) {}

  private pick(fullKey: string): ValueTransformer | undefined {
    return this.forKey(fullKey);
  }

  toStorage(plain: Buffer, fullKey: string): Buffer {
    const t = this.pick(fullKey);
    return t ? t.toStorage(plain, fullKey) : plain;
  }

  fromStorage(stored: Buffer, fullKey: string): ReadResult {
    const t = this.pick(fullKey);
    return t ? t.fromStorage(stored, fullKey) : { data: stored, stale: false };
  }
}

let current: ValueTransformer | undefined;
/** op, upstream's transformer_prefix label (`k8s:enc:aescbc:v1:`, or `identity`), success */
export type TransformationObserver = (op: 'to_storage' | 'from_storage', prefix: string, ok: boolean) => void;
let counter: TransformationObserver | undefined;

const ENC = Buffer.from('k8s:enc:');
/** `k8s:enc:<provider>:v1:` of a stored value, else `identity` */
export function providerPrefixOf(value: Buffer): string {
  if (!value.subarray(0, ENC.length).equals(ENC)) return 'identity';
  let colons = 0;
  for (let i = 0; i < Math.min(value.length, 64); i++) {
    if (value[i] === 0x3a && ++colons === 4) return value.subarray(0, i + 1).toString('latin1');
  }
  return 'unknown';
}

/** Install (or with undefined remove) the process-wide transformer. */
export function setStorageTransformer(t: ValueTransformer | undefined): void {
  current = t;
}

export function getStorageTransformer(): ValueTransformer | undefined {
  return current;
}

/** Observe transformations (apiserver_storage_transformation_operations_total). */
export function onStorageTransformation(fn: TransformationObserver | undefined): void {
  counter = fn;
}

/** plaintext JSON -> stored bytes */
export function valueToStorage(plain: string, fullKey: string): Buffer {
  const buf = Buffer.from(plain);
  if (!current) return buf;
  try {
    const out = current.toStorage(buf, fullKey);
    counter?.('to_storage', providerPrefixOf(out), true);
    return out;
  } catch (e) {
    counter?.('to_storage', 'unknown', false);
    throw e;
  }
}

/** stored bytes -> plaintext JSON (+ stale). Strings are plaintext already (never transformed). */
export function valueFromStorage(stored: Buffer | string, fullKey: string): { data: string; stale: boolean } {
  if (typeof stored === 'string') return { data: stored, stale: false };
  if (!current) return { data: stored.toString('utf8'), stale: false };
  try {
    const r = current.fromStorage(stored, fullKey);
    counter?.('from_storage', providerPrefixOf(stored), true);
    return { data: r.data.toString('utf8'), stale: r.stale };
  } catch (e) {
    counter?.('from_storage', providerPrefixOf(stored), false);
    throw new Error(`unable to transform key "${fullKey}": ${(e as Error).message}`);
  }
}
