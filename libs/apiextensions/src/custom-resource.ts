/**
 * The ResourceDefinitions that serve a CustomResourceDefinition's versions: one per served
 * version, all stored under `/<group>/<plural>` in the storage version (conversion `None`: only
 * apiVersion changes), with the schema's pruning, defaulting, validation and CEL rules as strategy.
 */
import { FieldError } from '../../apimachinery/src/field-errors';
import { errors, StatusError } from '../../apimachinery/src/status';
import { KObject } from '../../apimachinery/src/types';
import { ResourceDefinition, TableColumn } from '../../registry/src/resource';
import { translateTimestampSince } from '../../resources/src/printing/age';
import { validateCel } from './cel-rules';
import { validateEmbeddedResources } from './embedded-resource';
import { ConvertingStorage } from './converting-storage';
import { storageVersionOf } from './crd-validation';
import { JSONSchemaProps } from './schema';
import { applyDefaultsCompiled, pruneCompiled, schemaHas, validateCompiled } from './schema-compiled';
import { ConversionWebhookConfig, WebhookConverter } from './webhook-converter';

/** how long a conversion webhook may take (upstream's webhook client timeout) */
export const CONVERSION_WEBHOOK_TIMEOUT_SECONDS = 30;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** Simple JSONPath (`.spec.replicas`, `.status.conditions[0].type`, `.metadata.labels['a']`). */
export function jsonPathGet(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  const p = path.trim().replace(/^\{|\}$/g, '').replace(/^\$/, '');
  const re = /\.([^.[\]]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(p))) {
    if (cur === undefined || cur === null) return undefined;
    if (m[2] !== undefined) cur = Array.isArray(cur) ? cur[Number(m[2])] : undefined;
    else {
      const k = m[1] ?? m[3] ?? m[4];
      cur = isObj(cur) ? cur[k] : undefined;
    }
  }
  return cur;
}

function dottedPath(jsonPath: string): string {
  return jsonPath.replace(/^\./, '');
}

/** Schema-driven processing of a custom resource body (prune, then default), as the CR decoder does. */
export function pruneAndDefault(obj: KObject, schema: JSONSchemaProps | undefined): void {
  if (!schema) return;
  pruneCompiled(obj, schema, true);
  applyDefaultsCompiled(obj, schema);
}

/** The paths pruning would drop (fieldValidation=Strict/Warn: `unknown field "spec.foo"`). */
export function unknownFieldsOf(obj: KObject, schema: JSONSchemaProps | undefined): string[] {
  if (!schema) return [];
  const pruned: string[] = [];
  pruneCompiled(structuredClone(obj), schema, true, pruned);
  return pruned;
}

/** Validation of a custom resource against its version's schema and CEL rules. */
export function validateCustomResource(obj: KObject, schema: JSONSchemaProps | undefined, old?: KObject): FieldError[] {
  if (!schema) return [];
  const body: Obj = { ...obj };
  delete body.metadata;
  delete body.apiVersion;
  delete body.kind;
  // the schema's compiled validator (cached with the schema object); the embedded-resource and
  // CEL walks only when the schema has such nodes at all
  const errs = validateCompiled(body, schema, '');
  if (schemaHas(schema, 'x-kubernetes-embedded-resource')) validateEmbeddedResources(body, schema, '', errs);
  if (errs.length) return errs;
  if (!schemaHas(schema, 'x-kubernetes-validations')) return errs;
  const self: Obj = { ...obj, metadata: { name: obj.metadata.name, generateName: obj.metadata.generateName } };
  let oldSelf: Obj | undefined;
  if (old) oldSelf = { ...old, metadata: { name: old.metadata.name, generateName: old.metadata.generateName } };
  return validateCel(self, oldSelf, schema, '');
}

