/**
 * The REST handler for resource requests: dispatches a RequestInfo to the verb handlers of one
 * resource's Store (get, list, watch, create, update, patch, delete, deletecollection, and the
 * status and scale subresources).
 */
import { errors } from '../../../../libs/apimachinery/src/status';
import { deepCopy, isObject, KObject } from '../../../../libs/apimachinery/src/types';
import { applyPatch } from '../../../../libs/patch/src';
import { BUILTIN_PATCH_TYPES, patchTypeOf } from '../../../../libs/patch/src/apply-patch';
import { apiVersionOf } from '../../../../libs/registry/src/resource';
import { ResourceDefinition, verbsOf } from '../../../../libs/registry/src/resource';
import { Store } from '../../../../libs/registry/src/store';
import { podsDefinition } from '../../../../libs/resources/src/core/pods';
import type { RequestContext } from '../http/context';
import { writeObject } from '../http/respond';
import { decodeObject, readBody } from './body';
import { handleBinding } from './binding';
import { handleComponentStatuses } from './componentstatuses';
import { applyWrite, decodeApplyConfiguration, isApplyPatch, trackWrite, validatePatchOptions } from './field-manager';
import { parseDeleteParams } from './delete-options';
import { checkUnknownFields } from './field-validation';
import { parseListParams } from './list-params';
import { parseWriteParams } from './options';
import { getScale, scaleMutation } from './scale';
import { requestedTransform, transformList, transformObject } from './table';
import type { WatchMetrics } from '../metrics';
import { serveWatch } from './watch';

export interface StoreProvider {
  storeFor(def: ResourceDefinition): Store;
  /** whether the scheme knows this apiVersion/kind (for upstream's decode error texts) */
  kindRegistered?(apiVersion: string, kind: string): boolean;
}

/** the pods definition, to reach the pods store from the `bindings` collection */
const PODS = podsDefinition();

const SUBRESOURCE_VERBS = new Set(['get', 'update', 'patch']);

