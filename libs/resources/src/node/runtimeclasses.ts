/** node.k8s.io/v1 runtimeclasses: cluster-scoped; `handler` is a DNS-1123 label and immutable. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { isDNS1123Label, validateImmutableField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { obj, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

function validateRuntimeClass(rc: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const handler = str(rc.handler);
  for (const m of isDNS1123Label(handler)) errs.push(fieldErrors.invalid('handler', handler, m));
  const overhead = obj(rc.overhead);
  if (overhead && overhead.podFixed !== undefined && !obj(overhead.podFixed)) errs.push(fieldErrors.invalid('overhead.podFixed', overhead.podFixed, 'must be a map'));
  return errs;
}

export function runtimeClassesDefinition(): ResourceDefinition {
  return {
    group: 'node.k8s.io',
    version: 'v1',
    kind: 'RuntimeClass',
    plural: 'runtimeclasses',
    singular: 'runtimeclass',
    namespaced: false,
    modelType: 'V1RuntimeClass',
    strategy: {
      validate: validateRuntimeClass,
      validateUpdate: (rc, old) => [...validateRuntimeClass(rc), ...validateImmutableField(str(rc.handler), str(old.handler), 'handler')],
    },
    table: {
      columns: [nameColumn(), column('Handler', 'string', 'Handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.'), ageColumn()],
      cells: (rc, now) => [rc.metadata.name ?? '', str(rc.handler), translateTimestampSince(rc.metadata.creationTimestamp, now)],
    },
  };
}
