/**
 * The `NonStructuralSchema` condition (apiextensions-apiserver's nonstructuralschema controller):
 * True with reason `Violations` and the aggregated structural-schema errors of every version's
 * schema when a stored CRD is not structural (possible for CRDs written to storage directly or
 * migrated from v1beta1); absent otherwise. The API rejects such schemas on create/update (422).
 */
import { aggregateMessage, fieldErrorString, FieldError } from '../../apimachinery/src/field-errors';
import { KObject } from '../../apimachinery/src/types';
import { validateStructural } from './crd-validation';
import { JSONSchemaProps } from './schema';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const NON_STRUCTURAL_SCHEMA = 'NonStructuralSchema';

export interface NonStructuralCondition {
  type: typeof NON_STRUCTURAL_SCHEMA;
  status: 'True';
  reason: 'Violations';
  message: string;
}

/** Errors of validateStructural that are not structural-schema violations (CEL, patterns, defaults). */
const notStructural = (e: FieldError): boolean => /\.x-kubernetes-validations\[|\.pattern$|\.default$/.test(e.field);

/** The structural-schema violations of every version (upstream calculateCondition). */
export function structuralViolations(crd: KObject): FieldError[] {
  const spec = isObj(crd.spec) ? crd.spec : {};
  const errs: FieldError[] = [];
  if (spec.preserveUnknownFields === true) {
    errs.push({ type: 'FieldValueInvalid', field: 'spec.preserveUnknownFields', value: true, detail: 'must be false' });
  }
  const versions = Array.isArray(spec.versions) ? (spec.versions as unknown[]) : [];
  versions.forEach((v, i) => {
    const schema = isObj(v) && isObj(v.schema) && isObj(v.schema.openAPIV3Schema) ? (v.schema.openAPIV3Schema as JSONSchemaProps) : undefined;
    if (!schema) return;
    const found: FieldError[] = [];
    validateStructural(schema, `spec.versions[${i}].schema.openAPIV3Schema`, found, { root: true });
    errs.push(...found.filter((e) => !notStructural(e)));
  });
  return errs;
}

/** The condition to set, or undefined when the CRD's schemas are structural (remove the condition). */
export function nonStructuralCondition(crd: KObject): NonStructuralCondition | undefined {
  const errs = structuralViolations(crd);
  if (errs.length === 0) return undefined;
  return { type: NON_STRUCTURAL_SCHEMA, status: 'True', reason: 'Violations', message: aggregateMessage(errs.map(fieldErrorString)) };
}
