/**
 * Builds OpenAPI (Swagger 2.0 style, `#/definitions/...` refs) schemas for client-node models and
 * everything they reference, named as upstream names them.
 */
import { definitionNameOf } from './definition-names';
import { modelInfo } from './model-catalog';
import { PatchMetaLookup } from './patch-meta-source';
import { GroupVersionKindExt, Schema } from './schema-types';
import {
  FIELD_TYPE_OVERRIDES,
  INT_OR_STRING,
  MICRO_TIME,
  RAW_EXTENSION,
  SPECIAL_DEFINITIONS,
  TIME,
  wellKnownFieldDescription,
} from './special-definitions';
import { TypeExpr } from './type-expr';

export const V2_REF_PREFIX = '#/definitions/';

export function refTo(name: string): Schema {
  return { $ref: `${V2_REF_PREFIX}${name}` };
}

export function refName(schema: Schema): string | undefined {
  return schema.$ref?.startsWith(V2_REF_PREFIX) ? schema.$ref.slice(V2_REF_PREFIX.length) : undefined;
}

export class DefinitionsBuilder {
  readonly definitions: Record<string, Schema> = {};

  constructor(private readonly patchMeta: PatchMetaLookup) {}

  /** Adds the definition of a client-node model (and its references); returns its name, or undefined if unknown. */
  addModel(model: string): string | undefined {
    const name = definitionNameOf(model);
    if (!name) return undefined;
    if (this.definitions[name]) return name;
    const info = modelInfo(model);
    if (!info) return undefined;
    const def: Schema = {};
    this.definitions[name] = def; // placeholder first: models can be recursive (JSONSchemaProps)
    if (info.description) def.description = info.description;
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const field of [...info.fields].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const override = FIELD_TYPE_OVERRIDES[`${model}.${field.name}`];
      const schema: Schema = override ? structuredClone(override) : this.typeSchema(field.type, field.format);
      this.addReferencedSpecials(schema);
      const ref = refName(schema);
      const description = field.description ?? (ref ? wellKnownFieldDescription(field.name, ref) ?? this.descriptionOf(ref) : undefined);
      const meta = this.patchMeta(model, field.name);
      const prop: Schema = { ...schema };
      if (description) prop.description = description;
      if (meta?.patchStrategy) prop['x-kubernetes-patch-strategy'] = meta.patchStrategy;
      if (meta?.patchMergeKey) prop['x-kubernetes-patch-merge-key'] = meta.patchMergeKey;
      if (schema.type === 'array' && meta?.listType) {
        prop['x-kubernetes-list-type'] = meta.listType;
        if (meta.listType === 'map' && meta.listMapKeys?.length) prop['x-kubernetes-list-map-keys'] = [...meta.listMapKeys];
      }
      properties[field.name] = prop;
      if (field.required) required.push(field.name);
    }
    if (required.length > 0) def.required = required;
    def.properties = properties;
    def.type = 'object';
    return name;
  }

  /** Adds one of the apimachinery definitions that client-node has no class for (Time, Patch, ...). */
  addSpecial(name: string): string {
    if (!this.definitions[name]) this.definitions[name] = structuredClone(SPECIAL_DEFINITIONS[name]);
    return name;
  }

  /** Adds a definition that is not a client-node model (e.g. a custom resource without a model). */
  addRaw(name: string, schema: Schema): string {
    if (!this.definitions[name]) this.definitions[name] = schema;
    return name;
  }

  addGroupVersionKind(definition: string, gvk: GroupVersionKindExt): void {
    const def = this.definitions[definition];
    if (!def) return;
    const list = (def['x-kubernetes-group-version-kind'] as GroupVersionKindExt[] | undefined) ?? [];
    if (!list.some((g) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind)) {
      list.push({ group: gvk.group, kind: gvk.kind, version: gvk.version });
    }
    def['x-kubernetes-group-version-kind'] = list;
  }

  private typeSchema(t: TypeExpr, format: string): Schema {
    switch (t.kind) {
      case 'array':
        return { type: 'array', items: this.typeSchema(t.items, format) };
      case 'map':
        return { type: 'object', additionalProperties: this.typeSchema(t.values, format) };
      case 'model': {
        if (t.name === 'IntOrString') return refTo(this.addSpecial(INT_OR_STRING));
        if (t.name === 'V1MicroTime') return refTo(this.addSpecial(MICRO_TIME));
        const name = this.addModel(t.name);
        return name ? refTo(name) : { type: 'object' };
      }
      case 'primitive':
        switch (t.name) {
          case 'string':
            return format ? { type: 'string', format } : { type: 'string' };
          case 'number':
            if (format === 'int32' || format === 'int64') return { type: 'integer', format };
            return format ? { type: 'number', format } : { type: 'number' };
          case 'boolean':
            return { type: 'boolean' };
          case 'Date':
            return refTo(this.addSpecial(TIME));
          default:
            return refTo(this.addSpecial(RAW_EXTENSION));
        }
    }
  }

  private addReferencedSpecials(schema: Schema): void {
    const ref = refName(schema);
    if (ref && SPECIAL_DEFINITIONS[ref]) this.addSpecial(ref);
    if (schema.items) this.addReferencedSpecials(schema.items);
    if (typeof schema.additionalProperties === 'object') this.addReferencedSpecials(schema.additionalProperties);
  }

  private descriptionOf(definition: string): string | undefined {
    return this.definitions[definition]?.description ?? SPECIAL_DEFINITIONS[definition]?.description;
  }
}
