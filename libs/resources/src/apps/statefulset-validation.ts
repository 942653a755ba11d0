/** ValidateStatefulSetSpec / ValidateStatefulSetUpdate / ValidateStatefulSetStatusUpdate (apps/v1, 1.32). */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import {
  goIntOrString,
  goLabelSelector,
  goQuote,
  goStringMap,
  invalidRendered,
  semanticEqual,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
  validateNonnegativeField,
} from '../../../apimachinery/src/validation';
import { isObject, Json, num, obj, objs, str, strMap } from '../common/json';
import { asSelector } from '../common/selector';
import { intOrPercentValue, isNotMoreThan100Percent, validatePositiveIntOrPercent } from './int-or-percent';

const RETENTION_POLICIES = ['Retain', 'Delete'];

function goRollingUpdate(ru: Json): string {
  const mu = ru.maxUnavailable;
  const muText = mu === undefined || mu === null ? '(*intstr.IntOrString)(nil)' : '(*intstr.IntOrString)(0xc000000000)';
  return `apps.RollingUpdateStatefulSetStrategy{Partition:${num(ru.partition) ?? 0}, MaxUnavailable:${muText}}`;
}

function validateUpdateStrategy(strategy: Json): FieldError[] {
  const path = 'spec.updateStrategy';
  const type = str(strategy.type);
  const ru = obj(strategy.rollingUpdate);
  switch (type) {
    case '':
      return [fieldErrors.required(path, '')];
    case 'OnDelete':
      return ru ? [invalidRendered(`${path}.rollingUpdate`, goRollingUpdate(ru), "only allowed for updateStrategy 'RollingUpdate'")] : [];
    case 'RollingUpdate': {
      if (!ru) return [];
      const p = `${path}.rollingUpdate`;
      const errs = validateNonnegativeField(num(ru.partition) ?? 0, `${p}.partition`);
      const mu = ru.maxUnavailable;
      if (mu !== undefined && mu !== null) {
        errs.push(...validatePositiveIntOrPercent(mu, `${p}.maxUnavailable`));
        if (intOrPercentValue(mu) === 0) errs.push(invalidRendered(`${p}.maxUnavailable`, goIntOrString(mu), 'cannot be 0'));
        errs.push(...isNotMoreThan100Percent(mu, `${p}.maxUnavailable`));
      }
      return errs;
    }
    default: {
      const ruText = ru ? '(*apps.RollingUpdateStatefulSetStrategy)(0xc000000000)' : '(*apps.RollingUpdateStatefulSetStrategy)(nil)';
      const rendered = `apps.StatefulSetUpdateStrategy{Type:${goQuote(type)}, RollingUpdate:${ruText}}`;
      return [invalidRendered(path, rendered, "must be 'RollingUpdate' or 'OnDelete'")];
    }
  }
}

function validateRetentionPolicy(policy: Json | undefined): FieldError[] {
  if (!policy) return [];
  const errs: FieldError[] = [];
  for (const k of ['whenDeleted', 'whenScaled']) {
    const v = str(policy[k]);
    if (!RETENTION_POLICIES.includes(v)) {
      errs.push(fieldErrors.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, RETENTION_POLICIES));
    }
  }
  return errs;
}

