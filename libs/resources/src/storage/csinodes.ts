/** storage.k8s.io/v1 csinodes: cluster-scoped, one per node; drivers need a name and a nodeID. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, obj, objs, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { validateCSIDriverName } from './csi-names';

const NODE_ID_MAX_LENGTH = 192;

function validateCSINode(n: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  objs(obj(n.spec)?.drivers).forEach((d, i) => {
    const p = `spec.drivers[${i}]`;
    const name = str(d.name);
    errs.push(...validateCSIDriverName(name, `${p}.name`));
    if (names.has(name)) errs.push(fieldErrors.duplicate(`${p}.name`, name));
    names.add(name);
    const nodeID = str(d.nodeID);
    if (!nodeID) errs.push(fieldErrors.required(`${p}.nodeID`, ''));
    else if (nodeID.length > NODE_ID_MAX_LENGTH) errs.push(fieldErrors.tooLong(`${p}.nodeID`, nodeID, NODE_ID_MAX_LENGTH));
    const count = obj(d.allocatable)?.count;
    if (typeof count === 'number' && count < 0) errs.push(fieldErrors.invalid(`${p}.allocatable.count`, count, 'must be greater than or equal to 0'));
  });
  return errs;
}

export function csiNodesDefinition(): ResourceDefinition {
  return {
    group: 'storage.k8s.io',
    version: 'v1',
    kind: 'CSINode',
    plural: 'csinodes',
    singular: 'csinode',
    namespaced: false,
    modelType: 'V1CSINode',
    strategy: {
      default: (n) => {
        const spec = child(n, 'spec');
        if (!Array.isArray(spec.drivers)) spec.drivers = [];
      },
      validate: validateCSINode,
    },
    table: {
      columns: [nameColumn(), column('Drivers', 'integer', 'Drivers indicates the number of CSI drivers registered on the node'), ageColumn()],
      cells: (n, now) => [n.metadata.name ?? '', objs(obj(n.spec)?.drivers).length, translateTimestampSince(n.metadata.creationTimestamp, now)],
    },
  };
}
