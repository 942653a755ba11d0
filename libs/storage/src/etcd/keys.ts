/** Key layout: every key lives under the storage prefix, e.g. '/registry' + '/configmaps/ns/name'. */
import { StorageError } from '../interface';

/** Normalises a storage prefix like upstream: rooted, ending in '/'. '/registry' -> '/registry/'. */
export function normalizePrefix(prefix: string): string {
  let p = prefix.startsWith('/') ? prefix : `/${prefix}`;
  p = p.replace(/\/{2,}/g, '/');
  return p.endsWith('/') ? p : `${p}/`;
}

const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;

/**
 * The full key for a relative key ('/configmaps/ns/name' -> '/registry/configmaps/ns/name').
 * Rejects '.' and '..' segments, as upstream's prepareKey does. An empty key ('' or '/') is
 * allowed only when `allowRoot` (lists and watches of everything).
 */
export function fullKey(pathPrefix: string, key: string, allowRoot = false): string {
  if (key.includes('.') && DOT_SEGMENT.test(key)) {
    throw new StorageError('InvalidObj', key, `invalid key: ${JSON.stringify(key)}`);
  }
  if (!allowRoot && (key === '' || key === '/')) {
    throw new StorageError('InvalidObj', key, `empty key: ${JSON.stringify(key)}`);
  }
  return pathPrefix + (key.charCodeAt(0) === 47 ? key.slice(1) : key);
}

/** The full prefix of a recursive list/watch/count: always ends in '/', so '/a/x' never matches '/a/xy'. */
export function fullPrefix(pathPrefix: string, prefix: string): string {
  const k = fullKey(pathPrefix, prefix, true);
  return k.endsWith('/') ? k : `${k}/`;
}

/** etcd's range end for "all keys starting with prefix" (prefix + 1 at the last byte < 0xff). */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i] < 0xff) {
      const end = Buffer.from(prefix.subarray(0, i + 1));
      end[i]++;
      return end;
    }
  }
  return Buffer.from([0]);
}
