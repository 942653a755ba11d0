/**
 * validateStructuralMetadataInvariants (apiextensions-apiserver schema/validation.go): at the root
 * of a schema and of every `x-kubernetes-embedded-resource`, `apiVersion` and `kind` must be
 * strings, `metadata` an object that specifies nothing but `name` and `generateName`.
 */
import { FieldError, fieldErrors } from '../../apimachinery/src/field-errors';
import { JSONSchemaProps } from './schema';

/** keys of a metadata schema that do not make it "specified" (types, docs, default, name/generateName) */
const ALLOWED_METADATA_KEYS = new Set(['type', 'description', 'title', 'default', 'nullable', 'properties']);

export function validateMetadataInvariants(s: JSONSchemaProps, path: string, resourceRoot: boolean): FieldError[] {
  if (!resourceRoot || !s.properties) return [];
  const errs: FieldError[] = [];
  const props = s.properties;
  for (const k of ['apiVersion', 'kind']) {
    const t = props[k]?.type;
    if (t && t !== 'string') errs.push(fieldErrors.invalid(`${path}.properties[${k}].type`, t, 'must be string'));
  }
  const metadata = props.metadata;
  if (metadata) {
    if (metadata.type && metadata.type !== 'object') errs.push(fieldErrors.invalid(`${path}.properties[metadata].type`, metadata.type, 'must be object'));
    const extraKeys = Object.keys(metadata).filter((k) => !ALLOWED_METADATA_KEYS.has(k) && (metadata as Record<string, unknown>)[k] !== undefined);
    const extraProps = Object.keys(metadata.properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName');
    if (extraKeys.length > 0 || extraProps.length > 0) {
      errs.push(fieldErrors.forbidden(`${path}.properties[metadata]`, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
    }
  }
  return errs;
}
