/**
 * ValidateObjectMeta / ValidateObjectMetaUpdate (apimachinery/pkg/api/validation/objectmeta.go),
 * with upstream's field paths, order and messages.
 */
import { FieldError, fieldErrors } from '../field-errors';
import { ObjectMeta } from '../types';
import { validateImmutableField, validateNonnegativeField } from './common';
import { validateFinalizers, validateNoNewFinalizers } from './finalizers';
import { goTimeString } from './go-values';
import { validateAnnotations, validateLabels } from './labels';
import { validateManagedFields } from './managed-fields';
import { NameValidationKind, validateName, validateNamespaceName } from './names';
import { validateOwnerReferences } from './owner-references';

function s(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/**
 * Metadata of a new object. Name generation has already happened; generateName is still checked
 * as a prefix. `namespaced` decides whether metadata.namespace is required or forbidden.
 */
export function validateObjectMeta(
  meta: ObjectMeta,
  namespaced: boolean,
  nameValidation: NameValidationKind,
  path = 'metadata',
): FieldError[] {
  const errs: FieldError[] = [];
  const generateName = s(meta.generateName);
  if (generateName) {
    for (const msg of validateName(nameValidation, generateName, true)) {
      errs.push(fieldErrors.invalid(`${path}.generateName`, generateName, msg));
    }
  }
  const name = s(meta.name);
  if (!name) errs.push(fieldErrors.required(`${path}.name`, 'name or generateName is required'));
  else for (const msg of validateName(nameValidation, name)) errs.push(fieldErrors.invalid(`${path}.name`, name, msg));
  errs.push(...validateObjectMetaCommon(meta, namespaced, path));
  return errs;
}

function validateObjectMetaCommon(meta: ObjectMeta, namespaced: boolean, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const ns = s(meta.namespace);
  if (namespaced) {
    if (!ns) errs.push(fieldErrors.required(`${path}.namespace`, ''));
    else for (const msg of validateNamespaceName(ns)) errs.push(fieldErrors.invalid(`${path}.namespace`, ns, msg));
  } else if (ns) {
    errs.push(fieldErrors.forbidden(`${path}.namespace`, 'not allowed on this type'));
  }
  if (typeof meta.generation === 'number') errs.push(...validateNonnegativeField(meta.generation, `${path}.generation`));
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(meta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateFinalizers(meta.finalizers, `${path}.finalizers`));
  errs.push(...validateManagedFields(meta.managedFields, `${path}.managedFields`));
  return errs;
}

/**
 * Metadata changes of an update: identity and timestamps are immutable, generation may not go
 * down, no finalizer may be added once deletion started. (metadata.resourceVersion presence is
 * the store's business: it fills it in for unconditional updates before storing.)
 */
export function validateObjectMetaUpdate(newMeta: ObjectMeta, oldMeta: ObjectMeta, path = 'metadata'): FieldError[] {
  const errs: FieldError[] = [];
  if (oldMeta.deletionTimestamp) {
    errs.push(...validateNoNewFinalizers(newMeta.finalizers, oldMeta.finalizers, `${path}.finalizers`));
  }
  const newGen = typeof newMeta.generation === 'number' ? newMeta.generation : 0;
  const oldGen = typeof oldMeta.generation === 'number' ? oldMeta.generation : 0;
  if (newGen < oldGen) errs.push(fieldErrors.invalid(`${path}.generation`, newGen, 'must not be decremented'));

  errs.push(...validateImmutableField(s(newMeta.name), s(oldMeta.name), `${path}.name`));
  errs.push(...validateImmutableField(s(newMeta.namespace), s(oldMeta.namespace), `${path}.namespace`));
  errs.push(...validateImmutableField(s(newMeta.uid), s(oldMeta.uid), `${path}.uid`));
  errs.push(
    ...validateImmutableField(newMeta.creationTimestamp ?? '', oldMeta.creationTimestamp ?? '', `${path}.creationTimestamp`, goTimeString(newMeta.creationTimestamp)),
  );
  errs.push(
    ...validateImmutableField(
      newMeta.deletionTimestamp,
      oldMeta.deletionTimestamp,
      `${path}.deletionTimestamp`,
      newMeta.deletionTimestamp ? goTimeString(newMeta.deletionTimestamp) : '"null"',
    ),
  );
  errs.push(...validateImmutableField(newMeta.deletionGracePeriodSeconds, oldMeta.deletionGracePeriodSeconds, `${path}.deletionGracePeriodSeconds`));

  errs.push(...validateLabels(newMeta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(newMeta.annotations, `${path}.annotations`));
  errs.push(...validateOwnerReferences(newMeta.ownerReferences, `${path}.ownerReferences`));
  errs.push(...validateManagedFields(newMeta.managedFields, `${path}.managedFields`));
  return errs;
}
