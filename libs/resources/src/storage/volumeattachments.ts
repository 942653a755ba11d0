/** storage.k8s.io/v1 volumeattachments: cluster-scoped, status subresource, spec immutable. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { isDNS1123Subdomain, semanticEqual } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, obj, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { validateCSIDriverName } from './csi-names';

function validateVolumeAttachment(va: KObject): FieldError[] {
  const spec = obj(va.spec) ?? {};
  const errs = validateCSIDriverName(str(spec.attacher), 'spec.attacher');
  const source = obj(spec.source) ?? {};
  const hasPV = typeof source.persistentVolumeName === 'string';
  const hasInline = obj(source.inlineVolumeSpec) !== undefined;
  if (!hasPV && !hasInline) errs.push(fieldErrors.required('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (hasPV && hasInline) errs.push(fieldErrors.forbidden('spec.source', 'must specify exactly one of inlineVolumeSpec and persistentVolumeName'));
  else if (hasPV && str(source.persistentVolumeName) === '') {
    errs.push(fieldErrors.required('spec.source.persistentVolumeName', 'must specify non empty persistentVolumeName'));
  }
  const nodeName = str(spec.nodeName);
  for (const m of isDNS1123Subdomain(nodeName)) errs.push(fieldErrors.invalid('spec.nodeName', nodeName, m));
  return errs;
}

function validateVolumeAttachmentUpdate(va: KObject, old: KObject): FieldError[] {
  const errs = validateVolumeAttachment(va);
  if (!semanticEqual(va.spec, old.spec)) errs.push(fieldErrors.invalid('spec', va.spec, 'field is immutable'));
  return errs;
}

export function volumeAttachmentsDefinition(): ResourceDefinition {
  return {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'VolumeAttachment',
    plural: 'volumeattachments',
    singular: 'volumeattachment',
    namespaced: false,
    modelType: 'V1VolumeAttachment',
    subresources: { status: true },
    strategy: {
      default: (va) => void child(va, 'spec'),
      prepareForCreate: (va) => {
        va.status = { attached: false };
      },
      validate: validateVolumeAttachment,
      validateUpdate: validateVolumeAttachmentUpdate,
    },
    table: {
      columns: [
        nameColumn(),
        { ...column('Attacher', 'string', 'Attacher indicates the name of the volume driver that MUST handle this request.'), format: 'name' },
        column('PV', 'string', 'Name of the persistent volume that is being attached.'),
        column('Node', 'string', 'The node that the volume should be attached to.'),
        column('Attached', 'boolean', 'Indicates the volume is successfully attached.'),
        ageColumn(),
      ],
      cells: (va, now) => {
        const spec = obj(va.spec) ?? {};
        return [
          va.metadata.name ?? '',
          str(spec.attacher),
          str(obj(spec.source)?.persistentVolumeName),
          str(spec.nodeName),
          obj(va.status)?.attached === true,
          translateTimestampSince(va.metadata.creationTimestamp, now),
        ];
      },
    },
  };
}
