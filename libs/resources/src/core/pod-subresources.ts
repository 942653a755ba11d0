/**
 * pods/ephemeralcontainers (GET/PUT/PATCH writing only spec.ephemeralContainers) and pods/binding
 * (POST a Binding: spec.nodeName set once, PodScheduled condition), as subresource strategies.
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { deepCopy, KObject } from '../../../apimachinery/src/types';
import { isDNS1123Label, semanticEqual } from '../../../apimachinery/src/validation';
import { SubresourceStrategy } from '../../../registry/src/resource';
import { child, Json, obj, objs, str } from '../common/json';
import { defaultContainer } from './podspec/defaults';

const EPHEMERAL_FORBIDDEN = ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resources', 'resizePolicy'];

function validateEphemeralContainersUpdate(pod: KObject, old: KObject): FieldError[] {
  const path = 'spec.ephemeralContainers';
  const spec = obj(pod.spec) ?? {};
  const next = objs(spec.ephemeralContainers);
  const prev = objs(obj(old.spec)?.ephemeralContainers);
  const errs: FieldError[] = [];
  const byName = new Map(next.map((c) => [str(c.name), c]));
  for (const c of prev) {
    const now = byName.get(str(c.name));
    if (!now) errs.push(fieldErrors.forbidden(path, `existing ephemeral containers ${JSON.stringify(str(c.name))} may not be removed\n`));
    else if (!semanticEqual(now, c)) errs.push(fieldErrors.forbidden(path, `existing ephemeral containers ${JSON.stringify(str(c.name))} may not be changed\n`));
  }
  const names = new Set([...objs(spec.containers), ...objs(spec.initContainers)].map((c) => str(c.name)));
  next.forEach((c, i) => {
    const p = `${path}[${i}]`;
    const name = str(c.name);
    if (name === '') errs.push(fieldErrors.required(`${p}.name`, ''));
    else {
      for (const m of isDNS1123Label(name)) errs.push(fieldErrors.invalid(`${p}.name`, name, m));
      if (names.has(name)) errs.push(fieldErrors.duplicate(`${p}.name`, name));
      names.add(name);
    }
    if (str(c.image) === '') errs.push(fieldErrors.required(`${p}.image`, ''));
    for (const f of EPHEMERAL_FORBIDDEN) {
      const v = c[f];
      const empty = v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && Object.keys(v as Json).length === 0);
      if (!empty) errs.push(fieldErrors.forbidden(`${p}.${f}`, 'cannot be set for an Ephemeral Container'));
    }
  });
  return errs;
}

export const ephemeralContainersStrategy: SubresourceStrategy = {
  prepareForUpdate(pod, old, desired) {
    pod.status = old.status;
    const spec = child(pod, 'spec');
    const list = objs(obj(desired?.spec)?.ephemeralContainers).map((c) => {
      const copy = deepCopy(c);
      defaultContainer(copy);
      return copy;
    });
    if (list.length) spec.ephemeralContainers = list;
    else delete spec.ephemeralContainers;
  },
  validateUpdate: validateEphemeralContainersUpdate,
};

/** The store's write of a binding: the node name and the PodScheduled condition come from `desired`. */
export const bindingStrategy: SubresourceStrategy = {
  discovery: { kind: 'Binding', verbs: ['create'] },
  prepareForUpdate(pod, _old, desired) {
    const spec = child(pod, 'spec');
    spec.nodeName = str(obj(desired?.spec)?.nodeName);
    if (desired?.status !== undefined) pod.status = desired.status;
  },
};

/** podutil.UpdatePodCondition(PodScheduled=True) on a copy of the status */
export function withScheduledCondition(status: Json, now: string): Json {
  const out = deepCopy(status);
  const conditions = objs(out.conditions);
  const existing = conditions.find((c) => str(c.type) === 'PodScheduled');
  if (existing) {
    if (str(existing.status) !== 'True') existing.lastTransitionTime = now;
    existing.status = 'True';
    delete existing.reason;
    delete existing.message;
  } else {
    conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now });
  }
  out.conditions = conditions;
  return out;
}
