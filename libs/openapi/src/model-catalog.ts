/**
 * Per-model type information from @kubernetes/client-node: fields with JSON names, parsed types,
 * formats, descriptions and required-ness (descriptions and `?` markers come from the `.d.ts` files,
 * read on first use of each model and cached).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientNodeGenDir, modelAttributeMaps } from './client-node-models';
import { parseModelDts } from './dts-docs';
import { TypeExpr, parseTypeExpr } from './type-expr';

export interface ModelField {
  /** JSON field name */
  name: string;
  type: TypeExpr;
  format: string;
  description?: string;
  required: boolean;
}

export interface ModelInfo {
  name: string;
  description?: string;
  fields: ModelField[];
}

const cache = new Map<string, ModelInfo | null>();

export function hasModel(name: string): boolean {
  return modelAttributeMaps().has(name);
}

export function modelInfo(name: string): ModelInfo | undefined {
  const hit = cache.get(name);
  if (hit !== undefined) return hit ?? undefined;
  const attrs = modelAttributeMaps().get(name);
  if (!attrs) {
    cache.set(name, null);
    return undefined;
  }
  const docs = readDocs(name);
  const info: ModelInfo = {
    name,
    description: docs?.description,
    fields: attrs.map((a) => {
      const doc = docs?.properties.get(a.name);
      return {
        name: a.baseName,
        type: parseTypeExpr(a.type),
        format: a.format,
        description: doc?.description,
        required: doc ? !doc.optional : false,
      };
    }),
  };
  cache.set(name, info);
  return info;
}

function readDocs(name: string): ReturnType<typeof parseModelDts> | undefined {
  try {
    return parseModelDts(fs.readFileSync(path.join(clientNodeGenDir(), 'models', `${name}.d.ts`), 'utf8'));
  } catch {
    return undefined;
  }
}
