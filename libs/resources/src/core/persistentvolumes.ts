/** core/v1 persistent volumes: cluster-scoped, status; reclaim policy Retain, volume mode Filesystem, phase Pending. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, obj, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { accessModesString, checkQuantityLists, printedPhase, storageClassOf, validateAccessModes, validateVolumeMode } from './volume-claims-common';

const VOLUME_SOURCES = [
  'hostPath', 'gcePersistentDisk', 'awsElasticBlockStore', 'nfs', 'iscsi', 'glusterfs', 'rbd', 'cinder', 'cephfs', 'fc', 'flocker',
  'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local',
  'storageos', 'csi',
];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];

function nowTime(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function defaultPV(pv: KObject): void {
  const spec = child(pv, 'spec');
  checkQuantityLists('PersistentVolume', [obj(spec.capacity)]);
  if (!str(spec.persistentVolumeReclaimPolicy)) spec.persistentVolumeReclaimPolicy = 'Retain';
  if (spec.volumeMode === undefined || spec.volumeMode === null) spec.volumeMode = 'Filesystem';
  const status = child(pv, 'status');
  if (!str(status.phase)) status.phase = 'Pending';
}

function validatePV(pv: KObject): FieldError[] {
  const spec = obj(pv.spec) ?? {};
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', '');
  const capacity = obj(spec.capacity);
  if (!capacity || Object.keys(capacity).length === 0) errs.push(fieldErrors.required('spec.capacity', ''));
  else if (!('storage' in capacity) || Object.keys(capacity).length > 1) errs.push(fieldErrors.notSupported('spec.capacity', Object.keys(capacity), ['storage']));
  const policy = str(spec.persistentVolumeReclaimPolicy);
  if (policy && !RECLAIM_POLICIES.includes(policy)) errs.push(fieldErrors.notSupported('spec.persistentVolumeReclaimPolicy', policy, RECLAIM_POLICIES));
  const sources = VOLUME_SOURCES.filter((s) => obj(spec[s]));
  if (sources.length === 0) errs.push(fieldErrors.required('spec', 'must specify a volume type'));
  else if (sources.length > 1) errs.push(fieldErrors.forbidden(`spec.${sources[1]}`, 'may not specify more than 1 volume type'));
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  return errs;
}

export function persistentVolumesDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'PersistentVolume',
    plural: 'persistentvolumes',
    singular: 'persistentvolume',
    namespaced: false,
    shortNames: ['pv'],
    storagePrefix: 'persistentvolumes',
    subresources: { status: true },
    modelType: 'V1PersistentVolume',
    strategy: {
      default: defaultPV,
      prepareForCreate(pv) {
        // a new volume starts Pending whatever the body says (PersistentVolumeLastPhaseTransitionTime is GA)
        pv.status = { phase: 'Pending', lastPhaseTransitionTime: nowTime() };
      },
      prepareForUpdate(pv, old) {
        pv.status = old.status;
      },
      validate: validatePV,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(pv, old) {
        pv.spec = old.spec;
        // a phase change records its time unless the writer set a new one
        const status = child(pv, 'status');
        const oldStatus = obj(old.status) ?? {};
        if (str(status.phase) !== str(oldStatus.phase) && (!status.lastPhaseTransitionTime || status.lastPhaseTransitionTime === oldStatus.lastPhaseTransitionTime)) {
          status.lastPhaseTransitionTime = nowTime();
        }
      },
      validateUpdate: () => [],
    },
    table: {
      columns: [
        nameColumn(),
        column('Capacity', 'string', 'Storage capacity of the volume.'),
        column('Access Modes', 'string', 'Access modes of the volume.'),
        column('Reclaim Policy', 'string', 'What happens to the volume when released.'),
        column('Status', 'string', 'Phase of the volume.'),
        column('Claim', 'string', 'The claim bound to the volume.'),
        column('StorageClass', 'string', 'Storage class of the volume.'),
        column('VolumeAttributesClass', 'string', 'Volume attributes class of the volume.'),
        column('Reason', 'string', 'Reason for the phase.'),
        ageColumn(),
        column('VolumeMode', 'string', 'Block or Filesystem.', 1),
      ],
      cells(pv, now) {
        const spec = obj(pv.spec) ?? {};
        const ref = obj(spec.claimRef);
        return [
          pv.metadata.name ?? '',
          String(obj(spec.capacity)?.storage ?? '0'),
          accessModesString(spec.accessModes),
          str(spec.persistentVolumeReclaimPolicy),
          printedPhase(pv),
          ref ? `${str(ref.namespace)}/${str(ref.name)}` : '',
          storageClassOf(pv),
          str(spec.volumeAttributesClassName) || '<unset>',
          str(obj(pv.status)?.reason),
          translateTimestampSince(pv.metadata.creationTimestamp, now),
          str(spec.volumeMode) || '<unset>',
        ];
      },
    },
  };
}
