/**
 * apps/v1 daemon sets: SetDefaults_DaemonSet, ValidateDaemonSet(Update), status, and the
 * template generation kept in the deprecated.daemonset.template.generation annotation.
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import {
  goIntOrString,
  goLabelSelector,
  goQuote,
  goStringMap,
  invalidRendered,
  notSupportedRendered,
  semanticEqual,
  validateLabelSelector,
  validateNonnegativeField,
} from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, isObject, Json, num, obj, objs, str, strMap } from '../common/json';
import { asSelector } from '../common/selector';
import { checkQuantities, defaultPodTemplateSpec } from '../core/podspec/defaults';
import { validatePodTemplateSpec } from '../core/podspec/validation';
import { validateSelectorImmutable } from './deployment-validation';
import { intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent';
import { daemonSetTable } from './set-tables';

export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

export function defaultDaemonSet(ds: KObject): void {
  const spec = child(ds, 'spec');
  const strategy = child(spec, 'updateStrategy');
  if (!str(strategy.type)) strategy.type = 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru = child(strategy, 'rollingUpdate');
    if (ru.maxUnavailable === undefined || ru.maxUnavailable === null) ru.maxUnavailable = 1;
    if (ru.maxSurge === undefined || ru.maxSurge === null) ru.maxSurge = 0;
  }
  if (num(spec.revisionHistoryLimit) === undefined) spec.revisionHistoryLimit = 10;
  const template = child(spec, 'template');
  checkQuantities(obj(template.spec) ?? {}, 'DaemonSet', 'v1');
  defaultPodTemplateSpec(template);
}

function validateRollingUpdate(ru: Json, path: string): FieldError[] {
  const errs = [
    ...validatePositiveIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`),
    ...validatePositiveIntOrPercent(ru.maxSurge, `${path}.maxSurge`),
    ...isNotMoreThan100Percent(ru.maxUnavailable, `${path}.maxUnavailable`),
    ...isNotMoreThan100Percent(ru.maxSurge, `${path}.maxSurge`),
  ];
  const hasUnavailable = intOrPercentValue(ru.maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(ru.maxSurge) !== 0;
  if (hasUnavailable && hasSurge) {
    errs.push(invalidRendered(`${path}.maxSurge`, goIntOrString(ru.maxSurge), 'may not be set when maxUnavailable is non-zero'));
  } else if (!hasUnavailable && !hasSurge) {
    errs.push(fieldErrors.required(`${path}.maxUnavailable`, 'cannot be 0 when maxSurge is 0'));
  }
  return errs;
}

function validateUpdateStrategy(strategy: Json): FieldError[] {
  const path = 'spec.updateStrategy';
  const type = str(strategy.type);
  if (type === 'OnDelete') return [];
  if (type === 'RollingUpdate') {
    const ru = obj(strategy.rollingUpdate);
    if (!ru) return [fieldErrors.required(`${path}.rollingUpdate`, '')];
    return validateRollingUpdate(ru, `${path}.rollingUpdate`);
  }
  const ruText = obj(strategy.rollingUpdate) ? '(*apps.RollingUpdateDaemonSet)(0xc000000000)' : '(*apps.RollingUpdateDaemonSet)(nil)';
  return [notSupportedRendered(path, `apps.DaemonSetUpdateStrategy{Type:${goQuote(type)}, RollingUpdate:${ruText}}`, ['RollingUpdate', 'OnDelete'])];
}

export function validateDaemonSetSpec(ds: KObject): FieldError[] {
  const spec = obj(ds.spec) ?? {};
  const errs: FieldError[] = [];
  const sel = spec.selector;
  errs.push(...validateLabelSelector(sel, 'spec.selector'));
  const template = obj(spec.template) ?? {};
  const labels = strMap(obj(template.metadata)?.labels);
  // LabelSelectorAsSelector(nil) is labels.Nothing(): it matches no template
  const selector = asSelector(isObject(sel) ? sel : null);
  if (selector.ok && (!isObject(sel) || !selector.selector.matches(labels))) {
    errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  if (isObject(sel) && Object.keys(obj(sel.matchLabels) ?? {}).length + objs(sel.matchExpressions).length === 0) {
    errs.push(invalidRendered('spec.selector', goLabelSelector(sel), 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const tspec = obj(template.spec) ?? {};
  const restartPolicy = str(tspec.restartPolicy);
  if (restartPolicy !== 'Always') errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    errs.push(fieldErrors.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in DaemonSet is not Supported'));
  }
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds) ?? 0, 'spec.minReadySeconds'));
  errs.push(...validateUpdateStrategy(obj(spec.updateStrategy) ?? {}));
  const rhl = num(spec.revisionHistoryLimit);
  if (rhl !== undefined) errs.push(...validateNonnegativeField(rhl, 'spec.revisionHistoryLimit'));
  return errs;
}

function validateDaemonSetStatus(ds: KObject, old: KObject): FieldError[] {
  const status = obj(ds.status) ?? {};
  const errs: FieldError[] = [];
  for (const k of [
    'currentNumberScheduled',
    'numberMisscheduled',
    'desiredNumberScheduled',
    'numberReady',
    'observedGeneration',
    'updatedNumberScheduled',
    'numberAvailable',
    'numberUnavailable',
  ]) {
    errs.push(...validateNonnegativeField(num(status[k]) ?? 0, `status.${k}`));
  }
  const cc = num(status.collisionCount);
  if (cc !== undefined) errs.push(...validateNonnegativeField(cc, 'status.collisionCount'));
  const oldCC = num(obj(old.status)?.collisionCount);
  if (oldCC !== undefined && (cc === undefined || cc < oldCC)) {
    errs.push(fieldErrors.invalid('status.collisionCount', cc ?? 0, 'cannot be decremented'));
  }
  return errs;
}

function templateGeneration(o: KObject): number {
  const v = o.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION];
  const n = typeof v === 'string' && /^\d+$/.test(v) ? parseInt(v, 10) : 0;
  return n;
}

function setTemplateGeneration(o: KObject, gen: number): void {
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(gen) };
}

/** status has four counters without omitempty */
function emptyStatus(): Json {
  return { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
}

export function daemonSetsDefinition(): ResourceDefinition {
  return {
    group: 'apps',
    version: 'v1',
    kind: 'DaemonSet',
    plural: 'daemonsets',
    singular: 'daemonset',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    storagePrefix: 'daemonsets',
    subresources: { status: true },
    tracksGeneration: true,
    modelType: 'V1DaemonSet',
    strategy: {
      default: defaultDaemonSet,
      prepareForCreate(ds) {
        ds.status = emptyStatus();
        if (templateGeneration(ds) < 1) setTemplateGeneration(ds, 1);
      },
      prepareForUpdate(ds, old) {
        if (old.status === undefined) delete ds.status;
        else ds.status = old.status;
        // the template generation moves on exactly when the template changes
        const oldGen = Math.max(templateGeneration(old), 1);
        const changed = !semanticEqual(obj(ds.spec)?.template, obj(old.spec)?.template);
        setTemplateGeneration(ds, changed ? oldGen + 1 : oldGen);
      },
      validate: validateDaemonSetSpec,
      // upstream: ValidateDaemonSet + ValidateDaemonSetUpdate (the spec again) + the immutable selector
      validateUpdate: (ds, old) => [...validateDaemonSetSpec(ds), ...validateDaemonSetSpec(ds), ...validateSelectorImmutable(ds, old)],
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(ds, old) {
        ds.spec = old.spec;
        ds.status = { ...emptyStatus(), ...(obj(ds.status) ?? {}) };
      },
      validateUpdate: validateDaemonSetStatus,
    },
    table: daemonSetTable,
  };
}
