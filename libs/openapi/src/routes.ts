/**
 * The REST routes (paths and operations) the API server serves for a resource, described
 * independently of the OpenAPI version they are rendered into.
 */
import { ResourceDefinition, verbsOf } from '../../registry/src/resource';
import {
  DELETE_COLLECTION_PARAMS,
  DELETE_PARAMS,
  LIST_PARAMS,
  PARAMS,
  PATCH_PARAMS,
  ParamSpec,
  WRITE_PARAMS,
  nameParam,
} from './parameters';
import { GroupVersionKindExt, HttpMethod } from './schema-types';

export type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'watch' | 'watchlist';

export interface OperationSpec {
  method: HttpMethod;
  action?: Action;
  operationId: string;
  description: string;
  params: ParamSpec[];
  /** request body: a definition name */
  body?: { definition: string; required: boolean };
  consumes: string[];
  produces: string[];
  /** status code → [description, definition name or undefined] */
  responses: Array<{ code: string; description: string; definition?: string }>;
  gvk?: GroupVersionKindExt;
  tag: string;
}

export interface PathSpec {
  path: string;
  params: ParamSpec[];
  operations: OperationSpec[];
}

/** Definition names the routes of one resource refer to. */
export interface RouteDefinitions {
  kind: string;
  list: string;
  status: string;
  deleteOptions: string;
  watchEvent: string;
  patch: string;
  scale: string;
  apiResourceList: string;
}

export const PRODUCES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];
export const PRODUCES_STREAM = [...PRODUCES, 'application/json;stream=watch', 'application/vnd.kubernetes.protobuf;stream=watch'];
export const PATCH_CONSUMES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
const CONSUMES_ANY = ['*/*'];

const capitalize = (s: string): string => (s === '' ? s : s[0].toUpperCase() + s.slice(1));

/** `apps` → `Apps`, `rbac.authorization.k8s.io` → `RbacAuthorization`, '' → `Core`. */
export function groupCamel(group: string): string {
  if (group === '') return 'Core';
  return group.replace(/\.k8s\.io$/, '').split(/[.-]/).map(capitalize).join('');
}

/** `apps_v1`, `core_v1`, `rbacAuthorization_v1` */
export function tagOf(group: string, version: string): string {
  const camel = groupCamel(group);
  return `${camel[0].toLowerCase()}${camel.slice(1)}_${version}`;
}

