/**
 * Field types of the built-in API types, read from the generated models of
 * @kubernetes/client-node (each model class has a static attributeTypeMap listing its JSON fields
 * and their types: 'V1PodSpec', 'Array<V1Container>', '{ [key: string]: string; }', 'string'...).
 * The models are ESM; Node >= 20.19 loads them from CommonJS with require().
 */

interface AttributeType {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

type FieldTypes = Map<string, string>;

let index: Map<string, FieldTypes> | undefined;

function buildIndex(): Map<string, FieldTypes> {
  const out = new Map<string, FieldTypes>();
  // loaded on first use, not at start-up (the models take a few hundred ms to load)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const models = require('@kubernetes/client-node/dist/gen/models/all') as Record<string, unknown>;
  for (const [name, value] of Object.entries(models)) {
    if (typeof value !== 'function') continue;
    const map = (value as { attributeTypeMap?: unknown }).attributeTypeMap;
    if (!Array.isArray(map)) continue;
    const fields: FieldTypes = new Map();
    for (const attr of map as AttributeType[]) fields.set(attr.baseName, attr.type);
    out.set(name, fields);
  }
  return out;
}

function modelIndex(): Map<string, FieldTypes> {
  index ??= buildIndex();
  return index;
}

/** True when `typeName` is a model class of @kubernetes/client-node (e.g. 'V1PodSpec'). */
export function isModelType(typeName: string): boolean {
  return modelIndex().has(typeName);
}

/** All model type names. */
export function modelTypeNames(): string[] {
  return [...modelIndex().keys()];
}

/** The JSON field names of a model type, in the models' order (undefined for unknown types). */
export function modelFields(typeName: string): string[] | undefined {
  const fields = modelIndex().get(typeName);
  return fields ? [...fields.keys()] : undefined;
}

/** elementType('Array<V1Container>') → 'V1Container'; undefined when not an array type. */
export function elementType(type: string): string | undefined {
  const m = /^Array<(.+)>$/.exec(type);
  return m ? m[1] : undefined;
}

/** mapValueType('{ [key: string]: string; }') → 'string'; undefined when not a map type. */
export function mapValueType(type: string): string | undefined {
  const m = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  return m ? m[1] : undefined;
}

/**
 * The type of `jsonField` in `typeName`: getFieldType('V1PodSpec', 'containers') → 'Array<V1Container>'.
 * For a map type the field type is the map's value type; undefined when unknown.
 */
export function getFieldType(typeName: string, jsonField: string): string | undefined {
  const valueType = mapValueType(typeName);
  if (valueType !== undefined) return valueType;
  return modelIndex().get(typeName)?.get(jsonField);
}
