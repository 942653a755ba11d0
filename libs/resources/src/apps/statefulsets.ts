/** apps/v1 stateful sets: SetDefaults_StatefulSet, volume claim template defaults, status and scale. */
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, Json, num, obj, objs, str } from '../common/json';
import { checkQuantities, defaultPodTemplateSpec } from '../core/podspec/defaults';
import { statefulSetTable } from './set-tables';
import { validateStatefulSetSpec, validateStatefulSetStatusUpdate, validateStatefulSetUpdate } from './statefulset-validation';

/** A PersistentVolumeClaim template: TypeMeta as the v1 conversion writes it, claim defaults. */
function defaultClaimTemplate(pvc: Json): void {
  if (!str(pvc.apiVersion)) pvc.apiVersion = 'v1';
  if (!str(pvc.kind)) pvc.kind = 'PersistentVolumeClaim';
  const meta = child(pvc, 'metadata');
  if (!('creationTimestamp' in meta)) meta.creationTimestamp = null;
  const spec = child(pvc, 'spec');
  if (!str(spec.volumeMode)) spec.volumeMode = 'Filesystem';
  const status = child(pvc, 'status');
  if (!str(status.phase)) status.phase = 'Pending';
}

export function defaultStatefulSet(s: KObject): void {
  const spec = child(s, 'spec');
  if (!str(spec.podManagementPolicy)) spec.podManagementPolicy = 'OrderedReady';
  const strategy = child(spec, 'updateStrategy');
  if (!str(strategy.type)) {
    strategy.type = 'RollingUpdate';
    if (!obj(strategy.rollingUpdate)) strategy.rollingUpdate = {};
  }
  const ru = obj(strategy.rollingUpdate);
  if (strategy.type === 'RollingUpdate' && ru && num(ru.partition) === undefined) ru.partition = 0;
  // StatefulSetAutoDeletePVC is on by default in 1.32
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  if (!str(retention.whenDeleted)) retention.whenDeleted = 'Retain';
  if (!str(retention.whenScaled)) retention.whenScaled = 'Retain';
  if (num(spec.replicas) === undefined) spec.replicas = 1;
  if (num(spec.revisionHistoryLimit) === undefined) spec.revisionHistoryLimit = 10;
  const template = child(spec, 'template');
  checkQuantities(obj(template.spec) ?? {}, 'StatefulSet', 'v1');
  defaultPodTemplateSpec(template);
  for (const pvc of objs(spec.volumeClaimTemplates)) defaultClaimTemplate(pvc);
}

export function statefulSetsDefinition(): ResourceDefinition {
  return {
    group: 'apps',
    version: 'v1',
    kind: 'StatefulSet',
    plural: 'statefulsets',
    singular: 'statefulset',
    namespaced: true,
    shortNames: ['sts'],
    categories: ['all'],
    storagePrefix: 'statefulsets',
    // ValidateStatefulSetName: DNS labels since 1.27 (the name becomes the pods' hostnames)
    nameValidation: 'dns1123Label',
    subresources: {
      status: true,
      scale: { specReplicasPath: 'spec.replicas', statusReplicasPath: 'status.replicas', labelSelectorPath: 'spec.selector' },
    },
    tracksGeneration: true,
    modelType: 'V1StatefulSet',
    strategy: {
      default: defaultStatefulSet,
      prepareForCreate(s) {
        // replicas and availableReplicas have no omitempty
        s.status = { replicas: 0, availableReplicas: 0 };
      },
      prepareForUpdate(s, old) {
        if (old.status === undefined) delete s.status;
        else s.status = old.status;
      },
      validate: validateStatefulSetSpec,
      validateUpdate: validateStatefulSetUpdate,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(s, old) {
        s.spec = old.spec;
        const status = child(s, 'status');
        if (num(status.replicas) === undefined) status.replicas = 0;
        if (num(status.availableReplicas) === undefined) status.availableReplicas = 0;
      },
      validateUpdate: validateStatefulSetStatusUpdate,
    },
    table: statefulSetTable,
  };
}
