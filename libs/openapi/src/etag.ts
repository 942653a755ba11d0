/**
 * Hash of an OpenAPI document as kube-openapi computes it: SHA-512 of the served JSON bytes,
 * upper-case hex. Used in the v3 index (`serverRelativeURL: /openapi/v3/apis/apps/v1?hash=<etag>`)
 * and, quoted, as the `ETag` header of `/openapi/v2` and `/openapi/v3/...` responses.
 */
import { createHash } from 'node:crypto';

/** The exact bytes to serve for a document (compact JSON, as the hash is computed over it). */
export function serializeDocument(doc: object): string {
  return JSON.stringify(doc);
}

export function etagOfJson(json: string | Buffer): string {
  return createHash('sha512').update(json).digest('hex').toUpperCase();
}

/** SHA-512 (upper-case hex) of `serializeDocument(doc)`. */
export function etagOf(doc: object): string {
  return etagOfJson(serializeDocument(doc));
}
