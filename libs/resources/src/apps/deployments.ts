/** apps/v1 deployments: defaults, validation, status and scale subresources, generation tracking. */
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition } from '../../../registry/src/resource';
import { defaultDeployment } from './deployment-defaults';
import { validateDeploymentSpec, validateDeploymentStatusUpdate, validateDeploymentUpdate } from './deployment-validation';
import { workloadNameWarnings } from './warnings';
import { deploymentTable } from './workload-table';

/** The status strategy keeps spec and labels from the stored object. */
export function keepSpecAndLabels(o: KObject, old: KObject): void {
  o.spec = old.spec;
  if (old.metadata.labels === undefined) delete o.metadata.labels;
  else o.metadata.labels = old.metadata.labels;
}

export function deploymentsDefinition(): ResourceDefinition {
  return {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    singular: 'deployment',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    storagePrefix: 'deployments',
    subresources: {
      status: true,
      scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
    },
    tracksGeneration: true,
    modelType: 'V1Deployment',
    strategy: {
      default: defaultDeployment,
      prepareForCreate(d) {
        d.status = {};
      },
      prepareForUpdate(d, old) {
        if (old.status === undefined) delete d.status;
        else d.status = old.status;
      },
      validate: validateDeploymentSpec,
      validateUpdate: validateDeploymentUpdate,
      warnings: workloadNameWarnings,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate: keepSpecAndLabels,
      validateUpdate: validateDeploymentStatusUpdate,
    },
    table: deploymentTable,
  };
}