export async function handleResource(
  ctx: RequestContext,
  def: ResourceDefinition,
  stores: StoreProvider,
  minRequestTimeoutSeconds: number,
  watchMetrics?: WatchMetrics,
): Promise<void> {
  const info = ctx.info;
  const store = stores.storeFor(def);
  const ns = def.namespaced ? info.namespace : '';
  if (def.namespaced && !info.namespace && info.name && info.verb !== 'list' && info.verb !== 'watch') {
    throw errors.notFoundPath();
  }
  if (!def.namespaced && info.namespace && info.resource !== 'namespaces') {
    throw errors.notFoundPath();
  }

  if (info.subresource) {
    const sub = info.subresource;
    if (sub === 'binding' && def.group === '' && def.plural === 'pods' && info.name) return handleBinding(ctx, store, ns, info.name);
    const other = sub !== 'status' && sub !== 'scale' && !!def.subresources?.others?.[sub];
    const known = (sub === 'status' && def.subresources?.status) || (sub === 'scale' && def.subresources?.scale) || other;
    if (!known || !info.name) throw errors.notFoundPath();
    if (!SUBRESOURCE_VERBS.has(info.verb)) throw errors.methodNotAllowed();
    if (sub === 'scale') return handleScale(ctx, def, store, ns);
    return handleStatus(ctx, def, store, ns, other ? sub : 'status');
  }

  const kindRegistered = stores.kindRegistered?.bind(stores);
  const verbs = verbsOf(def);
  if (!verbs.includes(info.verb)) {
    throw errors.methodNotSupported({ group: def.group, resource: def.plural }, info.verb);
  }
  if (def.group === '' && def.plural === 'bindings') return handleBinding(ctx, stores.storeFor(PODS), ns);
  if (def.group === '' && def.plural === 'componentstatuses') return handleComponentStatuses(ctx, def, store);
  switch (info.verb) {
    case 'get':
      return respondObject(ctx, def, await store.get(ns, info.name, ctx.query.get('resourceVersion') ?? undefined));
    case 'list': {
      const params = parseListParams(ctx.query, def, ns);
      const list = await store.list(ns, params);
      const t = requestedTransform(ctx.req.headers.accept);
      return writeObject(ctx, 200, t ? transformList(def, t, list, ctx.query.get('includeObject')) : list);
    }
    case 'watch': {
      const params = parseListParams(ctx.query, def, ns, true);
      return serveWatch(ctx, def, store, ns, params, minRequestTimeoutSeconds, watchMetrics);
    }
    case 'create': {
      const wp = parseWriteParams(ctx.query, 'CreateOptions');
      const obj = decodeObject(ctx, await readBody(ctx), def, def.kind, apiVersionOf(def), kindRegistered);
      checkUnknownFields(ctx, def, obj, wp.fieldValidation, true);
      if (info.name && obj.metadata.name && obj.metadata.name !== info.name) {
        throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${info.name})`);
      }
      def.strategy.default?.(obj);
      def.strategy.fillFromRequestUser?.(obj, ctx.user);
      const created = await store.create(ns, trackWrite(ctx, def, wp, undefined, obj), { dryRun: wp.dryRun });
      return respondObject(ctx, def, created, 201);
    }
    case 'update': {
      const wp = parseWriteParams(ctx.query, 'UpdateOptions');
      const obj = decodeObject(ctx, await readBody(ctx), def, def.kind, apiVersionOf(def), kindRegistered);
      checkUnknownFields(ctx, def, obj, wp.fieldValidation, true);
      def.strategy.default?.(obj);
      const { object, created } = await store.update(ns, info.name, (current) => trackWrite(ctx, def, wp, current, deepCopy(obj)), {
        dryRun: wp.dryRun,
        createIfMissing: def.strategy.allowCreateOnUpdate ? async () => trackWrite(ctx, def, wp, undefined, deepCopy(obj)) : undefined,
      });
      await store.finishDeletionIfDone(object);
      return respondObject(ctx, def, object, created ? 201 : 200);
    }
    case 'patch': {
      assertPatchType(ctx);
      const wp = parseWriteParams(ctx.query, 'PatchOptions');
      const force = validatePatchOptions(ctx.query, patchTypeOf(ctx.req.headers['content-type']));
      const body = await readBody(ctx);
      const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0].trim();
      if (isApplyPatch(contentType)) return handleApply(ctx, def, store, ns, wp, body, force, '');
      const { object } = await store.update(
        ns,
        info.name,
        (current) => {
          const patched = applyPatch(contentType, current, body, def.modelType, { fieldValidation: wp.fieldValidation });
          if (!isObject(patched)) throw errors.badRequest('the patch produced an object that is not a JSON object');
          const obj = patched as KObject;
          if (obj.kind !== def.kind || obj.apiVersion !== current.apiVersion) {
            obj.kind = def.kind;
            obj.apiVersion = current.apiVersion;
          }
          if (!isObject(obj.metadata)) obj.metadata = {};
          checkUnknownFields(ctx, def, obj, wp.fieldValidation);
          def.strategy.default?.(obj);
          return trackWrite(ctx, def, wp, current, obj);
        },
        { dryRun: wp.dryRun },
      );
      await store.finishDeletionIfDone(object);
      return respondObject(ctx, def, object);
    }
    case 'delete': {
      const p = await parseDeleteParams(ctx);
      const { body, stillPresent } = await store.delete(ns, info.name, p);
      return writeObject(ctx, stillPresent ? 202 : 200, body);
    }
    case 'deletecollection': {
      const p = await parseDeleteParams(ctx);
      const params = parseListParams(ctx.query, def, ns);
      const list = await store.deleteCollection(ns, params, p);
      return writeObject(ctx, 200, list);
    }
  }
  throw errors.methodNotAllowed();
}

/** upstream PatchResource checks the patch type before reading the body or the object: 415 */
function assertPatchType(ctx: RequestContext): void {
  const patchType = patchTypeOf(ctx.req.headers['content-type']);
  if (!BUILTIN_PATCH_TYPES.includes(patchType)) throw errors.unsupportedMediaType(patchType, [...BUILTIN_PATCH_TYPES]);
}

function respondObject(ctx: RequestContext, def: ResourceDefinition, obj: KObject, code = 200): void {
  const t = requestedTransform(ctx.req.headers.accept);
  writeObject(ctx, code, t ? transformObject(def, t, obj, ctx.query.get('includeObject')) : obj);
}

/** The status subresource, and the others that write part of the object the same way (a CSR's approval). */
async function handleStatus(ctx: RequestContext, def: ResourceDefinition, store: Store, ns: string, subresource = 'status'): Promise<void> {
  const name = ctx.info.name;
  if (ctx.info.verb === 'get') return respondObject(ctx, def, await store.get(ns, name));
  if (ctx.info.verb === 'patch') assertPatchType(ctx);
  const wp = parseWriteParams(ctx.query, ctx.info.verb === 'patch' ? 'PatchOptions' : 'UpdateOptions');
  const force = ctx.info.verb === 'patch' ? validatePatchOptions(ctx.query, patchTypeOf(ctx.req.headers['content-type'])) : false;
  const body = await readBody(ctx);
  const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0].trim();
  if (ctx.info.verb === 'patch' && isApplyPatch(contentType)) return handleApply(ctx, def, store, ns, wp, body, force, subresource);
  const desired = ctx.info.verb === 'update' ? decodeObject(ctx, body, def) : undefined;
  const { object } = await store.update(
    ns,
    name,
    (current) => {
      const next = desired ? deepCopy(desired) : (applyPatch(contentType, current, body, def.modelType) as KObject);
      if (!isObject(next.metadata)) next.metadata = {};
      def.strategy.default?.(next);
      return trackWrite(ctx, def, wp, current, next, subresource);
    },
    { dryRun: wp.dryRun, subresource },
  );
  return respondObject(ctx, def, object);
}

async function handleScale(ctx: RequestContext, def: ResourceDefinition, store: Store, ns: string): Promise<void> {
  const name = ctx.info.name;
  if (ctx.info.verb === 'get') return writeObject(ctx, 200, getScale(def, await store.get(ns, name)));
  if (ctx.info.verb === 'patch') assertPatchType(ctx);
  const wp = parseWriteParams(ctx.query, ctx.info.verb === 'patch' ? 'PatchOptions' : 'UpdateOptions');
  const body = await readBody(ctx);
  const contentType = (ctx.req.headers['content-type'] ?? '').split(';')[0].trim();
  const mutate = scaleMutation(def, ctx.info.verb, contentType, body);
  const { object } = await store.update(
    ns,
    name,
    async (current) => trackWrite(ctx, def, wp, current, await mutate(deepCopy(current)), 'scale'),
    { dryRun: wp.dryRun, subresource: '' },
  );
  return writeObject(ctx, 200, getScale(def, object));
}

/**
 * Server-side apply (PATCH with application/apply-patch+yaml): merge the configuration into the
 * live object by schema and record the applier's fields; a missing object is created from it.
 */
async function handleApply(
  ctx: RequestContext,
  def: ResourceDefinition,
  store: Store,
  ns: string,
  wp: ReturnType<typeof parseWriteParams>,
  body: Buffer,
  force: boolean,
  subresource: string,
): Promise<void> {
  const name = ctx.info.name;
  const config = decodeApplyConfiguration(body, def);
  const finalize = (obj: KObject) => {
    obj.kind = def.kind;
    obj.apiVersion = apiVersionOf(def);
    if (!isObject(obj.metadata)) obj.metadata = {};
    checkUnknownFields(ctx, def, obj, wp.fieldValidation);
    def.strategy.default?.(obj);
  };
  const { object, created } = await store.update(
    ns,
    name,
    (current) => applyWrite(ctx, def, wp, current, config, force, finalize, subresource),
    {
      dryRun: wp.dryRun,
      subresource,
      createIfMissing:
        subresource === ''
          ? async () => {
              const fresh = deepCopy(config);
              fresh.metadata.name ??= name;
              const obj = applyWrite(ctx, def, wp, undefined, fresh, force, finalize);
              def.strategy.fillFromRequestUser?.(obj, ctx.user);
              return obj;
            }
          : undefined,
    },
  );
  if (subresource === '') await store.finishDeletionIfDone(object);
  return respondObject(ctx, def, object, created ? 201 : 200);
}
