/**
 * CEL for admission (matchConditions, ValidatingAdmissionPolicy validations): expressions are
 * compiled once (cached by text) with @bufbuild/cel and evaluated over plain JSON bindings
 * (`object`, `oldObject`, `request`, `params`, `namespaceObject`, `variables`).
 */
import { kubernetesCelLibraries } from '../../../../../libs/apiextensions/src/cel-k8s-libs';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cel = require('@bufbuild/cel') as {
  parse(expr: string): unknown;
  plan(env: unknown, expr: unknown): (ctx: Record<string, unknown>) => unknown;
  celEnv(opts?: unknown): unknown;
  isCelError(v: unknown): boolean;
};

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { strings } = require('@bufbuild/cel/ext') as { strings: unknown[] };

type Program = (bindings: Record<string, unknown>) => unknown;

/** the strings extension and the Kubernetes CEL libraries, as upstream's admission CEL environment */
const env = cel.celEnv({ funcs: [...strings, ...kubernetesCelLibraries] });
const cache = new Map<string, Program | Error>();

/** Compiles `expr`; throws an Error with the compile message when it is not valid CEL. */
export function compile(expr: string): Program {
  let p = cache.get(expr);
  if (!p) {
    try {
      p = cel.plan(env, cel.parse(expr)) as Program;
    } catch (e) {
      p = e instanceof Error ? e : new Error(String(e));
    }
    if (cache.size > 2000) cache.clear();
    cache.set(expr, p);
  }
  if (p instanceof Error) throw p;
  return p;
}

/** Evaluates `expr`; throws on compile or evaluation errors (with the CEL error message). */
export function evaluate(expr: string, bindings: Record<string, unknown>): unknown {
  const v = compile(expr)(jsonBindings(bindings));
  if (cel.isCelError(v)) throw new Error((v as Error).message);
  return typeof v === 'bigint' ? Number(v) : v;
}

/** A boolean expression's value; a non-boolean result is an error, as upstream. */
export function evaluateBool(expr: string, bindings: Record<string, unknown>): boolean {
  const v = evaluate(expr, bindings);
  if (typeof v !== 'boolean') throw new Error(`expression '${expr}' resulted in non-boolean value`);
  return v;
}

export function evaluateString(expr: string, bindings: Record<string, unknown>): string {
  const v = evaluate(expr, bindings);
  if (typeof v !== 'string') throw new Error(`expression '${expr}' resulted in non-string value`);
  return v;
}

/** undefined → null so absent variables compare with `== null` */
function jsonBindings(b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(b)) out[k] = v === undefined ? null : v;
  return out;
}
