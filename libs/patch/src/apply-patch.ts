/**
 * The PATCH verb's body dispatch: pick the patch mechanism from the Content-Type as
 * k8s.io/apiserver's PatchResource does, apply it, and check the result is an object.
 */
import { errors, StatusError } from '../../apimachinery/src/status';
import { fieldErrors } from '../../apimachinery/src/field-errors';
import { goJsonKind } from './go-json';
import { applyJsonPatch } from './json-patch';
import { isJsonObject } from './json-values';
import { applyMergePatch } from './merge-patch';
import { applyStrategicMergePatch } from './strategic-merge-patch';

export const JSON_PATCH_TYPE = 'application/json-patch+json';
export const MERGE_PATCH_TYPE = 'application/merge-patch+json';
export const STRATEGIC_MERGE_PATCH_TYPE = 'application/strategic-merge-patch+json';
export const APPLY_PATCH_TYPE = 'application/apply-patch+yaml';
export const APPLY_CBOR_PATCH_TYPE = 'application/apply-patch+cbor';

/** What built-in resources accept, in upstream's order (installer.go). */
export const BUILTIN_PATCH_TYPES: readonly string[] = [
  JSON_PATCH_TYPE,
  MERGE_PATCH_TYPE,
  STRATEGIC_MERGE_PATCH_TYPE,
  APPLY_PATCH_TYPE,
];

/** What custom resources accept (no strategic merge patch), in upstream's order. */
export const CUSTOM_RESOURCE_PATCH_TYPES: readonly string[] = [JSON_PATCH_TYPE, MERGE_PATCH_TYPE, APPLY_PATCH_TYPE];

export interface ApplyPatchOptions {
  /** the content types this resource accepts (default BUILTIN_PATCH_TYPES); others are 415 */
  supportedTypes?: readonly string[];
  /**
   * the request's fieldValidation (Ignore, Warn, Strict; upstream's default when absent is Warn).
   * With Warn or Strict, JSON and merge patch bodies are decoded strictly first, so decode errors
   * read "error decoding patch: ...".
   */
  fieldValidation?: string;
  /** server-side apply (application/apply-patch+yaml); without it such requests are 415 */
  serverSideApply?: (original: unknown, patchBody: Buffer | string) => unknown;
}

/** The patch type named by a Content-Type header: the part before ";" (as upstream, not trimmed). */
export function patchTypeOf(contentType: string | undefined): string {
  const ct = contentType ?? '';
  const idx = ct.indexOf(';');
  return idx > 0 ? ct.slice(0, idx) : ct;
}

const isApplyType = (t: string): boolean => t === APPLY_PATCH_TYPE || t === APPLY_CBOR_PATCH_TYPE;

/**
 * Apply the PATCH body to `original` according to `contentType` and return the patched object
 * (`original` is not modified). `typeName` is the @kubernetes/client-node model type of the
 * object (e.g. 'V1Deployment') used by strategic merge patch; without it lists are replaced.
 * Throws StatusError: 415 for unsupported types, 400 for undecodable bodies, 422/500 for patches
 * that cannot be applied, as upstream.
 */
export function applyPatch(
  contentType: string,
  original: unknown,
  patchBody: Buffer | string,
  typeName?: string,
  options: ApplyPatchOptions = {},
): unknown {
  const patchType = patchTypeOf(contentType);
  const supported = options.supportedTypes ?? BUILTIN_PATCH_TYPES;
  if (!supported.includes(patchType)) throw errors.unsupportedMediaType(patchType, [...supported]);

  const strictDecoding = (options.fieldValidation || 'Warn') !== 'Ignore';
  let result: unknown;
  switch (patchType) {
    case JSON_PATCH_TYPE:
      result = applyJsonPatch(original, patchBody, { strictDecoding });
      break;
    case MERGE_PATCH_TYPE:
      result = applyMergePatch(original, patchBody, { strictDecoding });
      break;
    case STRATEGIC_MERGE_PATCH_TYPE:
      result = applyStrategicMergePatch(original, patchBody, typeName);
      break;
    case APPLY_PATCH_TYPE:
    case APPLY_CBOR_PATCH_TYPE:
      if (options.serverSideApply) return options.serverSideApply(original, patchBody);
      throw errors.unsupportedMediaType(
        patchType,
        supported.filter((t) => !isApplyType(t)),
      );
    default:
      throw new StatusError(500, '', `${patchType}: unimplemented patch type`);
  }
  if (!isJsonObject(result)) throw patchedObjectNotAnObject(result);
  return result;
}

/**
 * The patched document could not be decoded into the object (e.g. a JSON patch replaced the root
 * with an array): upstream's errors.NewInvalid(GroupKind{}, "", [patch: Invalid value: ...]).
 */
function patchedObjectNotAnObject(result: unknown): StatusError {
  const detail =
    `couldn't get version/kind; json parse error: json: cannot unmarshal ${goJsonKind(result)} into Go value of type ` +
    'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';
  return errors.invalid('', '', '', [fieldErrors.invalid('patch', JSON.stringify(result), detail)]);
}
