/**
 * Pod binding (BindingREST.Create / assignPod): POST a v1 Binding to pods/<name>/binding or to
 * the namespace's `bindings` collection. Sets spec.nodeName (409 when already assigned or being
 * deleted), copies the binding's annotations onto the pod, marks PodScheduled, answers 201 Success.
 */
import { errors, successStatus } from '../../../../libs/apimachinery/src/status';
import { deepCopy, KObject } from '../../../../libs/apimachinery/src/types';
import { Store } from '../../../../libs/registry/src/store';
import { bindingsDefinition, validateBinding } from '../../../../libs/resources/src/core/bindings';
import { withScheduledCondition } from '../../../../libs/resources/src/core/pod-subresources';
import type { RequestContext } from '../http/context';
import { writeObject } from '../http/respond';
import { decodeObject, readBody } from './body';
import { parseWriteParams } from './options';

const BINDING_DEF = bindingsDefinition();

/** `urlPodName`: the pod named in the URL for pods/<name>/binding; undefined for .../bindings */
export async function handleBinding(ctx: RequestContext, pods: Store, ns: string, urlPodName?: string): Promise<void> {
  if (ctx.info.verb !== 'create') throw errors.methodNotSupported({ group: '', resource: urlPodName ? 'pods/binding' : 'bindings' }, ctx.info.verb);
  const wp = parseWriteParams(ctx.query, 'CreateOptions');
  const binding = decodeObject(ctx, await readBody(ctx), BINDING_DEF, 'Binding', 'v1');
  const name = binding.metadata.name ?? '';
  if (urlPodName !== undefined && name !== urlPodName) throw errors.badRequest('name in URL does not match name in Binding object');
  if (binding.metadata.namespace && binding.metadata.namespace !== ns) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const errs = validateBinding(binding);
  if (errs.length) throw errors.invalid('', 'Binding', name, errs);
  const target = binding.target as Record<string, unknown>;
  const node = String(target.name);
  const gr = { group: '', resource: 'pods/binding' };
  await pods.update(
    ns,
    name,
    (current: KObject) => {
      const spec = (current.spec ?? {}) as Record<string, unknown>;
      if (current.metadata.deletionTimestamp) throw errors.conflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
      if (typeof spec.nodeName === 'string' && spec.nodeName !== '') {
        throw errors.conflict(gr, name, `pod ${name} is already assigned to node ${JSON.stringify(spec.nodeName)}`);
      }
      const next = deepCopy(current);
      next.spec = { ...spec, nodeName: node };
      const ann = binding.metadata.annotations;
      if (ann && Object.keys(ann).length) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), ...ann };
      next.status = withScheduledCondition((current.status ?? {}) as Record<string, unknown>, new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
      return next;
    },
    { dryRun: wp.dryRun, subresource: 'binding' },
  );
  writeObject(ctx, 201, { ...successStatus(), code: 201 });
}
