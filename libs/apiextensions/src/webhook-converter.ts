/**
 * CRD Webhook conversion (upstream apiextensions-apiserver pkg/apiserver/conversion/
 * webhook_converter.go): a ConversionReview (apiextensions.k8s.io/v1 or v1beta1, the first of the
 * CRD's `conversionReviewVersions` this server speaks) carrying every object not already in the
 * desired version, sent to the webhook; the response is checked as upstream checks it (review kind,
 * uid, result.status, object count, apiVersion and kind of every object, same name / namespace /
 * uid) and only labels and annotations are taken from the converted metadata. Errors carry
 * upstream's messages (`conversion webhook for <group>/<version>, Kind=<Kind> failed: ...`).
 */
import { randomUUID } from 'node:crypto';
import { aggregateMessage, FieldError, fieldErrorString } from '../../apimachinery/src/field-errors';
import { KObject } from '../../apimachinery/src/types';
import { validateAnnotations, validateLabels } from '../../apimachinery/src/validation/labels';
import { withSpan } from '../../tracing/src';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** the ConversionReview versions this server sends (upstream acceptedConversionReviewVersions) */
export const CONVERSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];

export interface ConversionWebhookConfig {
  clientConfig: { url?: string; service?: { namespace: string; name: string; path?: string; port?: number }; caBundle?: string };
  conversionReviewVersions: string[];
  /** the CRD's name (trace attribute) */
  crdName?: string;
}

/** Sends one review to the webhook and resolves to the decoded response body. */
export type ConversionWebhookCall = (review: unknown) => Promise<unknown>;

/** schema.GroupVersion.String() */
function gvString(apiVersion: string): string {
  return apiVersion;
}

/** schema.GroupVersionKind.String(): `group/version, Kind=Kind` (`/v1, Kind=X` for the core group) */
export function gvkString(apiVersion: string, kind: string): string {
  const i = apiVersion.indexOf('/');
  const group = i >= 0 ? apiVersion.slice(0, i) : '';
  const version = i >= 0 ? apiVersion.slice(i + 1) : apiVersion;
  return `${group}/${version}, Kind=${kind}`;
}

