/** storage.k8s.io/v1 csidrivers: cluster-scoped; SetDefaults_CSIDriver; attachRequired, fsGroupPolicy and modes immutable. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { validateImmutableField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, obj, objs, str, strs } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { validateCSIDriverName } from './csi-names';

const FS_GROUP_POLICIES = ['File', 'None', 'ReadWriteOnceWithFSType'];
const LIFECYCLE_MODES = ['Ephemeral', 'Persistent'];

export function defaultCSIDriver(d: KObject): void {
  const spec = child(d, 'spec');
  const set = (k: string, v: unknown) => {
    if (spec[k] === undefined || spec[k] === null) spec[k] = v;
  };
  set('attachRequired', true);
  set('podInfoOnMount', false);
  set('storageCapacity', false);
  set('fsGroupPolicy', 'ReadWriteOnceWithFSType');
  if (!Array.isArray(spec.volumeLifecycleModes) || spec.volumeLifecycleModes.length === 0) spec.volumeLifecycleModes = ['Persistent'];
  set('requiresRepublish', false);
  set('seLinuxMount', false);
}

function validateCSIDriver(d: KObject): FieldError[] {
  const errs = validateCSIDriverName(d.metadata.name ?? '', 'name');
  const spec = obj(d.spec) ?? {};
  for (const k of ['attachRequired', 'podInfoOnMount', 'storageCapacity', 'requiresRepublish']) {
    if (typeof spec[k] !== 'boolean') errs.push(fieldErrors.required(`spec.${k}`, ''));
  }
  if (spec.fsGroupPolicy !== undefined && spec.fsGroupPolicy !== null && !FS_GROUP_POLICIES.includes(str(spec.fsGroupPolicy))) {
    errs.push(fieldErrors.notSupported('spec.fsGroupPolicy', spec.fsGroupPolicy, FS_GROUP_POLICIES));
  }
  for (const m of strs(spec.volumeLifecycleModes)) {
    if (!LIFECYCLE_MODES.includes(m)) errs.push(fieldErrors.notSupported('spec.volumeLifecycleModes', m, LIFECYCLE_MODES));
  }
  const audiences = new Set<string>();
  objs(spec.tokenRequests).forEach((t, i) => {
    const aud = str(t.audience);
    if (audiences.has(aud)) errs.push(fieldErrors.duplicate(`spec.tokenRequests[${i}].audience`, aud));
    audiences.add(aud);
    if (typeof t.expirationSeconds === 'number') {
      if (t.expirationSeconds < 600) errs.push(fieldErrors.invalid(`spec.tokenRequests[${i}].expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes'));
      if (t.expirationSeconds > 4294967296) errs.push(fieldErrors.invalid(`spec.tokenRequests[${i}].expirationSeconds`, t.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
    }
  });
  return errs;
}

function validateCSIDriverUpdate(d: KObject, old: KObject): FieldError[] {
  const spec = obj(d.spec) ?? {};
  const oldSpec = obj(old.spec) ?? {};
  return [
    ...validateCSIDriver(d),
    ...validateImmutableField(spec.attachRequired, oldSpec.attachRequired, 'spec.attachRequired'),
    ...validateImmutableField(spec.fsGroupPolicy, oldSpec.fsGroupPolicy, 'spec.fsGroupPolicy'),
    ...validateImmutableField(spec.volumeLifecycleModes, oldSpec.volumeLifecycleModes, 'volumeLifecycleModes'),
  ];
}

export function csiDriversDefinition(): ResourceDefinition {
  return {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'CSIDriver',
    plural: 'csidrivers',
    singular: 'csidriver',
    namespaced: false,
    modelType: 'V1CSIDriver',
    strategy: { default: defaultCSIDriver, validate: validateCSIDriver, validateUpdate: validateCSIDriverUpdate },
    table: {
      columns: [
        nameColumn(),
        column('AttachRequired', 'boolean', 'attachRequired indicates this CSI volume driver requires an attach operation.'),
        column('PodInfoOnMount', 'boolean', 'podInfoOnMount indicates this CSI volume driver requires additional pod information during mount operations.'),
        column('StorageCapacity', 'boolean', 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity.'),
        column('TokenRequests', 'string', 'tokenRequests indicates the CSI driver needs pods\' service account tokens it is mounting volume for to do necessary authentication.'),
        column('RequiresRepublish', 'boolean', 'requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called.'),
        column('Modes', 'string', 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.'),
        ageColumn(),
      ],
      cells: (d, now) => {
        const spec = obj(d.spec) ?? {};
        const modes = strs(spec.volumeLifecycleModes).join(',');
        const tokenRequests = Array.isArray(spec.tokenRequests) ? objs(spec.tokenRequests).map((t) => str(t.audience)).join(',') : '<unset>';
        return [
          d.metadata.name ?? '',
          spec.attachRequired !== false,
          spec.podInfoOnMount === true,
          spec.storageCapacity === true,
          tokenRequests,
          spec.requiresRepublish === true,
          modes || '<none>',
          translateTimestampSince(d.metadata.creationTimestamp, now),
        ];
      },
    },
  };
}
