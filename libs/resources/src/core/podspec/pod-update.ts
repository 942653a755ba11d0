/**
 * ValidatePodUpdate / ValidatePodStatusUpdate: what may change on a running pod. The diff after
 * "pod updates may not change fields other than ..." is upstream's go-cmp output; ours lists the
 * changed spec fields in the same +/- style (an approximation of cmp.Diff).
 */
import { FieldError, fieldErrors } from '../../../../apimachinery/src/field-errors';
import {
  inclusiveRangeError,
  isDNS1123Subdomain,
  isQualifiedName,
  semanticEqual,
  validateImmutableField,
  validateIP,
} from '../../../../apimachinery/src/validation';
import { deepCopy, KObject } from '../../../../apimachinery/src/types';
import { Json, num, obj, objs, str } from '../../common/json';
import { validateContainersOnlyForPod } from './container-validation';
import { validateTolerations } from './tolerations';
import { validatePodSpec } from './validation';

const UPDATABLE_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];
const MAX_INT32 = 2147483647;

function specOf(o: KObject): Json {
  return obj(o.spec) ?? {};
}

/** validatePodMetadataAndSpec without the metadata part (the store validates metadata). */
export function validatePodSpecForPod(pod: KObject): FieldError[] {
  const spec = specOf(pod);
  const errs = validatePodSpec(spec, 'spec', { resourceIsPod: true });
  if (!str(spec.serviceAccountName)) {
    objs(spec.volumes).forEach((v, vi) => {
      objs(obj(v.projected)?.sources).forEach((s, si) => {
        if (obj(s.serviceAccountToken)) {
          errs.push(
            fieldErrors.forbidden(
              `spec.volumes[${vi}].projected.sources[${si}].serviceAccountToken`,
              'must not be specified when serviceAccountName is not set',
            ),
          );
        }
      });
    });
  }
  errs.push(...validateContainersOnlyForPod(spec.containers, 'spec.containers'));
  errs.push(...validateContainersOnlyForPod(spec.initContainers, 'spec.initContainers'));
  return errs;
}

function validateContainerUpdates(next: unknown, prev: unknown, path: string): { errs: FieldError[]; stop: boolean } {
  const n = objs(next);
  if (n.length !== objs(prev).length) return { errs: [fieldErrors.forbidden(path, 'pod updates may not add or remove containers')], stop: true };
  const errs: FieldError[] = [];
  n.forEach((c, i) => {
    const image = str(c.image);
    if (!image) errs.push(fieldErrors.required(`${path}[${i}].image`, ''));
    if (image.trim() !== image) errs.push(fieldErrors.invalid(`${path}[${i}].image`, image, 'must not have leading or trailing whitespace'));
  });
  return { errs, stop: false };
}

function onlyAddedTolerations(next: unknown, prev: unknown, path: string): FieldError[] {
  const nextList = objs(next);
  for (const old of objs(prev)) {
    const found = nextList.some((t) => semanticEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!found) return [fieldErrors.forbidden(path, 'existing toleration can not be modified except its tolerationSeconds')];
  }
  return validateTolerations(next, path);
}

function goFieldName(k: string): string {
  return k.charAt(0).toUpperCase() + k.slice(1);
}

/** A cmp.Diff-like rendering of the top-level spec fields that differ. */
function specDiff(oldSpec: Json, newSpec: Json): string {
  const lines = ['  core.PodSpec{'];
  const keys = [...new Set([...Object.keys(oldSpec), ...Object.keys(newSpec)])];
  for (const k of keys) {
    if (semanticEqual(oldSpec[k], newSpec[k])) continue;
    if (oldSpec[k] !== undefined) lines.push(`- \t${goFieldName(k)}: ${JSON.stringify(oldSpec[k])},`);
    if (newSpec[k] !== undefined) lines.push(`+ \t${goFieldName(k)}: ${JSON.stringify(newSpec[k])},`);
  }
  lines.push('  }');
  return `${lines.join('\n')}\n`;
}

