/**
 * Parses the type strings found in @kubernetes/client-node `attributeTypeMap` entries
 * ('string', 'Array<V1Container>', '{ [key: string]: string; }', 'IntOrString', 'V1ObjectMeta', ...).
 */

export type TypeExpr =
  | { kind: 'primitive'; name: 'string' | 'number' | 'boolean' | 'Date' | 'any' | 'object' }
  | { kind: 'array'; items: TypeExpr }
  | { kind: 'map'; values: TypeExpr }
  | { kind: 'model'; name: string };

const PRIMITIVES = new Set(['string', 'number', 'boolean', 'Date', 'any', 'object']);

export function parseTypeExpr(raw: string): TypeExpr {
  const t = raw.trim();
  const arr = /^Array<(.+)>$/.exec(t);
  if (arr) return { kind: 'array', items: parseTypeExpr(arr[1]) };
  const map = /^\{\s*\[key: string\]:\s*(.+?);?\s*\}$/.exec(t);
  if (map) return { kind: 'map', values: parseTypeExpr(map[1]) };
  if (PRIMITIVES.has(t)) return { kind: 'primitive', name: t as 'string' };
  return { kind: 'model', name: t };
}

/** Model names referenced (directly, through arrays or maps) by a type expression. */
export function referencedModels(t: TypeExpr): string[] {
  switch (t.kind) {
    case 'array':
      return referencedModels(t.items);
    case 'map':
      return referencedModels(t.values);
    case 'model':
      return [t.name];
    default:
      return [];
  }
}
