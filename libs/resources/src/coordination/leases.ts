/** coordination.k8s.io/v1 leases: PUT may create, but updates must carry a resourceVersion. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, num, obj, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

/** CoordinatedLeaderElection is off by default in 1.32: its fields are dropped unless already in use. */
function dropDisabledFields(lease: KObject, old?: KObject): void {
  const spec = obj(lease.spec);
  const oldSpec = obj(old?.spec) ?? {};
  if (!spec) return;
  if (oldSpec.strategy === undefined) delete spec.strategy;
  if (oldSpec.preferredHolder === undefined) delete spec.preferredHolder;
}

function validateLease(lease: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(lease.spec) ?? {};
  const duration = num(spec.leaseDurationSeconds);
  if (duration !== undefined && duration <= 0) errs.push(fieldErrors.invalid('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  const transitions = num(spec.leaseTransitions);
  if (transitions !== undefined && transitions < 0) {
    errs.push(fieldErrors.invalid('spec.leaseTransitions', transitions, 'must be greater than or equal to 0'));
  }
  if (str(spec.preferredHolder) && !str(spec.holderIdentity)) {
    errs.push(fieldErrors.forbidden('spec.preferredHolder', 'may only be specified if `holderIdentity` is set'));
  }
  return errs;
}

export function leasesDefinition(): ResourceDefinition {
  return {
    group: 'coordination.k8s.io',
    version: 'v1',
    kind: 'Lease',
    plural: 'leases',
    singular: 'lease',
    namespaced: true,
    storagePrefix: 'leases',
    modelType: 'V1Lease',
    strategy: {
      // LeaseSpec is a struct: always serialized
      default: (lease) => void child(lease, 'spec'),
      prepareForCreate: (lease) => dropDisabledFields(lease),
      prepareForUpdate: (lease, old) => dropDisabledFields(lease, old),
      validate: validateLease,
      allowCreateOnUpdate: true,
      allowUnconditionalUpdate: false,
    },
    table: {
      columns: [nameColumn(), column('Holder', 'string', 'Identity of the current holder of the lease.'), ageColumn()],
      cells: (lease, now) => [
        lease.metadata.name ?? '',
        str(obj(lease.spec)?.holderIdentity),
        translateTimestampSince(lease.metadata.creationTimestamp, now),
      ],
    },
  };
}
