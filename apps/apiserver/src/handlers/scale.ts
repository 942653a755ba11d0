/** The scale subresource: an autoscaling/v1 Scale view of spec.replicas / status.replicas / selector. */
import { fieldErrors } from '../../../../libs/apimachinery/src/field-errors';
import { getPath, setPath } from '../../../../libs/apimachinery/src/meta/accessor';
import { formatLabelSelector } from '../../../../libs/apimachinery/src/selectors';
import { errors } from '../../../../libs/apimachinery/src/status';
import { isObject, KObject } from '../../../../libs/apimachinery/src/types';
import { applyPatch } from '../../../../libs/patch/src';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { Mutation } from '../../../../libs/registry/src/store';
import { parseDocument } from './body';

/** a map[string]string selector (ReplicationController spec.selector), not a metav1.LabelSelector */
function isSetSelector(sel: unknown): sel is Record<string, string> {
  return isObject(sel) && Object.keys(sel).length > 0 && !('matchLabels' in sel) && !('matchExpressions' in sel) && Object.values(sel).every((v) => typeof v === 'string');
}

/** labels.SelectorFromSet(set).String(): k=v sorted by key, comma separated */
function setSelectorString(sel: Record<string, string>): string {
  return Object.keys(sel)
    .sort()
    .map((k) => `${k}=${sel[k]}`)
    .join(',');
}

export function getScale(def: ResourceDefinition, obj: KObject): Record<string, unknown> {
  const s = def.subresources!.scale!;
  const m = obj.metadata;
  const status: Record<string, unknown> = { replicas: Number(getPath(obj, s.statusReplicasPath) ?? 0) };
  if (s.labelSelectorPath) {
    const sel = getPath(obj, s.labelSelectorPath);
    if (isSetSelector(sel)) status.selector = setSelectorString(sel);
    else if (isObject(sel)) status.selector = formatLabelSelector(sel as Parameters<typeof formatLabelSelector>[0]);
    else if (typeof sel === 'string') status.selector = sel;
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: Number(getPath(obj, s.specReplicasPath) ?? 0) },
    status,
  };
}

/** The mutation a PUT or PATCH of .../scale makes to the parent object. */
export function scaleMutation(def: ResourceDefinition, verb: string, contentType: string, body: Buffer): Mutation {
  return (current) => {
    const currentScale = getScale(def, current);
    let scale: Record<string, unknown>;
    if (verb === 'patch') {
      const patched = applyPatch(contentType, currentScale, body, 'V1Scale');
      if (!isObject(patched)) throw errors.badRequest('the patch produced an object that is not a JSON object');
      scale = patched;
    } else {
      const doc = parseDocument(body, contentType.split(';')[0].trim().toLowerCase() || 'application/json', 'Scale');
      if (!isObject(doc)) throw errors.badRequest('the object provided is unrecognized (must be of type Scale)');
      scale = doc;
    }
    const spec = isObject(scale.spec) ? scale.spec : {};
    const replicas = spec.replicas ?? 0;
    const name = current.metadata.name ?? '';
    if (typeof replicas !== 'number' || !Number.isInteger(replicas)) {
      throw errors.badRequest(`Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal ${typeof replicas} into Go struct field ScaleSpec.spec.replicas of type int32`);
    }
    if (replicas < 0) {
      throw errors.invalid('autoscaling', 'Scale', name, [fieldErrors.invalid('spec.replicas', replicas, 'must be greater than or equal to 0')]);
    }
    const meta = isObject(scale.metadata) ? scale.metadata : {};
    if (typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '') {
      current.metadata.resourceVersion = meta.resourceVersion;
    }
    if (typeof meta.uid === 'string' && meta.uid !== '') current.metadata.uid = meta.uid;
    setPath(current, def.subresources!.scale!.specReplicasPath, replicas);
    return current;
  };
}
