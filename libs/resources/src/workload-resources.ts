/** The workload resources beyond deployments and replica sets: apps/v1 sets and revisions, batch/v1, policy/v1. */
import { ResourceDefinition } from '../../registry/src/resource';
import { controllerRevisionsDefinition } from './apps/controllerrevisions';
import { daemonSetsDefinition } from './apps/daemonsets';
import { statefulSetsDefinition } from './apps/statefulsets';
import { cronJobsDefinition } from './batch/cronjobs';
import { jobsDefinition } from './batch/jobs';
import { podDisruptionBudgetsDefinition } from './policy/poddisruptionbudgets';

export function workloadResources(): ResourceDefinition[] {
  return [
    statefulSetsDefinition(),
    daemonSetsDefinition(),
    controllerRevisionsDefinition(),
    jobsDefinition(),
    cronJobsDefinition(),
    podDisruptionBudgetsDefinition(),
  ];
}

export {
  controllerRevisionsDefinition,
  cronJobsDefinition,
  daemonSetsDefinition,
  jobsDefinition,
  podDisruptionBudgetsDefinition,
  statefulSetsDefinition,
};
