/**
 * core/v1 bindings: POST /api/v1/namespaces/<ns>/bindings (and pods/<name>/binding) assign a pod
 * to a node. Nothing is stored under this resource: the handler (apps/apiserver handlers/binding.ts)
 * writes the pod through the pods `binding` subresource strategy.
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { ResourceDefinition } from '../../../registry/src/resource';
import { obj, str } from '../common/json';
import { column, nameColumn } from '../printing/columns';

/** ValidatePodBinding */
export function validateBinding(b: KObject): FieldError[] {
  const target = obj(b.target) ?? {};
  const errs: FieldError[] = [];
  const kind = str(target.kind);
  if (kind !== '' && kind !== 'Node') errs.push(fieldErrors.notSupported('target.kind', kind, ['Node', '<empty>']));
  if (str(target.name) === '') errs.push(fieldErrors.required('target.name', ''));
  return errs;
}

export function bindingsDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'Binding',
    plural: 'bindings',
    singular: 'binding',
    namespaced: true,
    verbs: ['create'],
    modelType: 'V1Binding',
    strategy: { validate: validateBinding },
    // no printer upstream: the default table (Name, Created At)
    table: {
      columns: [nameColumn(), column('Created At', 'date', 'Time the object was created.')],
      cells: (b) => [b.metadata.name ?? '', b.metadata.creationTimestamp ?? ''],
    },
  };
}
