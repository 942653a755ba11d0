/** batch/v1 jobs: SetDefaults_Job, the generated selector, ValidateJob(Update), status. */
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition } from '../../../registry/src/resource';
import { workloadNameWarnings } from '../apps/warnings';
import { int, obj } from '../common/json';
import { jobTable } from './batch-tables';
import { defaultJob, generateJobSelector } from './job-defaults';
import { validateJob, validateJobStatus, validateJobUpdate } from './job-validation';

function prepareForCreate(job: KObject): void {
  generateJobSelector(job);
  job.status = {};
  // SetDefaults_Job runs again when the stored object is read back: a job created without labels
  // shows the template's (now generated) labels
  const templateLabels = obj(obj(obj(job.spec)?.template)?.metadata)?.labels;
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) {
    job.metadata.labels = { ...(templateLabels as Record<string, string>) };
  }
}

export function jobsDefinition(): ResourceDefinition {
  return {
    group: 'batch',
    version: 'v1',
    kind: 'Job',
    plural: 'jobs',
    singular: 'job',
    namespaced: true,
    categories: ['all'],
    storagePrefix: 'jobs',
    subresources: { status: true },
    tracksGeneration: true,
    modelType: 'V1Job',
    strategy: {
      default: defaultJob,
      prepareForCreate,
      prepareForUpdate(job, old) {
        if (old.status === undefined) delete job.status;
        else job.status = old.status;
      },
      validate: validateJob,
      // upstream's strategy runs ValidateJob and ValidateJobUpdate (spec errors appear twice in the causes)
      validateUpdate: (job, old) => [...validateJob(job), ...validateJobUpdate(job, old)],
      warnings: workloadNameWarnings,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(job, old) {
        job.spec = old.spec;
      },
      validateUpdate: validateJobStatus,
    },
    // registry/job: jobs select on status.successful beyond metadata.name/namespace
    selectableFields: (job) => ({ 'status.successful': String(int(obj(job.status)?.succeeded)) }),
    table: jobTable,
  };
}
