/**
 * `x-kubernetes-validations`: CEL rules evaluated with `self` (and `oldSelf` for transition rules)
 * at every schema node that declares them, as apiextensions-apiserver's cel validator does.
 * Expressions run on @bufbuild/cel (RE2 regexes) with the strings extension.
 */
import { FieldError, FieldErrorType } from '../../apimachinery/src/field-errors';
import { JSONSchemaProps, propertySchema, ValidationRule } from './schema';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const cel = require('@bufbuild/cel') as {
  parse(expr: string): unknown;
  celEnv(opts: { funcs: unknown[] }): unknown;
  plan(env: unknown, parsed: unknown): (bindings: Record<string, unknown>) => unknown;
  isCelError(v: unknown): boolean;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { strings } = require('@bufbuild/cel/ext') as { strings: unknown[] };
import { kubernetesCelLibraries } from './cel-k8s-libs';
import { undeclaredCall } from './cel-declared';

const FUNCS = [...strings, ...kubernetesCelLibraries];
let env: unknown;
/** planned programs by expression (planning once makes evaluation ~40x cheaper than cel.run) */
const programs = new Map<string, (bindings: Record<string, unknown>) => unknown>();

/** Evaluates an expression; parse and runtime errors come back as Error values. */
export function evaluate(expr: string, bindings: Record<string, unknown>): unknown {
  let program = programs.get(expr);
  if (!program) {
    try {
      env ??= cel.celEnv({ funcs: FUNCS });
      program = cel.plan(env, cel.parse(expr));
    } catch (e) {
      return e instanceof Error ? e : new Error(String(e));
    }
    if (programs.size > 10_000) programs.clear();
    programs.set(expr, program);
  }
  try {
    return program(bindings);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON → CEL values, typed by the schema (integers become CEL ints). */
export function toCel(v: unknown, s: JSONSchemaProps | undefined): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map((x) => toCel(x, s?.items));
  if (isObj(v)) return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x, propertySchema(s, k))]));
  if (typeof v === 'number') {
    if (s?.type === 'number') return v;
    return Number.isInteger(v) ? BigInt(v) : v;
  }
  return v;
}

function fromCel(v: unknown): string {
  if (typeof v === 'string') return v;
  return String(v);
}

/** Checks that a rule parses; returns the error text (upstream: "compilation failed: ...") or undefined. */
export function compileError(expr: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = cel.parse(expr);
  } catch (e) {
    return (e as Error).message;
  }
  env ??= cel.celEnv({ funcs: FUNCS });
  const funcs = (env as { funcs: { find(name: string): unknown } }).funcs;
  return undeclaredCall(expr, parsed, (name) => funcs.find(name) !== undefined, ['self', 'oldSelf']);
}

function references(expr: string, name: string): boolean {
  return new RegExp(`\\b${name}\\b`).test(expr);
}

const REASONS: Record<string, FieldErrorType> = {
  FieldValueInvalid: 'FieldValueInvalid',
  FieldValueForbidden: 'FieldValueForbidden',
  FieldValueRequired: 'FieldValueRequired',
  FieldValueDuplicate: 'FieldValueDuplicate',
};

/** `.spec.foo['bar'].baz` relative path → field path suffix. */
function joinFieldPath(base: string, rel: string): string {
  const parts: string[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\['([^']*)'\]/g;
  let m: RegExpExecArray | null;
  let out = base;
  while ((m = re.exec(rel))) {
    if (m[1] !== undefined) out = out === '' ? m[1] : `${out}.${m[1]}`;
    else out = `${out}[${m[2]}]`;
    parts.push(m[0]);
  }
  return out;
}

function typeName(s: JSONSchemaProps, v: unknown): string {
  if (s.type) return s.type;
  if (s['x-kubernetes-int-or-string']) return typeof v === 'string' ? 'string' : 'integer';
  return Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v;
}

/** The detail upstream gives a rule that fails to evaluate (apiextensions schema/cel validation.go). */
function evalErrorDetail(message: string, rule: ValidationRule): string {
  const err = message.replace(/^field not found: /, 'no such key: ');
  const ruleText = (rule.message || rule.rule).trim();
  if (/^(no such overload|found no matching overload)/.test(err)) {
    return `'${err}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleText}`;
  }
  return `${err} evaluating rule: ${ruleText}`;
}

function evalRule(rule: ValidationRule, self: unknown, oldSelf: unknown, hasOld: boolean, s: JSONSchemaProps, path: string): FieldError | undefined {
  const bindings: Record<string, unknown> = { self: toCel(self, s) };
  if (hasOld) bindings.oldSelf = toCel(oldSelf, s);
  const result = evaluate(rule.rule, bindings);
  const value = typeName(s, self);
  if (cel.isCelError(result) || result instanceof Error) {
    return { type: 'FieldValueInvalid', field: path, value, detail: evalErrorDetail((result as Error).message, rule) };
  }
  if (result === true) return undefined;
  let message = rule.message || `failed rule: ${rule.rule.trim()}`;
  if (rule.messageExpression) {
    const m = evaluate(rule.messageExpression, bindings);
    if (typeof m === 'string' && m.trim() !== '') message = fromCel(m);
  }
  const field = rule.fieldPath ? joinFieldPath(path, rule.fieldPath) : path;
  const type = (rule.reason && REASONS[rule.reason]) || 'FieldValueInvalid';
  if (type === 'FieldValueRequired' || type === 'FieldValueForbidden') return { type, field, value: '', detail: message };
  return { type, field, value, detail: message };
}

/**
 * Runs every rule of the schema tree on `v` (the new value) with `old` (the old value, undefined on
 * create); transition rules (those using oldSelf) run only when the old value exists, unless
 * optionalOldSelf is set.
 */
export function validateCel(v: unknown, old: unknown, s: JSONSchemaProps | undefined, path: string, errs: FieldError[] = []): FieldError[] {
  if (!s || v === undefined || v === null) return errs;
  for (const rule of s['x-kubernetes-validations'] ?? []) {
    const transition = references(rule.rule, 'oldSelf');
    if (transition && old === undefined && !rule.optionalOldSelf) continue;
    const e = evalRule(rule, v, old, old !== undefined, s, path === '' ? '<root>' : path);
    if (e) errs.push(e);
  }
  if (Array.isArray(v)) {
    const keys = s['x-kubernetes-list-map-keys'];
    const oldList = Array.isArray(old) ? old : [];
    v.forEach((item, i) => {
      let oldItem: unknown;
      if (s['x-kubernetes-list-type'] === 'map' && keys?.length && isObj(item)) {
        oldItem = oldList.find((o) => isObj(o) && keys.every((k) => JSON.stringify(o[k]) === JSON.stringify(item[k])));
      } else if (s['x-kubernetes-list-type'] === 'set') {
        oldItem = oldList.find((o) => JSON.stringify(o) === JSON.stringify(item));
      }
      validateCel(item, oldItem, s.items, `${path}[${i}]`, errs);
    });
  } else if (isObj(v)) {
    for (const [k, child] of Object.entries(v)) {
      if (path === '' && (k === 'metadata' || k === 'apiVersion' || k === 'kind')) continue;
      const cs = propertySchema(s, k);
      const childPath = s.properties?.[k] ? (path === '' ? k : `${path}.${k}`) : `${path}[${k}]`;
      validateCel(child, isObj(old) ? old[k] : undefined, cs, childPath, errs);
    }
  }
  return errs;
}
