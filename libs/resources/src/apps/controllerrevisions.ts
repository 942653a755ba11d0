/** apps/v1 controller revisions: immutable data snapshots written by the workload controllers. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { validateImmutableField, validateNonnegativeField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { num } from '../common/json';
import { controllerRevisionTable } from './set-tables';

function validateControllerRevision(cr: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (cr.data === undefined || cr.data === null) errs.push(fieldErrors.required('data', 'data is mandatory'));
  errs.push(...validateNonnegativeField(num(cr.revision) ?? 0, 'revision'));
  return errs;
}

export function controllerRevisionsDefinition(): ResourceDefinition {
  return {
    group: 'apps',
    version: 'v1',
    kind: 'ControllerRevision',
    plural: 'controllerrevisions',
    singular: 'controllerrevision',
    namespaced: true,
    storagePrefix: 'controllerrevisions',
    modelType: 'V1ControllerRevision',
    strategy: {
      default(cr) {
        // revision is an int64 without omitempty
        if (num(cr.revision) === undefined) cr.revision = 0;
      },
      validate: validateControllerRevision,
      validateUpdate: (cr, old) => [
        ...validateControllerRevision(cr),
        ...validateImmutableField(cr.data, old.data, 'data', 'runtime.RawExtension{...}'),
      ],
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    table: controllerRevisionTable,
  };
}
