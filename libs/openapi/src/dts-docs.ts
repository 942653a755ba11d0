/**
 * Reads the JSDoc comments of a generated @kubernetes/client-node model declaration file
 * (`dist/gen/models/V1PodSpec.d.ts`): the class description, each property's description and
 * whether the property is optional (`'name'?:`) or required (`'name':`).
 */

export interface DtsPropertyDoc {
  description?: string;
  optional: boolean;
}

export interface DtsModelDoc {
  description?: string;
  /** keyed by the TypeScript property name (attributeTypeMap `name`, e.g. `_default`) */
  properties: Map<string, DtsPropertyDoc>;
}

const TOKEN = /\/\*\*([\s\S]*?)\*\/|^[ \t]*'([^']+)'(\?)?:|^export declare class \w+/gm;

export function parseModelDts(text: string): DtsModelDoc {
  const properties = new Map<string, DtsPropertyDoc>();
  let description: string | undefined;
  let pending: { text: string; end: number } | undefined;
  let inClass = false;
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index ?? 0;
    if (m[1] !== undefined) {
      pending = { text: m[1], end: at + m[0].length };
      continue;
    }
    const adjacent = pending !== undefined && /^\s*$/.test(text.slice(pending.end, at));
    const doc = adjacent && pending ? commentText(pending.text) : undefined;
    pending = undefined;
    if (m[2] === undefined) {
      // the class declaration
      inClass = true;
      description = doc;
      continue;
    }
    if (!inClass) continue;
    properties.set(m[2], { description: doc, optional: m[3] === '?' });
  }
  return { description, properties };
}

/** The text of a JSDoc block: strip the leading `*` of each line, join lines, undo `\'` escapes. */
export function commentText(block: string): string | undefined {
  const lines = block
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, '').trimEnd())
    .filter((l, i, all) => !(l === '' && (i === 0 || i === all.length - 1)));
  const joined = lines.join('\n').trim().replace(/\\(.)/g, '$1');
  return joined === '' ? undefined : joined;
}