export function validatePodUpdate(newPod: KObject, oldPod: KObject): FieldError[] {
  const errs = validatePodSpecForPod(newPod);
  const next = specOf(newPod);
  const prev = specOf(oldPod);
  for (const field of ['containers', 'initContainers']) {
    const r = validateContainerUpdates(next[field], prev[field], `spec.${field}`);
    errs.push(...r.errs);
    if (r.stop) return errs;
  }
  const newADS = num(next.activeDeadlineSeconds);
  const oldADS = num(prev.activeDeadlineSeconds);
  if (newADS !== undefined) {
    if (newADS < 0 || newADS > MAX_INT32) {
      errs.push(fieldErrors.invalid('spec.activeDeadlineSeconds', newADS, inclusiveRangeError(0, MAX_INT32)));
      return errs;
    }
    if (oldADS !== undefined && oldADS < newADS) {
      errs.push(fieldErrors.invalid('spec.activeDeadlineSeconds', newADS, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (oldADS !== undefined) {
    errs.push(fieldErrors.invalid('spec.activeDeadlineSeconds', 'null', 'must not update from a positive integer to nil value'));
  }
  errs.push(...onlyAddedTolerations(next.tolerations, prev.tolerations, 'spec.tolerations'));
  const oldGates = new Set(objs(prev.schedulingGates).map((g) => str(g.name)));
  objs(next.schedulingGates).forEach((g, i) => {
    const name = str(g.name);
    if (!oldGates.has(name)) {
      errs.push(fieldErrors.forbidden(`spec.schedulingGates[${i}].name`, `only deletion is allowed, but found new scheduling gate '${name}'`));
    }
  });
  if (semanticEqual(next, prev)) return errs;

  const munged = deepCopy(next);
  for (const field of ['containers', 'initContainers']) {
    const olds = objs(prev[field]);
    objs(munged[field]).forEach((c, i) => {
      c.image = olds[i]?.image;
    });
  }
  if (prev.activeDeadlineSeconds === undefined) delete munged.activeDeadlineSeconds;
  else munged.activeDeadlineSeconds = prev.activeDeadlineSeconds;
  munged.schedulingGates = prev.schedulingGates;
  munged.tolerations = prev.tolerations;
  const oldGrace = num(prev.terminationGracePeriodSeconds);
  if (oldGrace !== undefined && oldGrace < 0 && num(munged.terminationGracePeriodSeconds) === 1) {
    munged.terminationGracePeriodSeconds = oldGrace;
  }
  if (!semanticEqual(munged, prev)) {
    errs.push(fieldErrors.forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_FIELDS.join(',')}\n${specDiff(prev, munged)}`));
  }
  return errs;
}

/** ValidatePodStatusUpdate (the parts that apply to JSON objects). */
export function validatePodStatusUpdate(newPod: KObject, oldPod: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const ns = obj(newPod.status) ?? {};
  const os = obj(oldPod.status) ?? {};
  objs(ns.conditions).forEach((c, i) => {
    const t = str(c.type);
    if (t === 'PodScheduled' || t === 'Ready' || t === 'Initialized') return;
    for (const m of isQualifiedName(t)) errs.push(fieldErrors.invalid(`metadata.conditions[${i}].Type`, t, m));
  });
  if (str(specOf(newPod).nodeName) !== str(specOf(oldPod).nodeName)) {
    errs.push(fieldErrors.forbidden('status.nodeName', 'may not be changed directly'));
  }
  const nominated = str(ns.nominatedNodeName);
  if (nominated && nominated !== str(os.nominatedNodeName)) {
    for (const m of isDNS1123Subdomain(nominated)) errs.push(fieldErrors.invalid('status.nominatedNodeName', nominated, m));
  }
  errs.push(...validateImmutableField(str(ns.qosClass), str(os.qosClass), 'status.qosClass'));
  objs(ns.podIPs).forEach((ip, i) => errs.push(...validateIP(`status.podIPs[${i}]`, str(ip.ip))));
  objs(ns.hostIPs).forEach((ip, i) => errs.push(...validateIP(`status.hostIPs[${i}]`, str(ip.ip))));
  return errs;
}
