/**
 * Definitions of apimachinery types that are not generated model classes in client-node
 * (client-node maps them to plain strings/objects), plus the per-field overrides that say
 * where those types are used.
 */
import { INTSTR, META_V1, RESOURCE, RUNTIME } from './go-packages';
import { Schema } from './schema-types';

const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

export const TIME = `${META_V1}.Time`;
export const MICRO_TIME = `${META_V1}.MicroTime`;
export const FIELDS_V1 = `${META_V1}.FieldsV1`;
export const PATCH = `${META_V1}.Patch`;
export const INT_OR_STRING = `${INTSTR}.IntOrString`;
export const QUANTITY = `${RESOURCE}.Quantity`;
export const RAW_EXTENSION = `${RUNTIME}.RawExtension`;

export const SPECIAL_DEFINITIONS: Record<string, Schema> = {
  [TIME]: {
    description:
      'Time is a timestamp, serialized in JSON and YAML as an RFC 3339 string with second precision.',
    type: 'string',
    format: 'date-time',
  },
  [MICRO_TIME]: {
    description: 'MicroTime is version of Time with microsecond level precision.',
    type: 'string',
    format: 'date-time',
  },
  [FIELDS_V1]: {
    description:
      "FieldsV1 stores a set of fields in a trie-like JSON structure. Each key is either '.' (the field itself, mapping to an empty set) or one of 'f:<name>' (a struct field or map key), 'v:<value>' (a list item by its JSON value), 'i:<index>' (a list item by position) or 'k:<keys>' (a list item by its key fields). The exact format is defined in sigs.k8s.io/structured-merge-diff",
    type: 'object',
  },
  [PATCH]: {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  },
  [INT_OR_STRING]: {
    description:
      'IntOrString holds either an int32 or a string. In JSON and YAML it is serialized as the inner value, so a field of this type accepts a number or a name.',
    type: 'string',
    format: 'int-or-string',
  },
  [QUANTITY]: {
    description:
      "Quantity is a fixed-point representation of a number, serialized as a string: a signed decimal number followed by an optional suffix, either a binary SI suffix (Ki, Mi, Gi, Ti, Pi, Ei), a decimal SI suffix (m, \"\", k, M, G, T, P, E) or a decimal exponent (e<n> / E<n>). Values are limited to 2^63-1 in magnitude and 3 decimal places (more precise values are rounded up), and keep the suffix type they were parsed with when serialized again.",
    type: 'string',
  },
  [RAW_EXTENSION]: {
    description:
      'RawExtension holds an embedded object of any kind, kept as raw JSON in versioned types.',
    type: 'object',
  },
  [`${APIEXT}.JSON`]: {
    description:
      'JSON represents any valid JSON value. These types are supported: bool, int64, float64, string, []interface{}, map[string]interface{} and nil.',
  },
  [`${APIEXT}.JSONSchemaPropsOrArray`]: {
    description: 'JSONSchemaPropsOrArray represents a value that can either be a JSONSchemaProps or an array of JSONSchemaProps. Mainly here for serialization purposes.',
  },
  [`${APIEXT}.JSONSchemaPropsOrBool`]: {
    description: 'JSONSchemaPropsOrBool represents JSONSchemaProps or a boolean value. Defaults to true for the boolean property.',
  },
  [`${APIEXT}.JSONSchemaPropsOrStringArray`]: {
    description: 'JSONSchemaPropsOrStringArray represents a JSONSchemaProps or a string array.',
  },
};

const ref = (name: string): Schema => ({ $ref: `#/definitions/${name}` });

/**
 * Schemas for fields whose client-node type loses the upstream type (`any`, plain strings/maps that are
 * Quantities, JSON-schema unions). Keyed by `Model.jsonField`; the value replaces the field's type
 * (description and extensions are still added).
 */
export const FIELD_TYPE_OVERRIDES: Record<string, Schema> = {
  'V1ManagedFieldsEntry.fieldsV1': ref(FIELDS_V1),
  'V1JSONSchemaProps.additionalItems': ref(`${APIEXT}.JSONSchemaPropsOrBool`),
  'V1JSONSchemaProps.additionalProperties': ref(`${APIEXT}.JSONSchemaPropsOrBool`),
  'V1JSONSchemaProps.items': ref(`${APIEXT}.JSONSchemaPropsOrArray`),
  'V1JSONSchemaProps.default': ref(`${APIEXT}.JSON`),
  'V1JSONSchemaProps.example': ref(`${APIEXT}.JSON`),
  'V1JSONSchemaProps.enum': { type: 'array', items: ref(`${APIEXT}.JSON`) },
  'V1JSONSchemaProps.dependencies': { type: 'object', additionalProperties: ref(`${APIEXT}.JSONSchemaPropsOrStringArray`) },
  'V1CustomResourceSubresources.status': { type: 'object' },
  'V1alpha1StorageVersion.spec': { type: 'object' },
};

const QUANTITY_MAPS: Record<string, string[]> = {
  V1ResourceRequirements: ['limits', 'requests'],
  V1VolumeResourceRequirements: ['limits', 'requests'],
  V1ResourceQuotaSpec: ['hard'],
  V1ResourceQuotaStatus: ['hard', 'used'],
  V1LimitRangeItem: ['default', 'defaultRequest', 'max', 'maxLimitRequestRatio', 'min'],
  V1NodeStatus: ['allocatable', 'capacity'],
  V1PersistentVolumeSpec: ['capacity'],
  V1PersistentVolumeClaimStatus: ['allocatedResources', 'capacity'],
  V1PodSpec: ['overhead'],
  V1Overhead: ['podFixed'],
  V1ContainerStatus: ['allocatedResources'],
  V1alpha3BasicDevice: ['capacity'],
};

const QUANTITY_SCALARS: Record<string, string[]> = {
  V1EmptyDirVolumeSource: ['sizeLimit'],
  V1ResourceFieldSelector: ['divisor'],
  V1CSIStorageCapacity: ['capacity', 'maximumVolumeSize'],
  V2MetricTarget: ['averageValue', 'value'],
  V2MetricValueStatus: ['averageValue', 'value'],
  V1beta1DeviceCapacity: ['value'],
};

for (const [model, fields] of Object.entries(QUANTITY_MAPS)) {
  for (const f of fields) FIELD_TYPE_OVERRIDES[`${model}.${f}`] = { type: 'object', additionalProperties: ref(QUANTITY) };
}
for (const [model, fields] of Object.entries(QUANTITY_SCALARS)) {
  for (const f of fields) FIELD_TYPE_OVERRIDES[`${model}.${f}`] = ref(QUANTITY);
}

/** Descriptions for reference-typed fields (client-node keeps no description on those). */
export function wellKnownFieldDescription(fieldName: string, refName: string): string | undefined {
  if (fieldName === 'metadata' && refName === `${META_V1}.ObjectMeta`) {
    return "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";
  }
  if (fieldName === 'metadata' && refName === `${META_V1}.ListMeta`) {
    return 'Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds';
  }
  return undefined;
}
