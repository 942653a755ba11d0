/**
 * The handler side of managedFields and server-side apply (k8s.io/apiserver's fieldmanager as
 * the REST handlers use it): which manager a request writes as, which fields its endpoint resets,
 * PatchOptions validation for apply, and the apply request itself.
 */
import { parse as parseYaml } from 'yaml';
import { fieldErrors, FieldError } from '../../../../libs/apimachinery/src/field-errors';
import { errors } from '../../../../libs/apimachinery/src/status';
import { isObject, KObject } from '../../../../libs/apimachinery/src/types';
import { APPLY_CBOR_PATCH_TYPE, APPLY_PATCH_TYPE } from '../../../../libs/patch/src/apply-patch';
import { applyConfiguration, FieldSet, managerFromUserAgent, rootType, trackUpdate } from '../../../../libs/patch/src/ssa';
import { apiVersionOf, ResourceDefinition } from '../../../../libs/registry/src/resource';
import type { RequestContext } from '../http/context';
import type { WriteParams } from './options';

export const isApplyPatch = (patchType: string): boolean => patchType === APPLY_PATCH_TYPE || patchType === APPLY_CBOR_PATCH_TYPE;

/** The request's manager: ?fieldManager, else the User-Agent's prefix (managerOrUserAgent). */
export function requestManager(ctx: RequestContext, wp: WriteParams): string {
  return wp.fieldManager || managerFromUserAgent(ctx.req.headers['user-agent']);
}

const resetCache = new Map<string, FieldSet>();
function pathSet(top: string): FieldSet {
  let s = resetCache.get(top);
  if (!s) {
    s = new FieldSet();
    s.insert([`f:${top}`]);
    resetCache.set(top, s);
  }
  return s;
}

/**
 * The fields an endpoint resets (strategy GetResetFields): status on the resource (and /scale),
 * spec on /status and the other status-like subresources (a CSR's /approval).
 */
export function resetFields(def: ResourceDefinition, subresource: string): FieldSet | undefined {
  if (subresource !== '' && subresource !== 'scale') return pathSet('spec');
  return def.subresources?.status ? pathSet('status') : undefined;
}

/** Record a create/update/patch of `next` over `live` (undefined for a create) in its managedFields. */
export function trackWrite(ctx: RequestContext, def: ResourceDefinition, wp: WriteParams, live: KObject | undefined, next: KObject, subresource = ''): KObject {
  return trackUpdate(live, next, {
    manager: requestManager(ctx, wp),
    apiVersion: apiVersionOf(def),
    subresource,
    type: rootType(def.modelType),
    ignored: resetFields(def, subresource),
  });
}

/**
 * ValidatePatchOptions: apply needs a fieldManager, `force` is only for apply.
 * Returns the parsed `force`.
 */
export function validatePatchOptions(query: URLSearchParams, patchType: string): boolean {
  const errs: FieldError[] = [];
  const forceRaw = query.get('force');
  const force = forceRaw === 'true' || forceRaw === '1' || forceRaw === 'True' || forceRaw === 'TRUE' || forceRaw === 't' || forceRaw === 'T';
  if (!isApplyPatch(patchType)) {
    if (forceRaw !== null) errs.push(fieldErrors.forbidden('force', 'may not be specified for non-apply patch'));
  } else if (!query.get('fieldManager')) {
    errs.push(fieldErrors.required('fieldManager', 'is required for apply patch'));
  }
  if (errs.length) throw errors.invalid('meta.k8s.io', 'PatchOptions', '', errs);
  return force;
}

/** The apply configuration in the body (YAML or JSON), as the applyPatcher decodes it. */
export function decodeApplyConfiguration(body: Buffer, def: ResourceDefinition): KObject {
  let doc: unknown;
  try {
    doc = parseYaml(body.toString('utf8'));
  } catch (e) {
    throw errors.badRequest(`error decoding YAML: ${(e as Error).message}`);
  }
  if (!isObject(doc)) throw errors.badRequest('error decoding YAML: the apply configuration is not an object');
  const obj = doc as KObject;
  const apiVersion = typeof obj.apiVersion === 'string' ? obj.apiVersion : '';
  const kind = typeof obj.kind === 'string' ? obj.kind : '';
  const want = apiVersionOf(def);
  if (apiVersion !== want || kind !== def.kind) {
    throw errors.badRequest(`invalid object type: ${gvkString(apiVersion, kind)}`);
  }
  if (!isObject(obj.metadata)) obj.metadata = {};
  if (obj.metadata.managedFields !== undefined && obj.metadata.managedFields !== null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }
  return obj;
}

function gvkString(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return `${group}/${version}, Kind=${kind}`;
}

/** Server-side apply of `config` over `live` (undefined: create) by the request's manager. */
export function applyWrite(
  ctx: RequestContext,
  def: ResourceDefinition,
  wp: WriteParams,
  live: KObject | undefined,
  config: KObject,
  force: boolean,
  finalize: (obj: KObject) => void,
  subresource = '',
): KObject {
  return applyConfiguration(live, config, {
    manager: requestManager(ctx, wp),
    apiVersion: apiVersionOf(def),
    subresource,
    type: rootType(def.modelType),
    ignored: resetFields(def, subresource),
    force,
    finalize,
  });
}
