/**
 * core/v1 persistent volume claims: volume mode Filesystem, phase Pending, status subresource;
 * the spec is immutable after creation except resources.requests, volumeAttributesClassName and
 * a volumeName set for the first time (binding).
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { semanticEqual } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, Json, obj, str } from '../common/json';
import { parseQuantity } from '../common/quantity';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { accessModesString, checkQuantityLists, printedPhase, storageClassOf, validateAccessModes, validateVolumeMode } from './volume-claims-common';

function defaultPVC(pvc: KObject): void {
  const spec = child(pvc, 'spec');
  const res = obj(spec.resources);
  checkQuantityLists('PersistentVolumeClaim', [obj(res?.requests), obj(res?.limits), obj(obj(pvc.status)?.capacity)]);
  if (spec.volumeMode === undefined || spec.volumeMode === null) spec.volumeMode = 'Filesystem';
  const status = child(pvc, 'status');
  if (!str(status.phase)) status.phase = 'Pending';
}

function validatePVC(pvc: KObject): FieldError[] {
  const spec = obj(pvc.spec) ?? {};
  const errs = validateAccessModes(spec.accessModes, 'spec.accessModes', 'at least 1 access mode is required');
  const requests = obj(obj(spec.resources)?.requests) ?? {};
  if (!('storage' in requests)) errs.push(fieldErrors.required('spec.resources[storage]', ''));
  else {
    const v = parseQuantity(requests.storage);
    if (v !== null && v <= 0n) errs.push(fieldErrors.invalid('spec.resources[storage]', String(requests.storage), 'must be greater than zero'));
  }
  errs.push(...validateVolumeMode(spec.volumeMode, 'spec.volumeMode'));
  return errs;
}

function validatePVCUpdate(pvc: KObject, old: KObject): FieldError[] {
  const errs = validatePVC(pvc);
  const spec = { ...(obj(pvc.spec) ?? {}) } as Json;
  const oldSpec = { ...(obj(old.spec) ?? {}) } as Json;
  // the fields allowed to change are compared as equal
  for (const s of [spec, oldSpec]) {
    s.resources = { ...(obj(s.resources) ?? {}), requests: undefined };
    delete s.volumeAttributesClassName;
  }
  if (!str(oldSpec.volumeName)) {
    delete spec.volumeName;
    delete oldSpec.volumeName;
  }
  if (!semanticEqual(JSON.parse(JSON.stringify(spec)), JSON.parse(JSON.stringify(oldSpec)))) {
    errs.push(fieldErrors.forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }
  return errs;
}

export function persistentVolumeClaimsDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    singular: 'persistentvolumeclaim',
    namespaced: true,
    shortNames: ['pvc'],
    storagePrefix: 'persistentvolumeclaims',
    subresources: { status: true },
    modelType: 'V1PersistentVolumeClaim',
    strategy: {
      default: defaultPVC,
      prepareForCreate(pvc) {
        pvc.status = { phase: 'Pending' };
      },
      prepareForUpdate(pvc, old) {
        pvc.status = old.status;
      },
      validate: validatePVC,
      validateUpdate: validatePVCUpdate,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(pvc, old) {
        pvc.spec = old.spec;
      },
      validateUpdate: () => [],
    },
    table: {
      columns: [
        nameColumn(),
        column('Status', 'string', 'Phase of the claim.'),
        column('Volume', 'string', 'The volume bound to the claim.'),
        column('Capacity', 'string', 'Capacity of the bound volume.'),
        column('Access Modes', 'string', 'Access modes of the bound volume.'),
        column('StorageClass', 'string', 'Storage class of the claim.'),
        column('VolumeAttributesClass', 'string', 'Volume attributes class of the claim.'),
        ageColumn(),
        column('VolumeMode', 'string', 'Block or Filesystem.', 1),
      ],
      cells(pvc, now) {
        const spec = obj(pvc.spec) ?? {};
        const status = obj(pvc.status) ?? {};
        const bound = str(spec.volumeName) !== '';
        return [
          pvc.metadata.name ?? '',
          printedPhase(pvc),
          str(spec.volumeName),
          bound ? String(obj(status.capacity)?.storage ?? '0') : '',
          bound ? accessModesString(status.accessModes) : '',
          storageClassOf(pvc),
          str(spec.volumeAttributesClassName) || '<unset>',
          translateTimestampSince(pvc.metadata.creationTimestamp, now),
          str(spec.volumeMode) || '<unset>',
        ];
      },
    },
  };
}
