/** batch/v1 cron jobs: SetDefaults_CronJob, schedule and time zone validation, status. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { goLabelSelector, invalidRendered, validateNonnegativeField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { workloadNameWarnings } from '../apps/warnings';
import { child, isObject, Json, num, obj, str } from '../common/json';
import { cronJobTable } from './batch-tables';
import { cronScheduleError, loadLocationError } from './cron-schedule';
import { defaultJobTemplatePodSpec } from './job-defaults';
import { validateJobSpecFields } from './job-validation';

const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
const TIME_ZONE_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

export function defaultCronJob(cj: KObject): void {
  const spec = child(cj, 'spec');
  if (!str(spec.concurrencyPolicy)) spec.concurrencyPolicy = 'Allow';
  if (typeof spec.suspend !== 'boolean') spec.suspend = false;
  if (num(spec.successfulJobsHistoryLimit) === undefined) spec.successfulJobsHistoryLimit = 3;
  if (num(spec.failedJobsHistoryLimit) === undefined) spec.failedJobsHistoryLimit = 1;
  const jobTemplate = child(spec, 'jobTemplate');
  // JobTemplateSpec.metadata is a struct
  const meta = child(jobTemplate, 'metadata');
  if (!('creationTimestamp' in meta)) meta.creationTimestamp = null;
  defaultJobTemplatePodSpec(child(jobTemplate, 'spec'), 'CronJob');
}

function validateSchedule(schedule: string, allowTZ: boolean, timeZone: unknown): FieldError[] {
  const path = 'spec.schedule';
  const errs: FieldError[] = [];
  const err = cronScheduleError(schedule);
  if (err) errs.push(fieldErrors.invalid(path, schedule, err));
  if (allowTZ && schedule.includes('TZ') && typeof timeZone === 'string') {
    errs.push(fieldErrors.invalid(path, schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  } else if (!allowTZ && schedule.includes('TZ')) {
    errs.push(fieldErrors.invalid(path, schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  }
  return errs;
}

export function validateTimeZone(tz: unknown): FieldError[] {
  if (typeof tz !== 'string') return [];
  const path = 'spec.timeZone';
  if (tz === '') return [fieldErrors.invalid(path, tz, 'timeZone must be nil or non-empty string')];
  for (const part of tz.split('/')) {
    if (part === '.' || part === '..' || part.startsWith('-') || !TIME_ZONE_PART.test(part)) {
      return [fieldErrors.invalid(path, tz, `unknown time zone ${tz}`)];
    }
  }
  const errs: FieldError[] = [];
  if (tz.toLowerCase() === 'local') {
    errs.push(fieldErrors.invalid(path, tz, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  }
  const loadErr = tz === 'Local' ? undefined : loadLocationError(tz);
  if (loadErr) errs.push(fieldErrors.invalid(path, tz, loadErr));
  return errs;
}

/** ValidateJobTemplateSpec: the job spec, with the selector left to the job strategy. */
function validateJobTemplate(jobTemplate: Json): FieldError[] {
  const spec = obj(jobTemplate.spec) ?? {};
  const path = 'spec.jobTemplate.spec';
  const errs = validateJobSpecFields(spec, path);
  if (isObject(spec.selector)) errs.push(invalidRendered(`${path}.selector`, goLabelSelector(spec.selector), '`selector` will be auto-generated'));
  if (spec.manualSelector === true) errs.push(fieldErrors.notSupported(`${path}.manualSelector`, true, ['nil', 'false']));
  return errs;
}

function validateCronJobSpec(cj: KObject, old?: KObject): FieldError[] {
  const spec = obj(cj.spec) ?? {};
  const oldSpec = old ? obj(old.spec) ?? {} : undefined;
  const errs: FieldError[] = [];
  const schedule = str(spec.schedule);
  if (!schedule) errs.push(fieldErrors.required('spec.schedule', ''));
  else errs.push(...validateSchedule(schedule, oldSpec ? str(oldSpec.schedule).includes('TZ') : false, spec.timeZone));
  const sds = num(spec.startingDeadlineSeconds);
  if (sds !== undefined) errs.push(...validateNonnegativeField(sds, 'spec.startingDeadlineSeconds'));
  if (!oldSpec || oldSpec.timeZone !== spec.timeZone) errs.push(...validateTimeZone(spec.timeZone));
  const cp = str(spec.concurrencyPolicy);
  if (!cp) errs.push(fieldErrors.required('spec.concurrencyPolicy', ''));
  else if (!CONCURRENCY_POLICIES.includes(cp)) errs.push(fieldErrors.notSupported('spec.concurrencyPolicy', cp, CONCURRENCY_POLICIES));
  errs.push(...validateJobTemplate(obj(spec.jobTemplate) ?? {}));
  for (const k of ['successfulJobsHistoryLimit', 'failedJobsHistoryLimit']) {
    const v = num(spec[k]);
    if (v !== undefined) errs.push(...validateNonnegativeField(v, `spec.${k}`));
  }
  return errs;
}

function validateCronJobCreate(cj: KObject): FieldError[] {
  const errs = validateCronJobSpec(cj);
  const name = cj.metadata.name ?? '';
  // the controller appends an 11-character suffix to make job names (at most 63 characters)
  if (name.length > 52) errs.push(fieldErrors.invalid('metadata.name', name, 'must be no more than 52 characters'));
  return errs;
}

export function cronJobsDefinition(): ResourceDefinition {
  return {
    group: 'batch',
    version: 'v1',
    kind: 'CronJob',
    plural: 'cronjobs',
    singular: 'cronjob',
    namespaced: true,
    shortNames: ['cj'],
    categories: ['all'],
    storagePrefix: 'cronjobs',
    subresources: { status: true },
    tracksGeneration: true,
    modelType: 'V1CronJob',
    strategy: {
      default: defaultCronJob,
      prepareForCreate(cj) {
        cj.status = {};
      },
      prepareForUpdate(cj, old) {
        if (old.status === undefined) delete cj.status;
        else cj.status = old.status;
      },
      validate: validateCronJobCreate,
      validateUpdate: (cj, old) => validateCronJobSpec(cj, old),
      warnings: workloadNameWarnings,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(cj, old) {
        cj.spec = old.spec;
      },
    },
    table: cronJobTable,
  };
}
