/** ValidateDeploymentSpec / ValidateDeploymentUpdate / ValidateDeploymentStatusUpdate. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import {
  goIntOrString,
  goLabelSelector,
  goQuote,
  invalidRendered,
  isValidPercent,
  notSupportedRendered,
  validateImmutableField,
  validateNonnegativeField,
} from '../../../apimachinery/src/validation';
import { isObject, Json, num, obj, str } from '../common/json';
import { validateReplicaCounters, validateSelectorAndTemplate } from './workload-validation';

function percentValue(v: unknown): number | undefined {
  if (typeof v !== 'string' || isValidPercent(v).length > 0) return undefined;
  return parseInt(v.slice(0, -1), 10);
}

function intOrPercentValue(v: unknown): number {
  const p = percentValue(v);
  if (p !== undefined) return p;
  if (typeof v === 'number') return v;
  // intstr.IntValue of a non-percent string: Atoi, 0 on failure
  const n = typeof v === 'string' && /^[+-]?\d+$/.test(v) ? parseInt(v, 10) : 0;
  return n;
}

function validatePositiveIntOrPercent(v: unknown, path: string): FieldError[] {
  if (typeof v === 'string') return isValidPercent(v).map((m) => invalidRendered(path, goIntOrString(v), m));
  if (typeof v === 'number') return validateNonnegativeField(v, path);
  return [];
}

function validateStrategy(strategy: Json): FieldError[] {
  const errs: FieldError[] = [];
  const type = str(strategy.type);
  const path = 'spec.strategy';
  switch (type) {
    case 'Recreate':
      if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
        errs.push(fieldErrors.forbidden(`${path}.rollingUpdate`, "may not be specified when strategy `type` is 'Recreate'"));
      }
      break;
    case 'RollingUpdate': {
      const ru = obj(strategy.rollingUpdate);
      if (!ru) {
        errs.push(fieldErrors.required(`${path}.rollingUpdate`, 'this should be defaulted and never be nil'));
        break;
      }
      const p = `${path}.rollingUpdate`;
      errs.push(...validatePositiveIntOrPercent(ru.maxUnavailable, `${p}.maxUnavailable`));
      errs.push(...validatePositiveIntOrPercent(ru.maxSurge, `${p}.maxSurge`));
      if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
        errs.push(invalidRendered(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), 'may not be 0 when `maxSurge` is 0'));
      }
      const pct = percentValue(ru.maxUnavailable);
      if (pct !== undefined && pct > 100) {
        errs.push(invalidRendered(`${p}.maxUnavailable`, goIntOrString(ru.maxUnavailable), 'must not be greater than 100%'));
      }
      break;
    }
    default: {
      const rendered = `apps.DeploymentStrategy{Type:${goQuote(type)}, RollingUpdate:(*apps.RollingUpdateDeployment)(nil)}`;
      errs.push(notSupportedRendered(path, rendered, ['Recreate', 'RollingUpdate']));
    }
  }
  return errs;
}

export function validateDeploymentSpec(d: KObject): FieldError[] {
  const spec = obj(d.spec) ?? {};
  const errs = validateNonnegativeField(num(spec.replicas) ?? 0, 'spec.replicas');
  errs.push(...validateSelectorAndTemplate(spec));
  errs.push(...validateStrategy(obj(spec.strategy) ?? {}));
  const minReady = num(spec.minReadySeconds) ?? 0;
  errs.push(...validateNonnegativeField(minReady, 'spec.minReadySeconds'));
  const rhl = num(spec.revisionHistoryLimit);
  if (rhl !== undefined) errs.push(...validateNonnegativeField(rhl, 'spec.revisionHistoryLimit'));
  const pds = num(spec.progressDeadlineSeconds);
  if (pds !== undefined) {
    errs.push(...validateNonnegativeField(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= minReady) errs.push(fieldErrors.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/** The selector of apps/v1 objects may not change. */
export function validateSelectorImmutable(obj1: KObject, old: KObject): FieldError[] {
  const sel = obj(obj1.spec)?.selector;
  const oldSel = obj(old.spec)?.selector;
  return validateImmutableField(sel, oldSel, 'spec.selector', isObject(sel) ? goLabelSelector(sel) : '"null"');
}

export function validateDeploymentUpdate(d: KObject, old: KObject): FieldError[] {
  return [...validateDeploymentSpec(d), ...validateSelectorImmutable(d, old)];
}

export function validateDeploymentStatusUpdate(d: KObject, old: KObject): FieldError[] {
  const status = obj(d.status) ?? {};
  const errs = validateReplicaCounters(
    status,
    ['observedGeneration', 'replicas', 'updatedReplicas', 'readyReplicas', 'availableReplicas', 'unavailableReplicas', 'collisionCount'],
    ['updatedReplicas', 'readyReplicas', 'availableReplicas'],
  );
  const cc = num(status.collisionCount);
  const oldCC = num(obj(old.status)?.collisionCount);
  if (oldCC !== undefined && (cc === undefined || cc < oldCC)) {
    errs.push(fieldErrors.invalid('status.collisionCount', cc ?? 0, 'cannot be decremented'));
  }
  return errs;
}
