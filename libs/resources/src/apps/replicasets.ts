/** apps/v1 replica sets: replicas default 1, selector/template validation, status and scale. */
import { FieldError } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { validateNonnegativeField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, num, obj } from '../common/json';
import { checkQuantities, defaultPodTemplateSpec } from '../core/podspec/defaults';
import { validateSelectorImmutable } from './deployment-validation';
import { workloadNameWarnings } from './warnings';
import { replicaSetTable } from './workload-table';
import { validateReplicaCounters, validateSelectorAndTemplate } from './workload-validation';

function defaultReplicaSet(rs: KObject): void {
  const spec = child(rs, 'spec');
  if (num(spec.replicas) === undefined) spec.replicas = 1;
  const template = child(spec, 'template');
  checkQuantities(obj(template.spec) ?? {}, 'ReplicaSet', 'v1');
  defaultPodTemplateSpec(template);
}

function validateReplicaSetSpec(rs: KObject): FieldError[] {
  const spec = obj(rs.spec) ?? {};
  const errs = validateNonnegativeField(num(spec.replicas) ?? 0, 'spec.replicas');
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds) ?? 0, 'spec.minReadySeconds'));
  errs.push(...validateSelectorAndTemplate(spec));
  return errs;
}

function validateReplicaSetStatus(rs: KObject): FieldError[] {
  return validateReplicaCounters(
    obj(rs.status) ?? {},
    ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
    ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'],
  );
}

export function replicaSetsDefinition(): ResourceDefinition {
  return {
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    singular: 'replicaset',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    storagePrefix: 'replicasets',
    subresources: {
      status: true,
      scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
    },
    tracksGeneration: true,
    modelType: 'V1ReplicaSet',
    strategy: {
      default: defaultReplicaSet,
      prepareForCreate(rs) {
        // ReplicaSetStatus.replicas has no omitempty: it always serializes
        rs.status = { replicas: 0 };
      },
      prepareForUpdate(rs, old) {
        if (old.status === undefined) delete rs.status;
        else rs.status = old.status;
      },
      validate: validateReplicaSetSpec,
      validateUpdate: (rs, old) => [...validateReplicaSetSpec(rs), ...validateSelectorImmutable(rs, old)],
      warnings: workloadNameWarnings,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(rs, old) {
        rs.spec = old.spec;
        const status = child(rs, 'status');
        if (num(status.replicas) === undefined) status.replicas = 0;
      },
      validateUpdate: validateReplicaSetStatus,
    },
    table: replicaSetTable,
  };
}