function tableFor(version: Obj): ResourceDefinition['table'] {
  const cols = Array.isArray(version.additionalPrinterColumns) ? (version.additionalPrinterColumns as Obj[]) : [];
  const defs = cols.length
    ? cols
    : [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.' }];
  const columns: TableColumn[] = [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    ...defs.map((c) => {
      const col: TableColumn = { name: str(c.name), type: str(c.type) as TableColumn['type'], description: str(c.description), priority: typeof c.priority === 'number' ? c.priority : 0 };
      if (str(c.format)) col.format = str(c.format);
      return col;
    }),
  ];
  return {
    columns,
    cells: (obj, now) => [
      obj.metadata.name ?? '',
      ...defs.map((c) => {
        const v = jsonPathGet(obj, str(c.jsonPath));
        if (v === undefined || v === null) return null;
        if (c.type === 'date') return translateTimestampSince(v, now);
        if (typeof v === 'object') return JSON.stringify(v);
        if (c.type === 'string' && typeof v !== 'string') return String(v);
        return v;
      }),
    ],
  };
}

export function schemaOf(version: Obj): JSONSchemaProps | undefined {
  const s = isObj(version.schema) ? version.schema.openAPIV3Schema : undefined;
  return isObj(s) ? (s as JSONSchemaProps) : undefined;
}

/** `spec.conversion.webhook` when the CRD converts through a webhook */
export function webhookConversionOf(crd: KObject): ConversionWebhookConfig | undefined {
  const conversion = ((crd.spec ?? {}) as Obj).conversion;
  if (!isObj(conversion) || conversion.strategy !== 'Webhook' || !isObj(conversion.webhook)) return undefined;
  const wh = conversion.webhook;
  return {
    clientConfig: (isObj(wh.clientConfig) ? wh.clientConfig : {}) as ConversionWebhookConfig['clientConfig'],
    conversionReviewVersions: Array.isArray(wh.conversionReviewVersions) ? (wh.conversionReviewVersions as string[]) : [],
    crdName: crd.metadata.name,
  };
}

/** One ResourceDefinition per served version of the CRD. */
export function customResourceDefinitions(crd: KObject): ResourceDefinition[] {
  const spec = (crd.spec ?? {}) as Obj;
  const names = (spec.names ?? {}) as Obj;
  const group = str(spec.group);
  const plural = str(names.plural);
  const storageVersion = storageVersionOf(crd) ?? '';
  const terminating = !!crd.metadata.deletionTimestamp;
  const versions = Array.isArray(spec.versions) ? (spec.versions as Obj[]) : [];
  const webhook = webhookConversionOf(crd);
  const out: ResourceDefinition[] = [];
  for (const v of versions) {
    if (v.served !== true) continue;
    const schema = schemaOf(v);
    const subs = isObj(v.subresources) ? v.subresources : {};
    const hasStatus = isObj(subs.status);
    const scale = isObj(subs.scale) ? subs.scale : undefined;
    const selectable = Array.isArray(v.selectableFields) ? (v.selectableFields as Obj[]).map((f) => str(f.jsonPath)).filter(Boolean) : [];
    const def: ResourceDefinition = {
      group,
      version: str(v.name),
      kind: str(names.kind),
      listKind: str(names.listKind) || `${str(names.kind)}List`,
      plural,
      singular: str(names.singular) || str(names.kind).toLowerCase(),
      namespaced: spec.scope === 'Namespaced',
      shortNames: Array.isArray(names.shortNames) ? (names.shortNames as string[]) : undefined,
      categories: Array.isArray(names.categories) ? (names.categories as string[]) : undefined,
      storagePrefix: `${group}/${plural}`,
      tracksGeneration: true,
      unknownFields: (obj) => unknownFieldsOf(obj, schema),
      openAPISchema: schema as Record<string, unknown> | undefined,
      subresources: {
        status: hasStatus,
        scale: scale
          ? {
              specReplicasPath: dottedPath(str(scale.specReplicasPath)),
              statusReplicasPath: dottedPath(str(scale.statusReplicasPath)),
              labelSelectorPath: str(scale.labelSelectorPath) ? dottedPath(str(scale.labelSelectorPath)) : undefined,
            }
          : undefined,
      },
      strategy: {
        default: (obj) => pruneAndDefault(obj, schema),
        prepareForCreate: (obj) => {
          if (terminating) {
            const e = errors.methodNotSupported({ group, resource: plural }, 'create');
            throw new StatusError(405, 'MethodNotAllowed', 'create not allowed while custom resource definition is terminating', e.details);
          }
          if (hasStatus) delete obj.status;
        },
        validate: (obj) => validateCustomResource(obj, schema),
        validateUpdate: (obj, old) => validateCustomResource(obj, schema, old),
        warnings: () => (v.deprecated === true ? [str(v.deprecationWarning) || `${group}/${str(v.name)} ${str(names.kind)} is deprecated`] : []),
      },
      statusStrategy: {
        validateUpdate: (obj, old) => validateCustomResource(obj, schema, old),
      },
      table: tableFor(v),
      selectableFields: selectable.length
        ? (obj) => Object.fromEntries(selectable.map((p) => {
            const val = jsonPathGet(obj, p);
            return [dottedPath(p), val === undefined || val === null ? '' : String(val)];
          }))
        : undefined,
      // Webhook conversion happens in the storage wrapper below (the wrapper relabels what it is
      // given); a Store built without it (the garbage collector's) still writes the storage version
      conversion: {
        toStorage: (obj) => {
          const o = { ...obj, apiVersion: `${group}/${storageVersion}` };
          return o as KObject;
        },
        fromStorage: (obj) => obj,
      },
    };
    if (webhook) {
      const schemas = new Map(versions.map((x) => [`${group}/${str(x.name)}`, schemaOf(x)]));
      def.wrapStorage = (inner, env) => {
        const converter = new WebhookConverter(webhook, (review) => env.callWebhook(webhook.clientConfig, review, CONVERSION_WEBHOOK_TIMEOUT_SECONDS));
        return new ConvertingStorage(
          inner,
          async (objs, apiVersion, list) => {
            const converted = await converter.convert(objs, apiVersion, list);
            // the converted objects are pruned and defaulted in their new version's schema
            converted.forEach((o, i) => {
              if (o !== objs[i]) pruneAndDefault(o, schemas.get(apiVersion));
            });
            return converted;
          },
          `${group}/${str(v.name)}`,
          `${group}/${storageVersion}`,
          str(names.kind),
        );
      };
    }
    out.push(def);
  }
  return out;
}
