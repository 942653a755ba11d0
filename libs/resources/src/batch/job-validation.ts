/** ValidateJob / ValidateJobSpec / ValidateJobUpdate (batch/v1, 1.32), and the job template of cron jobs. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import {
  goLabelSelector,
  goStringMap,
  invalidRendered,
  isDNS1123Label,
  semanticEqual,
  validateImmutableField,
  validateLabelSelector,
  validateNonnegativeField,
} from '../../../apimachinery/src/validation';
import { isObject, Json, num, obj, objs, str, strMap } from '../common/json';
import { asSelector } from '../common/selector';
import { validatePodTemplateSpec } from '../core/podspec/validation';
import { isDomainPrefixedPath } from '../networking/ingressclasses';
import { CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from './job-defaults';

const MAX_PARALLELISM_INDEXED = 100000;
const MAX_MANAGED_BY_LENGTH = 63;
const POD_FAILURE_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];

function nonNegative(spec: Json, key: string, path: string): FieldError[] {
  const v = num(spec[key]);
  return v === undefined ? [] : validateNonnegativeField(v, `${path}.${key}`);
}

function validatePodFailurePolicy(spec: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  objs(obj(spec.podFailurePolicy)?.rules).forEach((rule, i) => {
    const p = `${path}.rules[${i}]`;
    const action = str(rule.action);
    if (!POD_FAILURE_ACTIONS.includes(action)) errs.push(fieldErrors.notSupported(`${p}.action`, action, POD_FAILURE_ACTIONS));
    const hasExit = isObject(rule.onExitCodes);
    const hasCond = Array.isArray(rule.onPodConditions);
    if (hasExit && hasCond) errs.push(fieldErrors.invalid(p, OMIT_RULE, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    else if (!hasExit && !hasCond) errs.push(fieldErrors.invalid(p, OMIT_RULE, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return errs;
}
const OMIT_RULE = 'batch.PodFailurePolicyRule{...}';

function validateRestartPolicy(spec: Json, path: string): FieldError[] {
  const rp = str(obj(obj(spec.template)?.spec)?.restartPolicy);
  const p = `${path}.template.spec.restartPolicy`;
  if (rp === 'Always' || rp === '') return [fieldErrors.required(p, 'valid values: "OnFailure", "Never"')];
  if (rp !== 'OnFailure' && rp !== 'Never') return [fieldErrors.notSupported(p, rp, ['OnFailure', 'Never'])];
  if (isObject(spec.podFailurePolicy) && rp !== 'Never') return [fieldErrors.invalid(p, rp, 'only "Never" is supported when podFailurePolicy is specified')];
  return [];
}

/** validateJobSpec: everything but the selector (shared with CronJob's jobTemplate). */
export function validateJobSpecFields(spec: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex']) {
    errs.push(...nonNegative(spec, k, path));
  }
  if (num(spec.maxFailedIndexes) !== undefined) {
    errs.push(...nonNegative(spec, 'maxFailedIndexes', path));
    if (num(spec.backoffLimitPerIndex) === undefined) errs.push(fieldErrors.required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  if (typeof spec.managedBy === 'string') {
    errs.push(...isDomainPrefixedPath(`${path}.managedBy`, spec.managedBy));
    if (spec.managedBy.length > MAX_MANAGED_BY_LENGTH) errs.push(fieldErrors.tooLong(`${path}.managedBy`, spec.managedBy, MAX_MANAGED_BY_LENGTH));
  }
  const mode = spec.completionMode;
  if (typeof mode === 'string') {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') errs.push(fieldErrors.notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (num(spec.completions) === undefined) errs.push(fieldErrors.required(`${path}.completions`, 'when completion mode is Indexed'));
      const par = num(spec.parallelism);
      if (par !== undefined && par > MAX_PARALLELISM_INDEXED) {
        errs.push(fieldErrors.invalid(`${path}.parallelism`, par, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      }
    }
  }
  if (mode === undefined || mode === 'NonIndexed') {
    const bpi = num(spec.backoffLimitPerIndex);
    if (bpi !== undefined) errs.push(fieldErrors.invalid(`${path}.backoffLimitPerIndex`, bpi, 'requires indexed completion mode'));
  }
  if (isObject(spec.podFailurePolicy)) errs.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`));
  const prp = spec.podReplacementPolicy;
  if (typeof prp === 'string') {
    if (isObject(spec.podFailurePolicy)) {
      if (prp !== 'Failed') errs.push(fieldErrors.notSupported(`${path}.podReplacementPolicy`, prp, ['Failed']));
    } else if (prp !== 'Failed' && prp !== 'TerminatingOrFailed') {
      errs.push(fieldErrors.notSupported(`${path}.podReplacementPolicy`, prp, ['Failed', 'TerminatingOrFailed']));
    }
  }
  errs.push(...validatePodTemplateSpec(obj(spec.template) ?? {}, `${path}.template`));
  errs.push(...validateRestartPolicy(spec, path));
  return errs;
}

/** ValidateJobSpec: the fields, the selector, and the selector against the template labels. */
function validateJobSpec(spec: Json): FieldError[] {
  const errs = validateJobSpecFields(spec, 'spec');
  const sel = spec.selector;
  if (!isObject(sel)) errs.push(fieldErrors.required('spec.selector', ''));
  else errs.push(...validateLabelSelector(sel, 'spec.selector'));
  const selector = asSelector(isObject(sel) ? sel : null);
  const labels = strMap(obj(obj(spec.template)?.metadata)?.labels);
  if (selector.ok && (!isObject(sel) || !selector.selector.matches(labels))) {
    errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  return errs;
}

/** ValidateHasLabel on the template metadata. */
function validateHasLabel(labels: Record<string, string>, key: string, expected: string): FieldError[] {
  const path = `spec.template.metadata.labels[${key}]`;
  if (!(key in labels)) return [fieldErrors.required(path, expected)];
  if (labels[key] !== expected) return [invalidRendered(path, goStringMap(labels), `must be '${expected}'`)];
  return [];
}

/** validateGeneratedSelector: unless manualSelector, the labels and selector must be the generated ones. */
function validateGeneratedSelector(job: KObject): FieldError[] {
  const spec = obj(job.spec) ?? {};
  if (spec.manualSelector === true) return [];
  const labels = strMap(obj(obj(spec.template)?.metadata)?.labels);
  if (!labels) return [fieldErrors.required('spec.template.metadata.labels', '')];
  const errs: FieldError[] = [];
  const uid = job.metadata.uid ?? '';
  if (!uid) errs.push(fieldErrors.required('metadata.uid', ''));
  const name = job.metadata.name ?? '';
  errs.push(...validateHasLabel(labels, LEGACY_CONTROLLER_UID_LABEL, uid));
  errs.push(...validateHasLabel(labels, LEGACY_JOB_NAME_LABEL, name));
  errs.push(...validateHasLabel(labels, CONTROLLER_UID_LABEL, uid));
  errs.push(...validateHasLabel(labels, JOB_NAME_LABEL, name));
  if (!semanticEqual(spec.selector, { matchLabels: { [CONTROLLER_UID_LABEL]: uid } })) {
    errs.push(invalidRendered('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
  }
  return errs;
}

export function validateJob(job: KObject): FieldError[] {
  const spec = obj(job.spec) ?? {};
  const errs = [...validateGeneratedSelector(job), ...validateJobSpec(spec)];
  const completions = num(spec.completions);
  if (spec.completionMode === 'Indexed' && completions !== undefined && completions > 0) {
    const name = job.metadata.name ?? '';
    const host = `${name}-${completions - 1}`;
    if (isDNS1123Label(host).length > 0) {
      errs.push(fieldErrors.invalid('metadata.name', name, `will not able to create pod with invalid DNS label: ${host}`));
    }
  }
  return errs;
}

/**
 * A suspended job that never started may change its scheduling directives (node affinity and
 * selector, tolerations, scheduling gates, template labels and annotations): those are taken
 * from the new template before the immutability check.
 */
function comparableOldTemplate(spec: Json, oldSpec: Json, old: KObject): unknown {
  const suspended = oldSpec.suspend === true;
  const notStarted = obj(old.status)?.startTime === undefined || obj(old.status)?.startTime === null;
  if (!suspended || !notStarted) return oldSpec.template;
  const tmpl = obj(spec.template) ?? {};
  const oldTmpl = obj(oldSpec.template) ?? {};
  const meta: Json = { ...(obj(oldTmpl.metadata) ?? {}) };
  const newMeta = obj(tmpl.metadata) ?? {};
  for (const k of ['labels', 'annotations']) {
    if (newMeta[k] === undefined) delete meta[k];
    else meta[k] = newMeta[k];
  }
  const podSpec: Json = { ...(obj(oldTmpl.spec) ?? {}) };
  const newPodSpec = obj(tmpl.spec) ?? {};
  for (const k of ['affinity', 'nodeSelector', 'tolerations', 'schedulingGates']) {
    if (newPodSpec[k] === undefined) delete podSpec[k];
    else podSpec[k] = newPodSpec[k];
  }
  return { ...oldTmpl, metadata: meta, spec: podSpec };
}

export function validateJobUpdate(job: KObject, old: KObject): FieldError[] {
  const spec = obj(job.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  const errs = validateJobSpec(spec);
  if (spec.completionMode === 'Indexed') {
    // elastic indexed jobs: completions may change together with parallelism
    const completions = num(spec.completions);
    if (completions !== undefined && completions !== num(oldSpec.completions) && completions !== num(spec.parallelism)) {
      errs.push(fieldErrors.invalid('spec.completions', completions, 'can only be modified in tandem with spec.parallelism'));
    }
  } else {
    errs.push(...validateImmutableField(spec.completions, oldSpec.completions, 'spec.completions'));
  }
  errs.push(...validateImmutableField(spec.selector, oldSpec.selector, 'spec.selector', isObject(spec.selector) ? goLabelSelector(spec.selector) : '"null"'));
  errs.push(...validateImmutableField(spec.template, comparableOldTemplate(spec, oldSpec, old), 'spec.template', 'core.PodTemplateSpec{...}'));
  errs.push(...validateImmutableField(spec.completionMode, oldSpec.completionMode, 'spec.completionMode'));
  errs.push(...validateImmutableField(spec.podFailurePolicy, oldSpec.podFailurePolicy, 'spec.podFailurePolicy', 'batch.PodFailurePolicy{...}'));
  errs.push(...validateImmutableField(spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex, 'spec.backoffLimitPerIndex'));
  errs.push(...validateImmutableField(spec.managedBy, oldSpec.managedBy, 'spec.managedBy'));
  errs.push(...validateImmutableField(spec.successPolicy, oldSpec.successPolicy, 'spec.successPolicy', 'batch.SuccessPolicy{...}'));
  return errs;
}

export function validateJobStatus(job: KObject): FieldError[] {
  const status = obj(job.status) ?? {};
  const errs: FieldError[] = [];
  for (const k of ['active', 'succeeded', 'failed', 'ready', 'terminating']) {
    const v = num(status[k]);
    if (v !== undefined) errs.push(...validateNonnegativeField(v, `status.${k}`));
  }
  return errs;
}