/** Go's %T of a decoded JSON value */
function goType(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

/** createConversionReviewObjects: the review for the first supported version, or an error */
export function buildConversionReview(reviewVersions: string[], objects: KObject[], desiredAPIVersion: string, uid: string): { review: Obj; version: string } {
  for (const v of reviewVersions) {
    if (v === 'v1' || v === 'v1beta1') {
      return {
        version: v,
        review: {
          kind: 'ConversionReview',
          apiVersion: `apiextensions.k8s.io/${v}`,
          request: { uid, desiredAPIVersion, objects },
          response: { uid: '', convertedObjects: null, result: { metadata: {} } },
        },
      };
    }
  }
  throw new Error('no supported conversion review versions');
}

/** getConvertedObjectsFromResponse: the converted objects, or the error upstream reports */
export function convertedObjectsFromResponse(expectedUID: string, version: string, body: unknown): unknown[] {
  const r = isObj(body) ? body : {};
  if (version === 'v1') {
    const apiVersion = str(r.apiVersion);
    const kind = str(r.kind);
    if (apiVersion !== 'apiextensions.k8s.io/v1' || kind !== 'ConversionReview') {
      throw new Error(`expected webhook response of apiextensions.k8s.io/v1, Kind=ConversionReview, got ${gvkString(apiVersion, kind)}`);
    }
  }
  // v1beta1 processing did not verify GVK or UID upstream, so neither do we
  const response = r.response;
  if (!isObj(response)) throw new Error('no response provided');
  if (version === 'v1' && str(response.uid) !== expectedUID) {
    throw new Error(`expected response.uid=${JSON.stringify(expectedUID)}, got ${JSON.stringify(str(response.uid))}`);
  }
  const result = isObj(response.result) ? response.result : {};
  if (result.status !== 'Success') {
    if (str(result.message)) throw new Error(str(result.message));
    throw new Error(`response.result.status was '${str(result.status)}', not 'Success'`);
  }
  return Array.isArray(response.convertedObjects) ? response.convertedObjects : [];
}

/** validateConvertedObject: kind, name, namespace and uid must not change */
export function validateConvertedObject(original: KObject, converted: Obj): string | undefined {
  const m = isObj(converted.metadata) ? converted.metadata : {};
  const om = original.metadata ?? {};
  if (str(original.kind) !== str(converted.kind)) return `must have the same kind: ${str(original.kind)} != ${str(converted.kind)}`;
  if (str(om.name) !== str(m.name)) return `must have the same name: ${str(om.name)} != ${str(m.name)}`;
  if (str(om.namespace) !== str(m.namespace)) return `must have the same namespace: ${str(om.namespace)} != ${str(m.namespace)}`;
  if (str(om.uid) !== str(m.uid)) return `must have the same UID: ${str(om.uid)} != ${str(m.uid)}`;
  return undefined;
}

/**
 * restoreObjectMeta: the converted object gets the original's metadata, except labels and
 * annotations, which come from the webhook (validated when they changed). Returns an error message.
 */
export function restoreObjectMeta(original: KObject, converted: Obj): string | undefined {
  const responseMeta = converted.metadata;
  if (responseMeta === undefined) return 'missing metadata in converted object';
  if (!isObj(responseMeta)) return `invalid metadata of type ${goType(responseMeta)} in converted object`;
  const meta = structuredClone((original.metadata ?? {}) as Obj);
  for (const fld of ['labels', 'annotations']) {
    const resp = responseMeta[fld];
    if (resp === undefined || resp === null) {
      delete meta[fld];
      continue;
    }
    if (!isObj(resp)) return `invalid metadata.${fld} of type ${goType(resp)} in converted object`;
    const orig = meta[fld];
    if (orig !== undefined && orig !== null && !isObj(orig)) return `invalid metadata.${fld} of type ${goType(orig)} in original object`;
    const origMap = (orig ?? {}) as Obj;
    let changed = Object.keys(origMap).length !== Object.keys(resp).length;
    for (const [k, v] of Object.entries(resp)) {
      if (typeof v !== 'string') return `metadata.${fld}[${k}] must be a string, but is ${goType(v)} in converted object`;
      if (origMap[k] !== v) changed = true;
    }
    if (changed) {
      const errs: FieldError[] = fld === 'labels' ? validateLabels(resp, 'metadata.labels') : validateAnnotations(resp, 'metadata.annotation');
      if (errs.length) return aggregateMessage(errs.map(fieldErrorString));
    }
    meta[fld] = resp;
  }
  converted.metadata = meta;
  return undefined;
}

export class WebhookConverter {
  constructor(
    private readonly config: ConversionWebhookConfig,
    private readonly call: ConversionWebhookCall,
    private readonly newUID: () => string = randomUUID,
  ) {}

  /**
   * Converts `objects` to `desiredAPIVersion` with one ConversionReview (objects already in that
   * version are not sent). `list` selects upstream's list or single-object error messages.
   */
  async convert(objects: KObject[], desiredAPIVersion: string, list = objects.length !== 1): Promise<KObject[]> {
    const toConvert = objects.filter((o) => o.apiVersion !== desiredAPIVersion);
    if (toConvert.length === 0) return objects;
    const first = toConvert[0];
    const gvk = gvkString(str(first.apiVersion), str(first.kind));
    const uid = this.newUID();
    const { review, version } = buildConversionReview(this.config.conversionReviewVersions, toConvert, desiredAPIVersion, uid);
    let body: unknown;
    try {
      const attrs = { 'custom-resource-definition': this.config.crdName ?? '', 'desired-api-version': desiredAPIVersion, 'object-count': toConvert.length, UID: uid };
      body = await withSpan('Call conversion webhook', attrs, () => this.call(review));
    } catch (e) {
      throw new Error(`conversion webhook for ${gvk} failed: ${(e as Error).message}`);
    }
    let converted: unknown[];
    try {
      converted = convertedObjectsFromResponse(uid, version, body);
    } catch (e) {
      throw new Error(`conversion webhook for ${gvk} failed: ${(e as Error).message}`);
    }
    if (converted.length !== toConvert.length) {
      throw new Error(`conversion webhook for ${gvk} returned ${converted.length} objects, expected ${toConvert.length}`);
    }
    if (!list) {
      const c = converted[0];
      if (!isObj(c)) throw new Error(`conversion webhook for ${gvk} failed, unexpected type ${goType(c)} at index 0`);
      if (str(c.apiVersion) !== desiredAPIVersion) {
        throw new Error(`conversion webhook for ${gvk} returned invalid object at index 0: invalid groupVersion (expected ${gvString(desiredAPIVersion)}, received ${gvString(str(c.apiVersion))})`);
      }
      if (str(c.kind) !== str(first.kind)) {
        throw new Error(`conversion webhook for ${gvk} returned invalid object at index 0: invalid kind (expected ${str(first.kind)}, received ${str(c.kind)})`);
      }
      const invalid = validateConvertedObject(first, c);
      if (invalid) throw new Error(`conversion webhook for ${gvk} returned invalid object: ${invalid}`);
      const badMeta = restoreObjectMeta(first, c);
      if (badMeta) throw new Error(`conversion webhook for ${gvk} returned invalid metadata: ${badMeta}`);
      return objects.map((o) => (o === first ? (c as KObject) : o));
    }
    const out: KObject[] = [];
    let index = 0;
    for (const original of objects) {
      if (original.apiVersion === desiredAPIVersion) {
        out.push(original);
        continue;
      }
      const c = converted[index];
      // upstream counts the object before checking it, so its messages name index+1
      index++;
      if (!isObj(c)) throw new Error(`conversion webhook for ${gvk} returned invalid converted object at index ${index - 1}: invalid type ${goType(c)}`);
      if (str(c.apiVersion) !== desiredAPIVersion) {
        throw new Error(
          `conversion webhook for ${gvk} returned invalid converted object at index ${index}: invalid groupVersion (expected ${gvString(desiredAPIVersion)}, received ${gvString(str(c.apiVersion))})`,
        );
      }
      if (str(c.kind) !== str(original.kind)) {
        throw new Error(`conversion webhook for ${gvk} returned invalid converted object at index ${index}: invalid kind (expected ${str(original.kind)}, received ${str(c.kind)})`);
      }
      const invalid = validateConvertedObject(original, c);
      if (invalid) throw new Error(`conversion webhook for ${gvk} returned invalid converted object at index ${index}: ${invalid}`);
      const badMeta = restoreObjectMeta(original, c);
      if (badMeta) throw new Error(`conversion webhook for ${gvk} returned invalid metadata in object at index ${index}: ${badMeta}`);
      out.push(c as KObject);
    }
    return out;
  }
}