export function groupVersionPrefix(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

export function routesFor(def: ResourceDefinition, names: RouteDefinitions): PathSpec[] {
  const verbs = new Set(verbsOf(def));
  const prefix = groupVersionPrefix(def.group, def.version);
  const gv = `${groupCamel(def.group)}${capitalize(def.version)}`;
  const ns = def.namespaced ? 'Namespaced' : '';
  const nsPath = def.namespaced ? '/namespaces/{namespace}' : '';
  const nsParams = def.namespaced ? [PARAMS.namespace] : [];
  const kind = def.kind;
  const gvk: GroupVersionKindExt = { group: def.group, kind, version: def.version };
  const tag = tagOf(def.group, def.version);
  const collection = `${prefix}${nsPath}/${def.plural}`;
  const item = `${collection}/{name}`;
  const deleteReturns = def.returnDeletedObject ? names.kind : names.status;
  const op = (o: Omit<OperationSpec, 'tag' | 'gvk' | 'consumes' | 'produces'> & Partial<OperationSpec>): OperationSpec => ({
    consumes: CONSUMES_ANY,
    produces: PRODUCES,
    gvk,
    tag,
    ...o,
  });
  const ok = (definition: string) => ({ code: '200', description: 'OK', definition });
  const created = (definition: string) => ({ code: '201', description: 'Created', definition });
  const accepted = (definition: string) => ({ code: '202', description: 'Accepted', definition });
  const readOp = (suffix: string, what: string, definition: string, g: GroupVersionKindExt) =>
    op({
      method: 'get',
      action: 'get',
      operationId: `read${gv}${ns}${kind}${suffix}`,
      description: `read ${what}the specified ${kind}`,
      params: [],
      responses: [ok(definition)],
      gvk: g,
    });
  const replaceOp = (suffix: string, what: string, definition: string, g: GroupVersionKindExt) =>
    op({
      method: 'put',
      action: 'put',
      operationId: `replace${gv}${ns}${kind}${suffix}`,
      description: `replace ${what}the specified ${kind}`,
      params: WRITE_PARAMS,
      body: { definition, required: true },
      responses: [ok(definition), created(definition)],
      gvk: g,
    });
  const patchOp = (suffix: string, what: string, definition: string, g: GroupVersionKindExt) =>
    op({
      method: 'patch',
      action: 'patch',
      operationId: `patch${gv}${ns}${kind}${suffix}`,
      description: `partially update ${what}the specified ${kind}`,
      params: PATCH_PARAMS,
      body: { definition: names.patch, required: true },
      consumes: def.modelType ? PATCH_CONSUMES : PATCH_CONSUMES.filter((c) => !c.includes('strategic')),
      responses: [ok(definition), created(definition)],
      gvk: g,
    });

  const paths: PathSpec[] = [];
  const collectionOps: OperationSpec[] = [];
  if (verbs.has('deletecollection')) {
    collectionOps.push(
      op({
        method: 'delete',
        action: 'deletecollection',
        operationId: `delete${gv}Collection${ns}${kind}`,
        description: `delete collection of ${kind}`,
        params: DELETE_COLLECTION_PARAMS,
        body: { definition: names.deleteOptions, required: false },
        responses: [ok(names.status)],
      }),
    );
  }
  if (verbs.has('list')) {
    collectionOps.push(
      op({
        method: 'get',
        action: 'list',
        operationId: `list${gv}${ns}${kind}`,
        description: `list or watch objects of kind ${kind}`,
        params: LIST_PARAMS,
        produces: PRODUCES_STREAM,
        responses: [ok(names.list)],
      }),
    );
  }
  if (verbs.has('create')) {
    collectionOps.push(
      op({
        method: 'post',
        action: 'post',
        operationId: `create${gv}${ns}${kind}`,
        description: `create ${article(kind)} ${kind}`,
        params: WRITE_PARAMS,
        body: { definition: names.kind, required: true },
        responses: [ok(names.kind), created(names.kind), accepted(names.kind)],
      }),
    );
  }
  if (collectionOps.length > 0) paths.push({ path: collection, params: [...nsParams, PARAMS.pretty], operations: collectionOps });

  const itemOps: OperationSpec[] = [];
  if (verbs.has('delete')) {
    itemOps.push(
      op({
        method: 'delete',
        action: 'delete',
        operationId: `delete${gv}${ns}${kind}`,
        description: `delete ${article(kind)} ${kind}`,
        params: DELETE_PARAMS,
        body: { definition: names.deleteOptions, required: false },
        responses: [ok(deleteReturns), accepted(deleteReturns)],
      }),
    );
  }
  if (verbs.has('get')) itemOps.push(readOp('', '', names.kind, gvk));
  if (verbs.has('patch')) itemOps.push(patchOp('', '', names.kind, gvk));
  if (verbs.has('update')) itemOps.push(replaceOp('', '', names.kind, gvk));
  const itemParams = [nameParam(kind), ...nsParams, PARAMS.pretty];
  if (itemOps.length > 0) paths.push({ path: item, params: itemParams, operations: itemOps });

  for (const sub of Object.keys(def.subresources?.others ?? {})) {
    // status-like subresources declared by the definition (a CSR's approval)
    const suffix = sub.charAt(0).toUpperCase() + sub.slice(1);
    paths.push({
      path: `${item}/${sub}`,
      params: itemParams,
      operations: [
        readOp(suffix, `${sub} of `, names.kind, gvk),
        patchOp(suffix, `${sub} of `, names.kind, gvk),
        replaceOp(suffix, `${sub} of `, names.kind, gvk),
      ],
    });
  }
  if (def.subresources?.status) {
    paths.push({
      path: `${item}/status`,
      params: itemParams,
      operations: [
        readOp('Status', 'status of ', names.kind, gvk),
        patchOp('Status', 'status of ', names.kind, gvk),
        replaceOp('Status', 'status of ', names.kind, gvk),
      ],
    });
  }
  if (def.subresources?.scale) {
    const scaleGvk: GroupVersionKindExt = { group: 'autoscaling', kind: 'Scale', version: 'v1' };
    paths.push({
      path: `${item}/scale`,
      params: [nameParam('Scale'), ...nsParams, PARAMS.pretty],
      operations: [
        readOp('Scale', 'scale of ', names.scale, scaleGvk),
        patchOp('Scale', 'scale of ', names.scale, scaleGvk),
        replaceOp('Scale', 'scale of ', names.scale, scaleGvk),
      ],
    });
  }

  if (def.namespaced && verbs.has('list')) {
    paths.push({
      path: `${prefix}/${def.plural}`,
      params: [...LIST_PARAMS.slice(0, 5), PARAMS.pretty, ...LIST_PARAMS.slice(5)],
      operations: [
        op({
          method: 'get',
          action: 'list',
          operationId: `list${gv}${kind}ForAllNamespaces`,
          description: `list or watch objects of kind ${kind}`,
          params: [],
          produces: PRODUCES_STREAM,
          responses: [ok(names.list)],
        }),
      ],
    });
  }

  if (verbs.has('watch')) {
    const watchParams = (extra: ParamSpec[]) => [...LIST_PARAMS.slice(0, 4), ...extra, PARAMS.pretty, ...LIST_PARAMS.slice(4)];
    const watchOp = (operationId: string, action: Action, description: string) =>
      op({ method: 'get', action, operationId, description, params: [], produces: PRODUCES_STREAM, responses: [ok(names.watchEvent)] });
    paths.push({
      path: `${prefix}/watch${nsPath}/${def.plural}`,
      params: watchParams(nsParams),
      operations: [
        watchOp(
          `watch${gv}${ns}${kind}List`,
          'watchlist',
          `watch individual changes to a list of ${kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
        ),
      ],
    });
    paths.push({
      path: `${prefix}/watch${nsPath}/${def.plural}/{name}`,
      params: watchParams([nameParam(kind), ...nsParams]),
      operations: [
        watchOp(
          `watch${gv}${ns}${kind}`,
          'watch',
          `watch changes to an object of kind ${kind}. deprecated: use the 'watch' parameter with a list operation instead, filtered to a single item with the 'fieldSelector' parameter.`,
        ),
      ],
    });
    if (def.namespaced) {
      paths.push({
        path: `${prefix}/watch/${def.plural}`,
        params: watchParams([]),
        operations: [
          watchOp(
            `watch${gv}${kind}ListForAllNamespaces`,
            'watchlist',
            `watch individual changes to a list of ${kind}. deprecated: use the 'watch' parameter with a list operation instead.`,
          ),
        ],
      });
    }
  }
  return paths;
}

/** The `GET /apis/<group>/<version>/` (or `/api/v1/`) discovery route of a group-version. */
export function apiResourcesRoute(group: string, version: string, apiResourceList: string): PathSpec {
  return {
    path: `${groupVersionPrefix(group, version)}/`,
    params: [],
    operations: [
      {
        method: 'get',
        operationId: `get${groupCamel(group)}${capitalize(version)}APIResources`,
        description: 'get available resources',
        params: [],
        consumes: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
        produces: PRODUCES,
        responses: [{ code: '200', description: 'OK', definition: apiResourceList }],
        tag: tagOf(group, version),
      },
    ],
  };
}

/** Definition names used by the discovery routes. */
export interface DiscoveryDefinitions {
  apiVersions: string;
  apiGroupList: string;
  apiGroup: string;
  versionInfo: string;
}

/** `GET /api/`, `GET /apis/`, `GET /apis/<group>/` and `GET /version/`, keyed by their v3 document path. */
export function discoveryRoutes(groups: string[], names: DiscoveryDefinitions): Map<string, PathSpec[]> {
  const get = (path: string, operationId: string, description: string, definition: string, tag: string, produces = PRODUCES): PathSpec => ({
    path,
    params: [],
    operations: [
      {
        method: 'get',
        operationId,
        description,
        params: [],
        consumes: produces,
        produces,
        responses: [{ code: '200', description: 'OK', definition }],
        tag,
      },
    ],
  });
  const out = new Map<string, PathSpec[]>();
  out.set('api', [get('/api/', 'getCoreAPIVersions', 'get available API versions', names.apiVersions, 'core')]);
  out.set('apis', [get('/apis/', 'getAPIVersions', 'get available API versions', names.apiGroupList, 'apis')]);
  for (const group of [...groups].sort()) {
    const camel = groupCamel(group);
    const tag = `${camel[0].toLowerCase()}${camel.slice(1)}`;
    out.set(`apis/${group}`, [get(`/apis/${group}/`, `get${camel}APIGroup`, 'get information of a group', names.apiGroup, tag)]);
  }
  out.set('version', [get('/version/', 'getCodeVersion', 'get the version information for this server', names.versionInfo, 'version', ['application/json'])]);
  return out;
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? 'an' : 'a';
}

