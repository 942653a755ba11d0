/**
 * Access to the generated model classes of @kubernetes/client-node (v1.1.x, Kubernetes 1.32 API):
 * their `attributeTypeMap` (JSON field name, TypeScript type string, format) and the location of
 * the generated sources (`.d.ts` files with the field descriptions, `apis/*.js` with the API groups).
 */
import * as path from 'node:path';
import { createRequire } from 'node:module';

export interface AttributeType {
  /** TypeScript property name (e.g. `_default`) */
  name: string;
  /** JSON field name (e.g. `default`) */
  baseName: string;
  /** client-node type string, e.g. `Array<V1Container>` */
  type: string;
  /** OpenAPI format, e.g. `int32`, `date-time`, `int-or-string`, or '' */
  format: string;
}

let attributeMaps: Map<string, AttributeType[]> | undefined;

function isAttributeType(v: unknown): v is AttributeType {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return typeof r.name === 'string' && typeof r.baseName === 'string' && typeof r.type === 'string';
}

/** Model class name → its attribute type map, for every model exported by client-node. */
export function modelAttributeMaps(): Map<string, AttributeType[]> {
  if (attributeMaps) return attributeMaps;
  const out = new Map<string, AttributeType[]>();
  // loaded on first use, not at start-up: the models take a few hundred ms to load
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const generatedModels = require('@kubernetes/client-node/dist/gen/models/all') as Record<string, unknown>;
  for (const [name, value] of Object.entries(generatedModels)) {
    if (typeof value !== 'function') continue;
    const map: unknown = (value as { attributeTypeMap?: unknown }).attributeTypeMap;
    if (!Array.isArray(map)) continue;
    out.set(
      name,
      map.filter(isAttributeType).map((a) => ({ name: a.name, baseName: a.baseName, type: a.type, format: a.format ?? '' })),
    );
  }
  attributeMaps = out;
  return out;
}

let genDir: string | undefined;

/** Absolute path of `node_modules/@kubernetes/client-node/dist/gen`. */
export function clientNodeGenDir(): string {
  if (!genDir) {
    const req = createRequire(__filename);
    genDir = path.dirname(path.dirname(req.resolve('@kubernetes/client-node/dist/gen/models/all')));
  }
  return genDir;
}
