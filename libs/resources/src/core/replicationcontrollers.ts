/**
 * core/v1 replication controllers: SetDefaults_ReplicationController (selector and labels from the
 * template labels, replicas 1), template defaults, status + scale, generation.
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { goStringMap, invalidRendered, validateLabels, validateNonnegativeField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, int, num, obj, str, strMap } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, containersColumn, imagesColumn, nameColumn } from '../printing/columns';
import { formatLabels, layoutContainerCells } from '../printing/format';
import { validateReplicaCounters } from '../apps/workload-validation';
import { checkQuantities, defaultPodTemplateSpec } from './podspec/defaults';
import { validatePodTemplateSpec } from './podspec/validation';

function defaultRC(rc: KObject): void {
  const spec = child(rc, 'spec');
  const template = obj(spec.template);
  const labels = strMap(obj(template?.metadata)?.labels);
  if (labels) {
    if (Object.keys(obj(spec.selector) ?? {}).length === 0) spec.selector = { ...labels };
    if (Object.keys(rc.metadata.labels ?? {}).length === 0) rc.metadata.labels = { ...labels };
  }
  if (num(spec.replicas) === undefined) spec.replicas = 1;
  if (template) {
    checkQuantities(obj(template.spec) ?? {}, 'ReplicationController', 'v1');
    defaultPodTemplateSpec(template);
  }
}

function validateRCSpec(rc: KObject): FieldError[] {
  const spec = obj(rc.spec) ?? {};
  const errs: FieldError[] = [];
  errs.push(...validateNonnegativeField(num(spec.minReadySeconds) ?? 0, 'spec.minReadySeconds'));
  const selector = strMap(spec.selector) ?? {};
  if (Object.keys(selector).length === 0) errs.push(fieldErrors.required('spec.selector', ''));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  errs.push(...validateNonnegativeField(num(spec.replicas) ?? 0, 'spec.replicas'));
  const template = obj(spec.template);
  if (!template) {
    errs.push(fieldErrors.required('spec.template', ''));
    return errs;
  }
  const labels = strMap(obj(template.metadata)?.labels) ?? {};
  if (Object.keys(selector).length > 0 && !Object.entries(selector).every(([k, v]) => labels[k] === v)) {
    errs.push(invalidRendered('spec.template.metadata.labels', goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplateSpec(template, 'spec.template'));
  const tspec = obj(template.spec) ?? {};
  const restartPolicy = str(tspec.restartPolicy);
  if (restartPolicy !== 'Always') errs.push(fieldErrors.notSupported('spec.template.spec.restartPolicy', restartPolicy, ['Always']));
  const ads = num(tspec.activeDeadlineSeconds);
  if (ads !== undefined) {
    errs.push(fieldErrors.invalid('spec.template.spec.activeDeadlineSeconds', ads, 'activeDeadlineSeconds in ReplicationController is not Supported'));
  }
  return errs;
}

export function replicationControllersDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'ReplicationController',
    plural: 'replicationcontrollers',
    singular: 'replicationcontroller',
    namespaced: true,
    shortNames: ['rc'],
    categories: ['all'],
    storagePrefix: 'controllers',
    subresources: {
      status: true,
      scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
    },
    tracksGeneration: true,
    modelType: 'V1ReplicationController',
    strategy: {
      default: defaultRC,
      prepareForCreate(rc) {
        // ReplicationControllerStatus.replicas has no omitempty
        rc.status = { replicas: 0 };
      },
      prepareForUpdate(rc, old) {
        if (old.status === undefined) delete rc.status;
        else rc.status = old.status;
      },
      validate: validateRCSpec,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(rc, old) {
        rc.spec = old.spec;
        const status = child(rc, 'status');
        if (num(status.replicas) === undefined) status.replicas = 0;
      },
      validateUpdate: (rc) =>
        validateReplicaCounters(
          obj(rc.status) ?? {},
          ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'],
          ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'],
        ),
    },
    table: {
      columns: [
        nameColumn(),
        column('Desired', 'integer', 'Number of desired pods.'),
        column('Current', 'integer', 'Number of actually running pods.'),
        column('Ready', 'integer', 'Number of pods ready.'),
        ageColumn(),
        containersColumn(),
        imagesColumn(),
        column('Selector', 'string', 'The label selector of the controller.', 1),
      ],
      cells(rc, now) {
        const spec = obj(rc.spec) ?? {};
        const status = obj(rc.status) ?? {};
        const c = layoutContainerCells(obj(obj(spec.template)?.spec)?.containers);
        return [
          rc.metadata.name ?? '',
          int(spec.replicas),
          int(status.replicas),
          int(status.readyReplicas),
          translateTimestampSince(rc.metadata.creationTimestamp, now),
          c.names,
          c.images,
          formatLabels(spec.selector),
        ];
      },
    },
  };
}
