/**
 * storage.k8s.io/v1 storageclasses: cluster-scoped; reclaimPolicy defaults to Delete and
 * volumeBindingMode to Immediate; provisioner, parameters, reclaimPolicy and volumeBindingMode
 * cannot change.
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { isQualifiedName, semanticEqual, validateImmutableField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { obj, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
const MAX_PARAMETERS = 512;

export function validateProvisionerName(provisioner: string, path: string): FieldError[] {
  if (provisioner.length === 0) return [fieldErrors.required(path, '')];
  return isQualifiedName(provisioner.toLowerCase()).map((m) => fieldErrors.invalid(path, provisioner, m));
}

function validateStorageClass(sc: KObject): FieldError[] {
  const errs = validateProvisionerName(str(sc.provisioner), 'provisioner');
  const params = obj(sc.parameters);
  if (params) {
    const keys = Object.keys(params);
    if (keys.length > MAX_PARAMETERS) errs.push(fieldErrors.tooMany('parameters', keys.length, MAX_PARAMETERS));
    if (keys.some((k) => k.length === 0)) errs.push(fieldErrors.invalid('parameters', '', 'field can not be empty.'));
  }
  if (sc.reclaimPolicy !== undefined && sc.reclaimPolicy !== null && !RECLAIM_POLICIES.includes(str(sc.reclaimPolicy))) {
    errs.push(fieldErrors.notSupported('reclaimPolicy', sc.reclaimPolicy, RECLAIM_POLICIES));
  }
  if (sc.volumeBindingMode === undefined || sc.volumeBindingMode === null) errs.push(fieldErrors.required('volumeBindingMode', ''));
  else if (!BINDING_MODES.includes(str(sc.volumeBindingMode))) errs.push(fieldErrors.notSupported('volumeBindingMode', sc.volumeBindingMode, BINDING_MODES));
  return errs;
}

function validateStorageClassUpdate(sc: KObject, old: KObject): FieldError[] {
  const errs = validateStorageClass(sc);
  if (!semanticEqual(sc.parameters ?? {}, old.parameters ?? {})) errs.push(fieldErrors.forbidden('parameters', 'updates to parameters are forbidden.'));
  if (str(sc.provisioner) !== str(old.provisioner)) errs.push(fieldErrors.forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (str(sc.reclaimPolicy) !== str(old.reclaimPolicy)) errs.push(fieldErrors.forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  errs.push(...validateImmutableField(sc.volumeBindingMode, old.volumeBindingMode, 'volumeBindingMode'));
  return errs;
}

/** storageutil.IsDefaultAnnotation */
export function isDefaultStorageClass(sc: KObject): boolean {
  const a = sc.metadata.annotations ?? {};
  return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
}

export function storageClassesDefinition(): ResourceDefinition {
  return {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'StorageClass',
    plural: 'storageclasses',
    singular: 'storageclass',
    namespaced: false,
    shortNames: ['sc'],
    modelType: 'V1StorageClass',
    strategy: {
      default: (sc) => {
        if (sc.reclaimPolicy === undefined || sc.reclaimPolicy === null) sc.reclaimPolicy = 'Delete';
        if (sc.volumeBindingMode === undefined || sc.volumeBindingMode === null) sc.volumeBindingMode = 'Immediate';
      },
      validate: validateStorageClass,
      validateUpdate: validateStorageClassUpdate,
    },
    table: {
      columns: [
        nameColumn(),
        column('Provisioner', 'string', 'Indicates the type of the provisioner.'),
        column('ReclaimPolicy', 'string', 'Indicates the type of the reclaim policy.'),
        column('VolumeBindingMode', 'string', 'Indicates the binding mode of the storage class.'),
        column('AllowVolumeExpansion', 'string', 'Indicates whether the storage class allows volume expand.'),
        ageColumn(),
      ],
      cells: (sc, now) => [
        isDefaultStorageClass(sc) ? `${sc.metadata.name ?? ''} (default)` : sc.metadata.name ?? '',
        str(sc.provisioner),
        str(sc.reclaimPolicy) || 'Delete',
        str(sc.volumeBindingMode) || 'Immediate',
        sc.allowVolumeExpansion === true,
        translateTimestampSince(sc.metadata.creationTimestamp, now),
      ],
    },
  };
}