export function validateStatefulSetSpec(s: KObject): FieldError[] {
  const spec = obj(s.spec) ?? {};
  const errs: FieldError[] = [];
  const pmp = str(spec.podManagementPolicy);
  if (!pmp) errs.push(fieldErrors.required('spec.podManagementPolicy', ''));
  else if (pmp !== 'OrderedReady' && pmp !== 'Parallel') {
    errs.push(fieldErrors.invalid('spec.podManagementPolicy', pmp, "must be 'OrderedReady' or 'Parallel'"));
  }
  errs.push(...validateUpdateStrategy(obj(spec.updateStrategy) ?? {}));
  errs.push(...validateRetentionPolicy(obj(spec.persistentVolumeClaimRetentionPolicy)));
  errs.push(...validateNonnegativeField(num(spec.replicas) ?? 0, 'spec.replicas'));
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds) ?? 0, 'spec.minReadySeconds'));
  const ordinals = obj(spec.ordinals);
  if (ordinals) errs.push(...validateNonnegativeField(num(ordinals.start) ?? 0, 'spec.ordinals.start'));

  const sel = spec.selector;
  if (!isObject(sel)) errs.push(fieldErrors.required('spec.selector', ''));
  else {
    errs.push(...validateLabelSelector(sel, 'spec.selector'));
    if (Object.keys(obj(sel.matchLabels) ?? {}).length + objs(sel.matchExpressions).length === 0) {
      errs.push(invalidRendered('spec.selector', goLabelSelector(sel), 'empty selector is invalid for statefulset'));
    }
  }
  const template = obj(spec.template) ?? {};
  const meta = obj(template.metadata) ?? {};
  const selector = asSelector(isObject(sel) ? sel : null);
  if (!selector.ok) errs.push(invalidRendered('spec.selector', goLabelSelector(sel), ''));
  else {
    // ValidatePodTemplateSpecForStatefulSet: upstream validates the template's labels and
    // annotations only, not its pod spec (a long-standing TODO in 1.32).
    const labels = strMap(meta.labels);
    if (!selector.selector.empty() && !selector.selector.matches(labels)) {
      errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
    }
    errs.push(...validateLabels(meta.labels, 'spec.template.labels'));
    errs.push(...validateAnnotations(meta.annotations, 'spec.template.annotations'));
  }
  const tspec = obj(template.spec) ?? {};
  const restartPolicy = str(tspec.restartPolicy);
  if (restartPolicy !== 'Always') errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  if (tspec.activeDeadlineSeconds !== undefined && tspec.activeDeadlineSeconds !== null) {
    errs.push(fieldErrors.forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in StatefulSet is not Supported'));
  }
  return errs;
}

const MUTABLE_SPEC_FIELDS = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

export function validateStatefulSetUpdate(s: KObject, old: KObject): FieldError[] {
  const errs = validateStatefulSetSpec(s);
  const strip = (spec: unknown): Json => {
    const copy: Json = { ...(obj(spec) ?? {}) };
    for (const k of MUTABLE_SPEC_FIELDS) delete copy[k];
    return copy;
  };
  if (!semanticEqual(strip(s.spec), strip(old.spec))) {
    errs.push(
      fieldErrors.forbidden(
        'spec',
        "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ),
    );
  }
  return errs;
}

export function validateStatefulSetStatusUpdate(s: KObject, old: KObject): FieldError[] {
  const status = obj(s.status) ?? {};
  const v = (k: string): number => num(status[k]) ?? 0;
  const errs: FieldError[] = [];
  for (const k of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) {
    errs.push(...validateNonnegativeField(v(k), `status.${k}`));
  }
  for (const k of ['observedGeneration', 'collisionCount']) {
    if (num(status[k]) !== undefined) errs.push(...validateNonnegativeField(v(k), `status.${k}`));
  }
  const msg = 'cannot be greater than status.replicas';
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas']) {
    if (v(k) > v('replicas')) errs.push(fieldErrors.invalid(`status.${k}`, v(k), msg));
  }
  if (v('availableReplicas') > v('readyReplicas')) {
    errs.push(fieldErrors.invalid('status.availableReplicas', v('availableReplicas'), 'cannot be greater than status.readyReplicas'));
  }
  const oldCC = num(obj(old.status)?.collisionCount);
  const cc = num(status.collisionCount);
  if (oldCC !== undefined && (cc === undefined || cc < oldCC)) {
    errs.push(fieldErrors.invalid('status.collisionCount', cc ?? 0, 'cannot be decremented'));
  }
  return errs;
}
