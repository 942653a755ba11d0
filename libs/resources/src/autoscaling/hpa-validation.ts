/** ValidateHorizontalPodAutoscaler (pkg/apis/autoscaling/validation), on the v2 (internal-shaped) form. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { isDNS1123Label, isValidPathSegmentName, validateLabelSelector, validateNonnegativeField } from '../../../apimachinery/src/validation';
import { parseQuantity } from '../common/quantity';
import { Json, num, obj, objs, str } from '../common/json';

const MAX_PERIOD_SECONDS = 1800;
const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
const METRIC_SOURCE_TYPES = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const SOURCE_FIELDS: Record<string, string> = {
  Object: 'object',
  Pods: 'pods',
  Resource: 'resource',
  External: 'external',
  ContainerResource: 'containerResource',
};

function validateCrossVersionObjectReference(ref: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of ['kind', 'name']) {
    const v = str(ref[f]);
    if (v === '') errs.push(fieldErrors.required(`${path}.${f}`, ''));
    else for (const msg of isValidPathSegmentName(v)) errs.push(fieldErrors.invalid(`${path}.${f}`, v, msg));
  }
  return errs;
}

function positive(q: unknown): boolean {
  const v = parseQuantity(q);
  return v !== null && v > 0n;
}

function validateMetricTarget(t: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(t.type);
  if (type === '') errs.push(fieldErrors.required(`${path}.type`, 'must specify a metric target type'));
  if (type !== 'Utilization' && type !== 'Value' && type !== 'AverageValue') {
    errs.push(fieldErrors.invalid(`${path}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  }
  if (t.value !== undefined && t.value !== null && !positive(t.value)) errs.push(fieldErrors.invalid(`${path}.value`, t.value, 'must be positive'));
  if (t.averageValue !== undefined && t.averageValue !== null && !positive(t.averageValue)) {
    errs.push(fieldErrors.invalid(`${path}.averageValue`, t.averageValue, 'must be positive'));
  }
  const u = num(t.averageUtilization);
  if (u !== undefined && u < 1) errs.push(fieldErrors.invalid(`${path}.averageUtilization`, u, 'must be greater than 0'));
  return errs;
}

function validateMetricIdentifier(id: Json, path: string): FieldError[] {
  const name = str(id.name);
  const errs: FieldError[] = [];
  if (name === '') errs.push(fieldErrors.required(`${path}.name`, 'must specify a metric name'));
  else for (const msg of isValidPathSegmentName(name)) errs.push(fieldErrors.invalid(`${path}.name`, name, msg));
  if (obj(id.selector)) errs.push(...validateLabelSelector(id.selector, `${path}.selector`));
  return errs;
}

const has = (v: unknown): boolean => v !== undefined && v !== null;

function validateSource(type: string, src: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const target = obj(src.target) ?? {};
  switch (type) {
    case 'object':
      errs.push(...validateCrossVersionObjectReference(obj(src.describedObject) ?? {}, `${path}.describedObject`));
      errs.push(...validateMetricIdentifier(obj(src.metric) ?? {}, `${path}.metric`));
      errs.push(...validateMetricTarget(target, `${path}.target`));
      if (!has(target.value) && !has(target.averageValue)) errs.push(fieldErrors.required(`${path}.target.value`, 'must set either a target value or averageValue'));
      break;
    case 'pods':
      errs.push(...validateMetricIdentifier(obj(src.metric) ?? {}, `${path}.metric`));
      errs.push(...validateMetricTarget(target, `${path}.target`));
      if (!has(target.averageValue)) errs.push(fieldErrors.required(`${path}.target.averageValue`, 'must specify a positive target averageValue'));
      break;
    case 'external':
      errs.push(...validateMetricIdentifier(obj(src.metric) ?? {}, `${path}.metric`));
      errs.push(...validateMetricTarget(target, `${path}.target`));
      if (!has(target.value) && !has(target.averageValue)) {
        errs.push(fieldErrors.required(`${path}.target.value`, 'must set either a target value for metric or a per-pod target'));
      }
      if (has(target.value) && has(target.averageValue)) {
        errs.push(fieldErrors.forbidden(`${path}.target.value`, 'may not set both a target value for metric and a per-pod target'));
      }
      break;
    case 'resource':
    case 'containerResource':
      if (str(src.name) === '') errs.push(fieldErrors.required(`${path}.name`, 'must specify a resource name'));
      if (type === 'containerResource') {
        const c = str(src.container);
        if (c === '') errs.push(fieldErrors.required(`${path}.container`, 'must specify a container'));
        else for (const msg of isDNS1123Label(c)) errs.push(fieldErrors.invalid(`${path}.container`, c, msg));
      }
      errs.push(...validateMetricTarget(target, `${path}.target`));
      if (!has(target.averageUtilization) && !has(target.averageValue)) {
        errs.push(fieldErrors.required(`${path}.target.averageUtilization`, 'must set either a target raw value or a target utilization'));
      }
      if (has(target.averageUtilization) && has(target.averageValue)) {
        errs.push(fieldErrors.forbidden(`${path}.target.averageValue`, 'may not set both a target raw value and a target utilization'));
      }
      break;
  }
  return errs;
}

function validateMetricSpec(m: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(m.type);
  if (type === '') errs.push(fieldErrors.required(`${path}.type`, 'must specify a metric source type'));
  const present: string[] = [];
  for (const f of ['object', 'pods', 'resource', 'external', 'containerResource']) {
    const src = obj(m[f]);
    if (!src) continue;
    present.push(f);
    if (present.length === 1) errs.push(...validateSource(f, src, `${path}.${f}`));
  }
  const expected = SOURCE_FIELDS[type];
  if (expected === undefined) errs.push(fieldErrors.notSupported(`${path}.type`, type, METRIC_SOURCE_TYPES));
  else if (!obj(m[expected])) errs.push(fieldErrors.required(`${path}.${expected}`, 'must populate information for the given metric source'));
  if (present.length !== 1) {
    for (const f of present) if (f !== expected) errs.push(fieldErrors.forbidden(`${path}.${f}`, 'must populate the given metric source only'));
  }
  return errs;
}

function validateScalingRules(r: unknown, path: string): FieldError[] {
  const rules = obj(r);
  if (!rules) return [];
  const errs: FieldError[] = [];
  const w = num(rules.stabilizationWindowSeconds);
  if (w !== undefined && w < 0) errs.push(fieldErrors.invalid(`${path}.stabilizationWindowSeconds`, w, 'must be greater than or equal to zero'));
  if (w !== undefined && w > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(fieldErrors.invalid(`${path}.stabilizationWindowSeconds`, w, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`));
  }
  if (typeof rules.selectPolicy === 'string' && !['Disabled', 'Max', 'Min'].includes(rules.selectPolicy)) {
    errs.push(fieldErrors.notSupported(`${path}.selectPolicy`, rules.selectPolicy, ['Disabled', 'Max', 'Min']));
  }
  const policies = objs(rules.policies);
  if (policies.length === 0) errs.push(fieldErrors.required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const pp = `${path}.policies[${i}]`;
    const type = str(p.type);
    if (type !== 'Pods' && type !== 'Percent') errs.push(fieldErrors.notSupported(`${pp}.type`, type, ['Percent', 'Pods']));
    const value = num(p.value) ?? 0;
    if (value <= 0) errs.push(fieldErrors.invalid(`${pp}.value`, value, 'must be greater than zero'));
    const period = num(p.periodSeconds) ?? 0;
    if (period <= 0) errs.push(fieldErrors.invalid(`${pp}.periodSeconds`, period, 'must be greater than zero'));
    if (period > MAX_PERIOD_SECONDS) errs.push(fieldErrors.invalid(`${pp}.periodSeconds`, period, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  });
  return errs;
}

/** validateHorizontalPodAutoscalerSpec: the reference, then metrics, then behavior (each only if the previous passed). */
export function validateHPAV2(hpa: KObject): FieldError[] {
  const spec = obj(hpa.spec) ?? {};
  const errs: FieldError[] = [];
  const min = num(spec.minReplicas);
  const max = num(spec.maxReplicas) ?? 0;
  if (min !== undefined && min < 1) errs.push(fieldErrors.invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  if (max < 1) errs.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (min !== undefined && max < min) errs.push(fieldErrors.invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  const refErrs = validateCrossVersionObjectReference(obj(spec.scaleTargetRef) ?? {}, 'spec.scaleTargetRef');
  if (refErrs.length) return [...errs, ...refErrs];
  const metricErrs = objs(spec.metrics).flatMap((m, i) => validateMetricSpec(m, `spec.metrics[${i}]`));
  if (metricErrs.length) return [...errs, ...metricErrs];
  const behavior = obj(spec.behavior);
  if (behavior) {
    errs.push(...validateScalingRules(behavior.scaleUp, 'spec.behavior.scaleUp'));
    errs.push(...validateScalingRules(behavior.scaleDown, 'spec.behavior.scaleDown'));
  }
  return errs;
}

/** ValidateHorizontalPodAutoscalerStatusUpdate */
export function validateHPAStatusV2(hpa: KObject): FieldError[] {
  const status = obj(hpa.status) ?? {};
  return [
    ...validateNonnegativeField(num(status.currentReplicas) ?? 0, 'status.currentReplicas'),
    ...validateNonnegativeField(num(status.desiredReplicas) ?? 0, 'status.desiredReplicas'),
  ];
}
