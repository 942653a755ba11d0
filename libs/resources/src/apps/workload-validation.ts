/**
 * Shared by deployments and replica sets: the label selector and the pod template it must match
 * (ValidatePodTemplateSpecForReplicaSet), and the status counters.
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import {
  goLabelSelector,
  goStringMap,
  invalidRendered,
  validateLabelSelector,
  validateNonnegativeField,
} from '../../../apimachinery/src/validation';
import { isObject, Json, num, obj, objs, strMap } from '../common/json';
import { asSelector } from '../common/selector';
import { validatePodTemplateSpec } from '../core/podspec/validation';

/** spec.selector and spec.template (upstream's order: selector, then the template against it). */
export function validateSelectorAndTemplate(spec: Json): FieldError[] {
  const errs: FieldError[] = [];
  const sel = spec.selector;
  if (!isObject(sel)) errs.push(fieldErrors.required('spec.selector', ''));
  else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (Object.keys(obj(sel.matchLabels) ?? {}).length + objs(sel.matchExpressions).length === 0) {
      errs.push(invalidRendered('spec.selector', goLabelSelector(sel), 'empty selector is invalid for deployment'));
    }
  }
  const selector = asSelector(isObject(sel) ? sel : null);
  if (!selector.ok) {
    errs.push(invalidRendered('spec.selector', goLabelSelector(sel), 'invalid label selector'));
    return errs;
  }
  const template = obj(spec.template) ?? {};
  const labels = strMap(obj(template.metadata)?.labels);
  if (!selector.selector.empty() && !selector.selector.matches(labels)) {
    errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const tspec = obj(template.spec) ?? {};
  const restartPolicy = typeof tspec.restartPolicy === 'string' ? tspec.restartPolicy : '';
  if (restartPolicy !== 'Always') errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  const ads = num(tspec.activeDeadlineSeconds);
  if (ads !== undefined) {
    errs.push(fieldErrors.invalid('spec.template.spec.activeDeadlineSeconds', ads, 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return errs;
}

/**
 * Status counters (ValidateReplicaSetStatus / ValidateDeploymentStatus): every field in
 * `nonNegative` must be >= 0, every field in `bounded` at most status.replicas, and
 * availableReplicas at most readyReplicas.
 */
export function validateReplicaCounters(status: Json, nonNegative: string[], bounded: string[]): FieldError[] {
  const errs: FieldError[] = [];
  const v = (k: string): number => num(status[k]) ?? 0;
  for (const k of nonNegative) {
    if (k === 'collisionCount' && num(status[k]) === undefined) continue;
    errs.push(...validateNonnegativeField(v(k), `status.${k}`));
  }
  const msg = 'cannot be greater than status.replicas';
  for (const k of bounded) if (v(k) > v('replicas')) errs.push(fieldErrors.invalid(`status.${k}`, v(k), msg));
  if (v('availableReplicas') > v('readyReplicas')) {
    errs.push(fieldErrors.invalid('status.availableReplicas', v('availableReplicas'), 'cannot be greater than readyReplicas'));
  }
  return errs;
}
