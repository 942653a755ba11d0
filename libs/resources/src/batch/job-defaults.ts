/** SetDefaults_Job (batch/v1, 1.32) and the selector the job strategy generates on create. */
import { KObject } from '../../../apimachinery/src/types';
import { child, Json, num, obj, objs, str } from '../common/json';
import { checkQuantities, defaultPodTemplateSpec } from '../core/podspec/defaults';

export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const LEGACY_JOB_NAME_LABEL = 'job-name';

const MAX_INT32 = 2147483647;

export function defaultJob(job: KObject): void {
  const spec = child(job, 'spec');
  if (num(spec.completions) === undefined && num(spec.parallelism) === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (num(spec.parallelism) === undefined) spec.parallelism = 1;
  if (num(spec.backoffLimit) === undefined) spec.backoffLimit = num(spec.backoffLimitPerIndex) !== undefined ? MAX_INT32 : 6;
  const template = child(spec, 'template');
  const templateLabels = obj(obj(template.metadata)?.labels);
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...(templateLabels as Record<string, string>) };
  if (!str(spec.completionMode)) spec.completionMode = 'NonIndexed';
  if (typeof spec.suspend !== 'boolean') spec.suspend = false;
  const pfp = obj(spec.podFailurePolicy);
  for (const rule of objs(pfp?.rules)) {
    for (const pattern of objs(rule.onPodConditions)) if (!str(pattern.status)) pattern.status = 'True';
  }
  if (!str(spec.podReplacementPolicy)) spec.podReplacementPolicy = pfp ? 'Failed' : 'TerminatingOrFailed';
  defaultJobTemplatePodSpec(spec, 'Job');
}

/** Pod template defaults inside a JobSpec (also used by CronJob's jobTemplate). */
export function defaultJobTemplatePodSpec(jobSpec: Json, kind: string): void {
  const template = child(jobSpec, 'template');
  checkQuantities(obj(template.spec) ?? {}, kind, 'v1');
  defaultPodTemplateSpec(template);
}

/** generateSelector: the controller-uid and job-name labels, and a selector on the uid. */
export function generateJobSelector(job: KObject): void {
  const spec = child(job, 'spec');
  if (spec.manualSelector === true) return;
  const meta = child(child(spec, 'template'), 'metadata');
  const labels = (obj(meta.labels) ?? {}) as Record<string, string>;
  const name = job.metadata.name ?? '';
  const uid = job.metadata.uid ?? '';
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in labels)) labels[k] = name;
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in labels)) labels[k] = uid;
  meta.labels = labels;
  const selector = child(spec, 'selector');
  const matchLabels = child(selector, 'matchLabels');
  if (!(CONTROLLER_UID_LABEL in matchLabels)) matchLabels[CONTROLLER_UID_LABEL] = uid;
}
