/**
 * Server-side printing: `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` turns objects and
 * lists into meta.k8s.io/v1 Tables, and `as=PartialObjectMetadata[List]` strips them to metadata.
 */
import { errors } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { ResourceDefinition, TableColumn, TableConvertor } from '../../../../libs/registry/src/resource';

export type Transform = { as: 'Table' | 'PartialObjectMetadata' | 'PartialObjectMetadataList'; version: string } | null;

/** Read the first acceptable `as=` transform from the Accept header (null = plain object). */
export function requestedTransform(accept: string | undefined): Transform {
  if (!accept || !accept.includes('as=')) return null;
  let sawPlain = false;
  for (const clause of accept.split(',')) {
    const [type, ...params] = clause.split(';').map((s) => s.trim());
    const p = new Map(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    const as = p.get('as');
    if (!as) {
      if (type === 'application/json' || type === '*/*' || type === 'application/yaml') sawPlain = true;
      continue;
    }
    if (p.get('g') !== 'meta.k8s.io') continue;
    const v = p.get('v') ?? '';
    if (v !== 'v1' && v !== 'v1beta1') continue;
    if (as === 'Table' || as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { as, version: v };
  }
  if (sawPlain) return null;
  throw errors.notAcceptable(['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']);
}

const defaultTable: TableConvertor = {
  columns: [
    { name: 'Name', type: 'string', format: 'name', description: 'Name must be unique within a namespace.', priority: 0 },
    { name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created.', priority: 0 },
  ],
  cells: (obj) => [obj.metadata.name, obj.metadata.creationTimestamp],
};

function partial(obj: KObject, version: string): Record<string, unknown> {
  return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

export function tableFor(def: ResourceDefinition, objs: KObject[], listMeta: Record<string, unknown>, version: string, includeObject: string | null): Record<string, unknown> {
  const conv = def.table ?? defaultTable;
  const now = new Date();
  const columnDefinitions = conv.columns.map((c: TableColumn) => ({
    name: c.name,
    type: c.type === 'date' ? 'string' : c.type,
    format: c.type === 'date' ? 'date' : (c.format ?? ''),
    description: c.description,
    priority: c.priority,
  }));
  const rows = objs.map((o) => {
    const row: Record<string, unknown> = { cells: conv.cells(o, now) };
    if (includeObject !== 'None') {
      row.object = includeObject === 'Object' ? o : partial(o, version);
    }
    return row;
  });
  return { kind: 'Table', apiVersion: `meta.k8s.io/${version}`, metadata: listMeta, columnDefinitions, rows };
}

export function transformObject(def: ResourceDefinition, t: NonNullable<Transform>, obj: KObject, includeObject: string | null): unknown {
  if (t.as === 'Table') return tableFor(def, [obj], { resourceVersion: obj.metadata.resourceVersion }, t.version, includeObject);
  if (t.as === 'PartialObjectMetadata') return partial(obj, t.version);
  throw errors.notAcceptable(['application/json', 'application/yaml']);
}

export function transformList(def: ResourceDefinition, t: NonNullable<Transform>, list: { metadata: Record<string, unknown>; items: KObject[] }, includeObject: string | null): unknown {
  if (t.as === 'Table') return tableFor(def, list.items, list.metadata, t.version, includeObject);
  if (t.as === 'PartialObjectMetadataList') {
    return { kind: 'PartialObjectMetadataList', apiVersion: `meta.k8s.io/${t.version}`, metadata: list.metadata, items: list.items.map((o) => partial(o, t.version)) };
  }
  throw errors.notAcceptable(['application/json', 'application/yaml']);
}
