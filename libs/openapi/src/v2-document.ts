/** Renders the API model as the Swagger 2.0 document served at `/openapi/v2`. */
import { ApiModel } from './api-model';
import { refTo } from './definitions-builder';
import { ParamSpec } from './parameters';
import { OperationSpec } from './routes';
import { SwaggerDocument, V2Operation, V2Parameter, V2PathItem } from './schema-types';

export const BEARER_TOKEN_SECURITY = {
  BearerToken: { description: 'Bearer Token authentication', in: 'header', name: 'authorization', type: 'apiKey' },
};

export function v2Parameter(p: ParamSpec): V2Parameter {
  const out: V2Parameter = { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in };
  if (p.required) out.required = true;
  return out;
}

function v2Operation(o: OperationSpec): V2Operation {
  const parameters: V2Parameter[] = [];
  if (o.body) {
    const body: V2Parameter = { name: 'body', in: 'body', schema: refTo(o.body.definition) };
    if (o.body.required) body.required = true;
    parameters.push(body);
  }
  parameters.push(...o.params.map(v2Parameter));
  const responses: V2Operation['responses'] = {};
  for (const r of o.responses) responses[r.code] = r.definition ? { description: r.description, schema: refTo(r.definition) } : { description: r.description };
  responses['401'] = { description: 'Unauthorized' };
  const op: V2Operation = {
    description: o.description,
    consumes: [...o.consumes],
    produces: [...o.produces],
    schemes: ['https'],
    tags: [o.tag],
    operationId: o.operationId,
    responses,
  };
  if (parameters.length > 0) op.parameters = parameters;
  if (o.action) op['x-kubernetes-action'] = o.action;
  if (o.gvk) op['x-kubernetes-group-version-kind'] = { ...o.gvk };
  return op;
}

export function renderV2(model: ApiModel, kubernetesVersion: string): SwaggerDocument {
  const paths: Record<string, V2PathItem> = {};
  const all = [...[...model.groupVersions.values()].flatMap((gv) => gv.paths), ...[...model.discovery.values()].flat()];
  for (const p of [...all].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    const item: V2PathItem = paths[p.path] ?? {};
    for (const o of p.operations) item[o.method] = v2Operation(o);
    if (p.params.length > 0) item.parameters = p.params.map(v2Parameter);
    paths[p.path] = item;
  }
  return {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: kubernetesVersion },
    paths,
    definitions: structuredClone(model.definitions),
    securityDefinitions: structuredClone(BEARER_TOKEN_SECURITY),
    security: [{ BearerToken: [] }],
  };
}
