/**
 * Renders OpenAPI 3.0 documents, one per group-version (`/openapi/v3/apis/apps/v1`) or discovery
 * path (`/openapi/v3/api`), each carrying only the schemas its paths reference.
 * Schemas live under `components.schemas`; a reference with sibling keywords (description,
 * extensions) is wrapped as `allOf: [{$ref}]`, as upstream does.
 */
import { ApiModel } from './api-model';
import { V2_REF_PREFIX } from './definitions-builder';
import { ParamSpec } from './parameters';
import { OperationSpec, PathSpec } from './routes';
import { OpenApiV3Document, Schema, V3MediaContent, V3Operation, V3Parameter, V3PathItem } from './schema-types';
import { BEARER_TOKEN_SECURITY } from './v2-document';

export const V3_REF_PREFIX = '#/components/schemas/';

const v3Ref = (definition: string): Schema => ({ $ref: `${V3_REF_PREFIX}${definition}` });

/** Converts a Swagger 2.0 schema (refs into `#/definitions/`) to its OpenAPI 3 form. */
export function toV3Schema(s: Schema): Schema {
  const out: Schema = {};
  for (const [key, value] of Object.entries(s) as [keyof Schema, unknown][]) {
    if (key === '$ref') continue;
    if (key === 'items') {
      out.items = toV3Schema(value as Schema);
    } else if (key === 'additionalProperties') {
      out.additionalProperties = typeof value === 'boolean' ? value : toV3Schema(value as Schema);
    } else if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, toV3Schema(v)]));
    } else if (key === 'allOf') {
      out.allOf = (value as Schema[]).map(toV3Schema);
    } else {
      (out as Record<string, unknown>)[key] = value;
    }
  }
  if (s.$ref === undefined) return out;
  const ref = s.$ref.startsWith(V2_REF_PREFIX) ? `${V3_REF_PREFIX}${s.$ref.slice(V2_REF_PREFIX.length)}` : s.$ref;
  if (Object.keys(out).length === 0) return { $ref: ref };
  return { allOf: [{ $ref: ref }], ...out };
}

function v3Parameter(p: ParamSpec): V3Parameter {
  const out: V3Parameter = { name: p.name, in: p.in, description: p.description, schema: { type: p.type, uniqueItems: true } };
  if (p.required) out.required = true;
  return out;
}

function content(types: string[], definition: string): V3MediaContent {
  const out: V3MediaContent = {};
  for (const t of types) out[t] = { schema: v3Ref(definition) };
  return out;
}

function v3Operation(o: OperationSpec): V3Operation {
  const op: V3Operation = { tags: [o.tag], description: o.description, operationId: o.operationId, responses: {} };
  if (o.params.length > 0) op.parameters = o.params.map(v3Parameter);
  if (o.body) {
    const types = o.consumes.includes('*/*') ? ['*/*'] : o.consumes;
    op.requestBody = { content: content(types, o.body.definition) };
    if (o.body.required) op.requestBody.required = true;
  }
  for (const r of o.responses) {
    op.responses[r.code] = r.definition ? { description: r.description, content: content(o.produces, r.definition) } : { description: r.description };
  }
  op.responses['401'] = { description: 'Unauthorized' };
  if (o.action) op['x-kubernetes-action'] = o.action;
  if (o.gvk) op['x-kubernetes-group-version-kind'] = { ...o.gvk };
  return op;
}

/** Names of the definitions reachable from the given ones. */
function closure(definitions: Record<string, Schema>, roots: Iterable<string>): string[] {
  const seen = new Set<string>();
  const queue = [...roots];
  const visit = (s: unknown): void => {
    if (typeof s !== 'object' || s === null) return;
    if (Array.isArray(s)) {
      s.forEach(visit);
      return;
    }
    for (const [k, v] of Object.entries(s)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith(V2_REF_PREFIX)) queue.push(v.slice(V2_REF_PREFIX.length));
      else visit(v);
    }
  };
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (seen.has(name) || !definitions[name]) continue;
    seen.add(name);
    visit(definitions[name]);
  }
  return [...seen].sort();
}

export function renderV3(model: ApiModel, paths: PathSpec[], kubernetesVersion: string): OpenApiV3Document {
  const outPaths: Record<string, V3PathItem> = {};
  const roots = new Set<string>();
  for (const p of [...paths].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const item: V3PathItem = outPaths[p.path] ?? {};
    for (const o of p.operations) {
      item[o.method] = v3Operation(o);
      if (o.body) roots.add(o.body.definition);
      for (const r of o.responses) if (r.definition) roots.add(r.definition);
    }
    if (p.params.length > 0) item.parameters = p.params.map(v3Parameter);
    outPaths[p.path] = item;
  }
  const schemas: Record<string, Schema> = {};
  for (const name of closure(model.definitions, roots)) schemas[name] = toV3Schema(model.definitions[name]);
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: kubernetesVersion },
    paths: outPaths,
    components: { schemas, securitySchemes: structuredClone(BEARER_TOKEN_SECURITY) },
  };
}

/** All v3 document paths of a model with their routes: discovery documents and group-versions. */
export function v3DocumentRoutes(model: ApiModel): Map<string, PathSpec[]> {
  const out = new Map<string, PathSpec[]>();
  for (const [key, gv] of model.groupVersions) out.set(key, gv.paths);
  for (const [key, paths] of model.discovery) out.set(key, paths);
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
