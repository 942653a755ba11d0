/** Test helper for the CEL library tables: evaluates an expression and makes the result comparable. */
import { expect } from 'vitest';
import { evaluate } from './cel-rules';

export type Expected = boolean | string | number | bigint | unknown[] | Record<string, unknown> | { error: string };

function plain(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const it = v as { [Symbol.iterator]?: unknown; get?: (k: unknown) => unknown; keys?: () => Iterable<unknown> };
  if (typeof it.get === 'function' && typeof it.keys === 'function') {
    const out: Record<string, unknown> = {};
    for (const k of it.keys()) out[String(k)] = plain(it.get(k));
    return out;
  }
  if (typeof it[Symbol.iterator] === 'function') return [...(v as Iterable<unknown>)].map(plain);
  return v;
}

/** Runs each [expression, expected] row; `{ error }` expects an evaluation error with that exact message. */
export function runTable(rows: [string, Expected][]): void {
  for (const [expr, want] of rows) {
    const got = evaluate(expr, {});
    if (typeof want === 'object' && want !== null && 'error' in want && !Array.isArray(want)) {
      expect(got instanceof Error ? got.message : got, expr).toBe((want as { error: string }).error);
    } else {
      expect(got instanceof Error ? `ERROR: ${got.message}` : plain(got), expr).toEqual(want);
    }
  }
}
