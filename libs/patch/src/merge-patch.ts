/**
 * RFC 7386 JSON Merge Patch (application/merge-patch+json) as kube-apiserver applies it through
 * gopkg.in/evanphx/json-patch.v4 MergePatch: null members delete, objects merge recursively, any
 * other value (arrays included) replaces. Like upstream, null members are also pruned from objects
 * the patch adds (also inside added arrays), while null array elements are kept.
 */
import { decodeGoJson, GoJsonSyntaxError, unmarshalTypeMessage } from './go-json';
import { cloneJson, hasOwn, isJsonObject, JsonObject, setOwn } from './json-values';
import { patchErrors } from './patch-errors';

export interface MergePatchOptions {
  /** fieldValidation=Strict or Warn: the body is first decoded strictly into a map, as upstream does */
  strictDecoding?: boolean;
}

/** jsonpatch.ErrBadJSONPatch */
const BAD_PATCH = 'Invalid JSON Patch';

/**
 * Apply a merge patch to `doc` and return the result (`doc` is never modified).
 * `patch` is the raw body (Buffer or string) or an already-decoded value. A patch that is a JSON
 * array replaces the whole document, as upstream (the caller then fails to decode it as an object).
 */
export function applyMergePatch(doc: unknown, patch: unknown, options: MergePatchOptions = {}): unknown {
  let value: unknown = patch;
  if (typeof patch === 'string' || Buffer.isBuffer(patch)) {
    try {
      value = decodeGoJson(patch);
    } catch (e) {
      if (e instanceof GoJsonSyntaxError) {
        throw patchErrors.badRequest(options.strictDecoding ? `error decoding patch: ${e.message}` : BAD_PATCH);
      }
      throw e;
    }
  }
  if (options.strictDecoding && value !== null && !isJsonObject(value)) {
    throw patchErrors.badRequest(`error decoding patch: ${unmarshalTypeMessage(value, 'map[string]interface {}')}`);
  }
  if (value === null || value === undefined) throw patchErrors.badRequest(BAD_PATCH);
  if (Array.isArray(value)) return pruneNulls(cloneJson(value));
  if (!isJsonObject(value)) throw patchErrors.badRequest(BAD_PATCH);
  if (!isJsonObject(doc)) return pruneNulls(cloneJson(value));
  const result = cloneJson(doc);
  mergeDocs(result, value);
  return result;
}

function mergeDocs(doc: JsonObject, patch: JsonObject): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null || v === undefined) {
      delete doc[k];
      continue;
    }
    const cur = hasOwn(doc, k) ? doc[k] : null;
    setOwn(doc, k, cur === null || cur === undefined ? pruneNulls(cloneJson(v)) : merge(cur, v));
  }
}

function merge(cur: unknown, patch: unknown): unknown {
  if (!isJsonObject(cur)) return pruneNulls(cloneJson(patch));
  if (!isJsonObject(patch)) return cloneJson(patch);
  mergeDocs(cur, patch);
  return cur;
}

/** Drop null object members, recursively (array elements that are null are kept). Mutates `v`. */
function pruneNulls<T>(v: T): T {
  if (Array.isArray(v)) {
    for (const x of v) if (x !== null) pruneNulls(x);
  } else if (isJsonObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (x === null) delete v[k];
      else pruneNulls(x);
    }
  }
  return v;
}
