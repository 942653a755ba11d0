/** printJob and printCronJob of kubectl 1.32's server-side printers. */
import { KObject } from '../../../apimachinery/src/types';
import { TableConvertor } from '../../../registry/src/resource';
import { arr, int, Json, num, obj, objs, str } from '../common/json';
import { formatSelector } from '../common/selector';
import { humanDuration, translateTimestampSince } from '../printing/age';
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from '../printing/columns';
import { layoutContainerCells } from '../printing/format';

function hasCondition(status: Json, type: string): boolean {
  return objs(status.conditions).some((c) => c.type === type && c.status === 'True');
}

/** The STATUS column: Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet or Running. */
export function jobStatusText(job: KObject): string {
  const status = obj(job.status) ?? {};
  if (hasCondition(status, 'Complete')) return 'Complete';
  if (hasCondition(status, 'Failed')) return 'Failed';
  if (job.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(status, 'Suspended')) return 'Suspended';
  if (hasCondition(status, 'FailureTarget')) return 'FailureTarget';
  if (hasCondition(status, 'SuccessCriteriaMet')) return 'SuccessCriteriaMet';
  return 'Running';
}

function completionsText(spec: Json, status: Json): string {
  const succeeded = int(status.succeeded);
  const completions = num(spec.completions);
  if (completions !== undefined) return `${succeeded}/${completions}`;
  const parallelism = int(spec.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function durationText(status: Json, now: Date): string {
  const start = typeof status.startTime === 'string' ? Date.parse(status.startTime) : NaN;
  if (Number.isNaN(start)) return '';
  const done = typeof status.completionTime === 'string' ? Date.parse(status.completionTime) : NaN;
  return humanDuration((Number.isNaN(done) ? now.getTime() : done) - start);
}

const selectorColumn = () => column('Selector', 'string', 'A label query over pods that should match the pod count.', 1);

export const jobTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', 'The number of pods which reached phase Succeeded.'),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn(),
  ],
  cells(job, now) {
    const spec = obj(job.spec) ?? {};
    const status = obj(job.status) ?? {};
    const c = layoutContainerCells(obj(obj(spec.template)?.spec)?.containers);
    return [
      job.metadata.name ?? '',
      jobStatusText(job),
      completionsText(spec, status),
      durationText(status, now),
      translateTimestampSince(job.metadata.creationTimestamp, now),
      c.names,
      c.images,
      formatSelector(spec.selector),
    ];
  },
};

export const cronJobTable: TableConvertor = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', 'The schedule in Cron format.'),
    column('Timezone', 'string', 'The time zone name for the given schedule.'),
    column('Suspend', 'boolean', 'Whether the controller suspends subsequent executions.'),
    column('Active', 'integer', 'A list of pointers to currently running jobs.'),
    column('Last Schedule', 'string', 'The last time the job was successfully scheduled.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    selectorColumn(),
  ],
  cells(cj, now) {
    const spec = obj(cj.spec) ?? {};
    const status = obj(cj.status) ?? {};
    const jobSpec = obj(obj(spec.jobTemplate)?.spec) ?? {};
    const c = layoutContainerCells(obj(obj(jobSpec.template)?.spec)?.containers);
    const last = typeof status.lastScheduleTime === 'string' ? translateTimestampSince(status.lastScheduleTime, now) : '<none>';
    return [
      cj.metadata.name ?? '',
      str(spec.schedule),
      typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
      typeof spec.suspend === 'boolean' ? (spec.suspend ? 'True' : 'False') : '<unset>',
      arr(status.active).length,
      last,
      translateTimestampSince(cj.metadata.creationTimestamp, now),
      c.names,
      c.images,
      formatSelector(jobSpec.selector),
    ];
  },
};
