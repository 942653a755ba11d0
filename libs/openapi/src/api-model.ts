/**
 * Collects, for a set of resource definitions, the schema definitions and the REST routes
 * of every served group-version — the common input of the v2 and v3 documents.
 */
import { DefinitionsBuilder, refTo } from './definitions-builder';
import { META_V1, packagePrefixOfGroup } from './go-packages';
import { modelInfo } from './model-catalog';
import { PatchMetaLookup } from './patch-meta-source';
import { ResourceDefinition, listKindOf } from '../../registry/src/resource';
import { PathSpec, RouteDefinitions, apiResourcesRoute, discoveryRoutes, routesFor } from './routes';
import { Schema } from './schema-types';
import { PATCH } from './special-definitions';

export interface GroupVersionRoutes {
  group: string;
  version: string;
  paths: PathSpec[];
}

export interface ApiModel {
  /** sorted by name */
  definitions: Record<string, Schema>;
  /** keyed by the v3 discovery path: `api/v1`, `apis/apps/v1`; sorted */
  groupVersions: Map<string, GroupVersionRoutes>;
  /** the discovery documents: `api`, `apis`, `apis/<group>`, `version`; sorted */
  discovery: Map<string, PathSpec[]>;
}

export function groupVersionKey(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

export function buildApiModel(resources: ResourceDefinition[], patchMeta: PatchMetaLookup): ApiModel {
  const b = new DefinitionsBuilder(patchMeta);
  const meta = (model: string): string => b.addModel(model) as string;
  const sorted = [...resources].sort(
    (x, y) => cmp(x.group, y.group) || cmp(x.version, y.version) || cmp(x.plural, y.plural),
  );
  const groupVersions = new Map<string, GroupVersionRoutes>();
  for (const def of sorted) {
    const key = groupVersionKey(def.group, def.version);
    let gv = groupVersions.get(key);
    if (!gv) {
      gv = { group: def.group, version: def.version, paths: [apiResourcesRoute(def.group, def.version, meta('V1APIResourceList'))] };
      groupVersions.set(key, gv);
      const status = meta('V1Status');
      b.addGroupVersionKind(status, { group: '', kind: 'Status', version: 'v1' });
      for (const kind of ['DeleteOptions', 'WatchEvent']) {
        b.addGroupVersionKind(meta(`V1${kind}`), { group: def.group, kind, version: def.version });
      }
    }
    const { kind, list } = kindDefinitions(b, def);
    b.addGroupVersionKind(kind, { group: def.group, kind: def.kind, version: def.version });
    b.addGroupVersionKind(list, { group: def.group, kind: listKindOf(def), version: def.version });
    const names: RouteDefinitions = {
      kind,
      list,
      status: meta('V1Status'),
      deleteOptions: meta('V1DeleteOptions'),
      watchEvent: meta('V1WatchEvent'),
      patch: b.addSpecial(PATCH),
      scale: def.subresources?.scale ? meta('V1Scale') : '',
      apiResourceList: meta('V1APIResourceList'),
    };
    if (def.subresources?.scale) b.addGroupVersionKind(names.scale, { group: 'autoscaling', kind: 'Scale', version: 'v1' });
    gv.paths.push(...routesFor(def, names));
  }
  const groups = [...new Set(sorted.map((d) => d.group).filter((g) => g !== ''))];
  const discovery = discoveryRoutes(groups, {
    apiVersions: meta('V1APIVersions'),
    apiGroupList: meta('V1APIGroupList'),
    apiGroup: meta('V1APIGroup'),
    versionInfo: meta('VersionInfo'),
  });
  const definitions: Record<string, Schema> = {};
  for (const name of Object.keys(b.definitions).sort()) definitions[name] = b.definitions[name];
  const sortedGvs = new Map([...groupVersions.entries()].sort(([a], [c]) => cmp(a, c)));
  return { definitions, groupVersions: sortedGvs, discovery };
}

/** The kind's and list kind's definitions: the client-node models, or an open schema for unknown types. */
function kindDefinitions(b: DefinitionsBuilder, def: ResourceDefinition): { kind: string; list: string } {
  const kind = def.modelType ? b.addModel(def.modelType) : undefined;
  const list = def.modelType ? b.addModel(`${def.modelType}List`) : undefined;
  if (kind && list) return { kind, list };
  const prefix = `${packagePrefixOfGroup(def.group)}.${def.version}`;
  const published = def.openAPISchema ? structuredClone(def.openAPISchema) as Schema : undefined;
  if (published) {
    const props = (published.properties ?? {}) as Record<string, Schema>;
    published.properties = typeMetaProperties({ ...props, metadata: { ...refTo(b.addModel('V1ObjectMeta') as string) } });
  }
  const kindName =
    kind ??
    b.addRaw(`${prefix}.${def.kind}`, published ?? {
      type: 'object',
      properties: typeMetaProperties({ metadata: { ...refTo(b.addModel('V1ObjectMeta') as string) } }),
      'x-kubernetes-preserve-unknown-fields': true,
    });
  const listName =
    list ??
    b.addRaw(`${prefix}.${listKindOf(def)}`, {
      description: `${listKindOf(def)} is a list of ${def.kind}`,
      type: 'object',
      required: ['items'],
      properties: typeMetaProperties({
        items: { type: 'array', items: refTo(kindName) },
        metadata: refTo(`${META_V1}.ListMeta`),
      }),
    });
  b.addModel('V1ListMeta');
  return { kind: kindName, list: listName };
}

function typeMetaProperties(extra: Record<string, Schema>): Record<string, Schema> {
  // the apiVersion/kind field descriptions are the same on every kind; take them from a client-node model
  const typeMeta = modelInfo('V1Status')?.fields ?? [];
  const field = (name: string): Schema => {
    const description = typeMeta.find((f) => f.name === name)?.description;
    return description ? { description, type: 'string' } : { type: 'string' };
  };
  const props: Record<string, Schema> = { apiVersion: field('apiVersion'), kind: field('kind'), ...extra };
  return Object.fromEntries(Object.entries(props).sort(([a], [c]) => cmp(a, c)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
