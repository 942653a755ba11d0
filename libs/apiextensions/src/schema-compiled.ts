/**
 * `validateValue` (schema.ts) compiled: each schema node becomes one closure, made once and cached
 * per schema object (a CRD version's schema is immutable for its generation), with the checks it
 * needs decided up front (type predicate, enum set, compiled RegExp, required list, property map,
 * precomputed messages). The errors — messages, field paths, order — are exactly validateValue's;
 * `schema-compiled.test.ts` compares the two. Nothing is allocated on the success path except the
 * child field paths.
 */
import { FieldError, fieldErrors } from '../../apimachinery/src/field-errors';
import { formatOk, goTypeName, JSONSchemaProps } from './schema';

/** Validates `v` (at field path `path`, '' for the root) and appends the errors to `errs`. */
export type CompiledValidator = (v: unknown, path: string, errs: FieldError[]) => void;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const NOOP: CompiledValidator = () => {};
const cache = new WeakMap<JSONSchemaProps, CompiledValidator>();

/** The compiled validator of a schema (compiled on first use, then cached with the schema object). */
export function compiledValidator(s: JSONSchemaProps | undefined): CompiledValidator {
  if (!s) return NOOP;
  let c = cache.get(s);
  if (!c) {
    c = compile(s);
    cache.set(s, c);
  }
  return c;
}

/** Same contract and results as `validateValue`, through the compiled validator. */
export function validateCompiled(v: unknown, s: JSONSchemaProps | undefined, path: string, errs: FieldError[] = []): FieldError[] {
  // at the root, the generated check answers for valid values; the closures produce the errors
  if (s && path === '' && fastRootCheck(s)(v)) return errs;
  compiledValidator(s)(v, path, errs);
  return errs;
}

/** Whether any node of the schema (properties, additionalProperties, items, allOf/anyOf/oneOf/not) has `key` set. */
export function schemaHas(s: JSONSchemaProps | undefined, key: string): boolean {
  if (!s) return false;
  let memo = hasMemo.get(s);
  if (!memo) hasMemo.set(s, (memo = new Map()));
  let r = memo.get(key);
  if (r === undefined) {
    r =
      (s[key] !== undefined && s[key] !== false) ||
      Object.values(s.properties ?? {}).some((p) => schemaHas(p, key)) ||
      (isObj(s.additionalProperties) && schemaHas(s.additionalProperties as JSONSchemaProps, key)) ||
      schemaHas(s.items, key) ||
      [...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? [])].some((p) => schemaHas(p, key)) ||
      schemaHas(s.not, key);
    memo.set(key, r);
  }
  return r;
}
const hasMemo = new WeakMap<JSONSchemaProps, Map<string, boolean>>();

const nameOf = (path: string): string => (path === '' ? '<root>' : path);
const childPath = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

function typePredicate(type: string): ((v: unknown) => boolean) | undefined {
  switch (type) {
    case 'object':
      return isObj;
    case 'array':
      return Array.isArray;
    case 'string':
      return (v) => typeof v === 'string';
    case 'integer':
      return (v) => typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return (v) => typeof v === 'number';
    case 'boolean':
      return (v) => typeof v === 'boolean';
    default:
      return undefined;
  }
}

/** enum membership with validateValue's JSON.stringify equality */
function enumPredicate(values: unknown[]): (v: unknown) => boolean {
  if (values.every((e) => e === null || typeof e === 'string' || typeof e === 'boolean' || (typeof e === 'number' && Number.isFinite(e)))) {
    const set = new Set(values);
    // equal JSON of a finite number or string or boolean means the same value (Set: -0 is 0)
    return (v) => (typeof v === 'number' && !Number.isFinite(v) ? set.has(null) : set.has(v));
  }
  const set = new Set(values.map((e) => JSON.stringify(e)));
  return (v) => set.has(JSON.stringify(v) as string);
}

/** the number of code points (`[...s].length`) without allocating */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function compile(s: JSONSchemaProps): CompiledValidator {
  const type = s.type;
  const nullable = !!s.nullable;
  const intOrString = !!s['x-kubernetes-int-or-string'];
  const typeOk = intOrString ? (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)) : type ? typePredicate(type) : undefined;
  const typeLabel = intOrString ? 'integer,string' : type;
  const enumOk = s.enum ? enumPredicate(s.enum) : undefined;
  const enumDetail = s.enum ? `supported values: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}` : '';

  const { maximum, minimum, multipleOf, maxLength, minLength, pattern, maxItems, minItems, maxProperties, minProperties } = s;
  const exclusiveMaximum = !!s.exclusiveMaximum;
  const exclusiveMinimum = !!s.exclusiveMinimum;
  const checkNumber = maximum !== undefined || minimum !== undefined || (multipleOf !== undefined && multipleOf !== 0);
  const maxMsg = ` in body should be less than ${exclusiveMaximum ? '' : 'or equal to '}${maximum}`;
  const minMsg = ` in body should be greater than ${exclusiveMinimum ? '' : 'or equal to '}${minimum}`;
  const multipleMsg = ` in body should be a multiple of ${multipleOf}`;

  let re: RegExp | undefined;
  let reError: unknown;
  if (pattern !== undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch (e) {
      reError = e; // thrown when a string is validated, as validateValue does
    }
  }
  const format = s.format && !intOrString ? s.format : undefined;
  const checkString = maxLength !== undefined || minLength !== undefined || pattern !== undefined || format !== undefined;

  const listSet = !!s.uniqueItems || s['x-kubernetes-list-type'] === 'set';
  const mapKeys = s['x-kubernetes-list-type'] === 'map' && s['x-kubernetes-list-map-keys']?.length ? s['x-kubernetes-list-map-keys'] : undefined;
  const items = s.items ? compiledValidator(s.items) : undefined;

  const required = s.required?.length ? s.required : undefined;
  const props = new Map<string, CompiledValidator>();
  for (const [k, p] of Object.entries(s.properties ?? {})) if (p) props.set(k, compiledValidator(p));
  const additional = isObj(s.additionalProperties) ? compiledValidator(s.additionalProperties as JSONSchemaProps) : undefined;
  const walkProps = props.size > 0 || additional !== undefined;

  const allOf = s.allOf?.length ? s.allOf.map(compiledValidator) : undefined;
  const anyOf = s.anyOf?.length ? s.anyOf.map(compiledValidator) : undefined;
  const oneOf = s.oneOf?.length ? s.oneOf.map(compiledValidator) : undefined;
  const not = s.not ? compiledValidator(s.not) : undefined;
  const passes = (sub: CompiledValidator, v: unknown, path: string): boolean => {
    const e: FieldError[] = [];
    sub(v, path, e);
    return e.length === 0;
  };

  return (v, path, errs) => {
    if (v === null) {
      if (!nullable && type) errs.push({ type: 'FieldValueTypeInvalid', field: path || '<root>', value: null, detail: `${nameOf(path)} in body must be of type ${type}: "null"` });
      return;
    }
    if (typeOk && !typeOk(v)) {
      errs.push({ type: 'FieldValueTypeInvalid', field: path, value: v, detail: `${nameOf(path)} in body must be of type ${typeLabel}: "${goTypeName(v)}"` });
      return;
    }
    if (enumOk && !enumOk(v)) errs.push({ type: 'FieldValueNotSupported', field: path, value: v, detail: enumDetail });
    if (typeof v === 'number') {
      if (checkNumber) {
        if (maximum !== undefined && (exclusiveMaximum ? v >= maximum : v > maximum)) errs.push(fieldErrors.invalid(path, v, nameOf(path) + maxMsg));
        if (minimum !== undefined && (exclusiveMinimum ? v <= minimum : v < minimum)) errs.push(fieldErrors.invalid(path, v, nameOf(path) + minMsg));
        if (multipleOf !== undefined && multipleOf !== 0 && Math.abs(v / multipleOf - Math.round(v / multipleOf)) > 1e-9) errs.push(fieldErrors.invalid(path, v, nameOf(path) + multipleMsg));
      }
    } else if (typeof v === 'string') {
      if (checkString) {
        if (maxLength !== undefined && v.length > maxLength && codePoints(v) > maxLength) errs.push(fieldErrors.tooLong(path, v, maxLength));
        if (minLength !== undefined && (v.length < minLength || (v.length < 2 * minLength && codePoints(v) < minLength))) {
          errs.push(fieldErrors.invalid(path, v, `${nameOf(path)} in body should be at least ${minLength} chars long`));
        }
        if (pattern !== undefined) {
          if (!re) throw reError;
          if (!re.test(v)) errs.push(fieldErrors.invalid(path, v, `${nameOf(path)} in body should match '${pattern}'`));
        }
        if (format !== undefined && !formatOk(format, v)) errs.push({ type: 'FieldValueTypeInvalid', field: path, value: v, detail: `${nameOf(path)} in body must be of type ${format}: ${JSON.stringify(v)}` });
      }
    } else if (Array.isArray(v)) {
      if (maxItems !== undefined && v.length > maxItems) errs.push(fieldErrors.tooMany(path, v.length, maxItems));
      if (minItems !== undefined && v.length < minItems) errs.push(fieldErrors.invalid(path, v, `${nameOf(path)} in body should have at least ${minItems} items`));
      if (listSet && v.length > 1) {
        const seen = new Set<string>();
        for (let i = 0; i < v.length; i++) {
          const k = JSON.stringify(v[i]);
          if (seen.has(k)) errs.push(fieldErrors.duplicate(`${path}[${i}]`, v[i]));
          seen.add(k);
        }
      }
      if (mapKeys && v.length > 1) {
        const seen = new Set<string>();
        for (let i = 0; i < v.length; i++) {
          const item = v[i];
          if (!isObj(item)) continue;
          const k = JSON.stringify(mapKeys.map((key) => item[key] ?? null));
          if (seen.has(k)) errs.push(fieldErrors.duplicate(`${path}[${i}]`, Object.fromEntries(mapKeys.map((key) => [key, item[key]]))));
          seen.add(k);
        }
      }
      if (items) for (let i = 0; i < v.length; i++) items(v[i], `${path}[${i}]`, errs);
    } else if (isObj(v)) {
      if (maxProperties !== undefined || minProperties !== undefined) {
        const n = Object.keys(v).length;
        if (maxProperties !== undefined && n > maxProperties) errs.push(fieldErrors.tooMany(path, n, maxProperties));
        if (minProperties !== undefined && n < minProperties) errs.push(fieldErrors.invalid(path, n, `${nameOf(path)} in body should have at least ${minProperties} properties`));
      }
      if (required) for (const r of required) if (v[r] === undefined) errs.push(fieldErrors.required(childPath(path, r), ''));
      if (walkProps) {
        for (const k in v) {
          if (path === '' && k === 'metadata') continue;
          const child = props.get(k) ?? additional;
          if (child) child(v[k], path === '' ? k : `${path}.${k}`, errs);
        }
      }
    }
    if (allOf) for (const sub of allOf) sub(v, path, errs);
    if (anyOf && !anyOf.some((sub) => passes(sub, v, path))) errs.push(fieldErrors.invalid(path, v, `${nameOf(path)} in body must validate at least one schema (anyOf)`));
    if (oneOf && oneOf.filter((sub) => passes(sub, v, path)).length !== 1) errs.push(fieldErrors.invalid(path, v, `${nameOf(path)} in body must validate one and only one schema (oneOf)`));
    if (not && passes(not, v, path)) errs.push(fieldErrors.invalid(path, v, `${nameOf(path)} in body should not validate the schema (not)`));
  };
}

// ---- pruning and defaulting, compiled -----------------------------------------------------------

type Pruner = (v: unknown, embedded: boolean, path: string, pruned: string[] | undefined) => void;
interface PruneChild {
  fn: Pruner;
  embedded: boolean;
}
const prunerCache = new WeakMap<JSONSchemaProps, Pruner>();

function pruner(s: JSONSchemaProps): Pruner {
  let c = prunerCache.get(s);
  if (!c) {
    c = compilePruner(s);
    prunerCache.set(s, c);
  }
  return c;
}

const pruneChild = (s: JSONSchemaProps): PruneChild => ({ fn: pruner(s), embedded: !!s['x-kubernetes-embedded-resource'] });

function compilePruner(s: JSONSchemaProps): Pruner {
  const props = new Map<string, PruneChild>();
  for (const [k, p] of Object.entries(s.properties ?? {})) if (p) props.set(k, pruneChild(p));
  const additional = isObj(s.additionalProperties) ? pruneChild(s.additionalProperties as JSONSchemaProps) : undefined;
  const keepUnknown = s.additionalProperties === true || !!s['x-kubernetes-preserve-unknown-fields'];
  const items = s.items ? pruneChild(s.items) : undefined;
  return (v, embedded, path, pruned) => {
    if (Array.isArray(v)) {
      if (items) for (let i = 0; i < v.length; i++) items.fn(v[i], items.embedded, pruned ? `${path}[${i}]` : '', pruned);
      return;
    }
    if (!isObj(v)) return;
    for (const k of Object.keys(v)) {
      if (embedded && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
      const c = props.get(k) ?? additional;
      if (c) c.fn(v[k], c.embedded, pruned ? childPath(path, k) : '', pruned);
      else if (!keepUnknown) {
        pruned?.push(childPath(path, k));
        delete v[k];
      }
    }
  };
}

/** `prune` (schema.ts) through a pruner compiled once per schema object. */
export function pruneCompiled(obj: unknown, s: JSONSchemaProps | undefined, isRoot = true, pruned?: string[]): void {
  if (s) pruner(s)(obj, isRoot, '', pruned);
}

type Defaulter = (v: unknown) => void;
const defaulterCache = new WeakMap<JSONSchemaProps, Defaulter>();

function defaulter(s: JSONSchemaProps | undefined): Defaulter {
  if (!s) return NOOP_DEFAULTER;
  let c = defaulterCache.get(s);
  if (!c) {
    c = compileDefaulter(s);
    defaulterCache.set(s, c);
  }
  return c;
}
const NOOP_DEFAULTER: Defaulter = () => {};

function compileDefaulter(s: JSONSchemaProps): Defaulter {
  const defaults: [string, unknown, boolean][] = [];
  const props = new Map<string, Defaulter>();
  for (const [k, p] of Object.entries(s.properties ?? {})) {
    if (!p) continue;
    if (p.default !== undefined) defaults.push([k, p.default, !!p.nullable]);
    const d = defaulter(p);
    if (d !== NOOP_DEFAULTER) props.set(k, d);
  }
  const additional = isObj(s.additionalProperties) ? defaulter(s.additionalProperties as JSONSchemaProps) : NOOP_DEFAULTER;
  const items = defaulter(s.items);
  // no default anywhere below: nothing to walk (a child's schema is its property's, else additionalProperties')
  if (!defaults.length && !props.size && additional === NOOP_DEFAULTER && items === NOOP_DEFAULTER) return NOOP_DEFAULTER;
  const walk = props.size > 0 || additional !== NOOP_DEFAULTER;
  const declared = new Set(Object.keys(s.properties ?? {}).filter((k) => s.properties?.[k]));
  return (v) => {
    if (Array.isArray(v)) {
      if (items !== NOOP_DEFAULTER) for (const item of v) items(item);
      return;
    }
    if (!isObj(v)) return;
    for (const [k, d, nullable] of defaults) if (v[k] === undefined || (v[k] === null && !nullable)) v[k] = structuredClone(d);
    if (!walk) return;
    for (const k in v) {
      const child = v[k];
      if (typeof child !== 'object' || child === null) continue;
      const c = props.get(k) ?? (declared.has(k) ? undefined : additional);
      if (c) c(child);
    }
  };
}

/** `applyDefaults` (schema.ts) through a defaulter compiled once per schema object. */
export function applyDefaultsCompiled(v: unknown, s: JSONSchemaProps | undefined): void {
  defaulter(s)(v);
}

// ---- the generated success-path check -----------------------------------------------------------

/**
 * A check generated as one JavaScript function per schema (as ajv does): true only if the closure
 * validator would find no error at the root (path ''). It never builds a message or a path; when it
 * says false, the closure validator runs and produces the exact errors. Every schema-derived value
 * is passed in as a constant (K[i]), property names only appear as JSON string literals.
 */
const fastCache = new WeakMap<JSONSchemaProps, (v: unknown) => boolean>();

export function fastRootCheck(s: JSONSchemaProps): (v: unknown) => boolean {
  let f = fastCache.get(s);
  if (!f) {
    f = generateFastCheck(s);
    fastCache.set(s, f);
  }
  return f;
}

function uniqueJson(v: unknown[]): boolean {
  if (v.length < 2) return true;
  const seen = new Set<string>();
  for (const item of v) {
    const k = JSON.stringify(item);
    if (seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}

function uniqueMapKeys(v: unknown[], keys: string[]): boolean {
  if (v.length < 2) return true;
  const seen = new Set<string>();
  for (const item of v) {
    if (!isObj(item)) continue;
    const k = JSON.stringify(keys.map((key) => item[key] ?? null));
    if (seen.has(k)) return false;
    seen.add(k);
  }
  return true;
}

function generateFastCheck(root: JSONSchemaProps): (v: unknown) => boolean {
  const K: unknown[] = [];
  const k = (x: unknown): string => `K[${K.push(x) - 1}]`;
  let vars = 0;
  const node = (s: JSONSchemaProps, v: string, isRoot: boolean): string => {
    const out: string[] = [];
    const intOrString = !!s['x-kubernetes-int-or-string'];
    out.push(`if (${v} === null) { ${!s.nullable && s.type ? 'return false;' : ''} } else {`);
    if (intOrString) out.push(`if (!(typeof ${v} === 'string' || (typeof ${v} === 'number' && Number.isInteger(${v})))) return false;`);
    else if (s.type === 'object') out.push(`if (typeof ${v} !== 'object' || Array.isArray(${v})) return false;`);
    else if (s.type === 'array') out.push(`if (!Array.isArray(${v})) return false;`);
    else if (s.type === 'string') out.push(`if (typeof ${v} !== 'string') return false;`);
    else if (s.type === 'integer') out.push(`if (typeof ${v} !== 'number' || !Number.isInteger(${v})) return false;`);
    else if (s.type === 'number') out.push(`if (typeof ${v} !== 'number') return false;`);
    else if (s.type === 'boolean') out.push(`if (typeof ${v} !== 'boolean') return false;`);
    if (s.enum) out.push(`if (!${k(enumPredicate(s.enum))}(${v})) return false;`);
    const { maximum, minimum, multipleOf, maxLength, minLength, pattern, maxItems, minItems, maxProperties, minProperties } = s;
    const num: string[] = [];
    if (maximum !== undefined) num.push(`${v} ${s.exclusiveMaximum ? '>=' : '>'} ${k(maximum)}`);
    if (minimum !== undefined) num.push(`${v} ${s.exclusiveMinimum ? '<=' : '<'} ${k(minimum)}`);
    if (multipleOf !== undefined && multipleOf !== 0) {
      const m = k(multipleOf);
      num.push(`Math.abs(${v} / ${m} - Math.round(${v} / ${m})) > 1e-9`);
    }
    const str: string[] = [];
    if (maxLength !== undefined) str.push(`(${v}.length > ${k(maxLength)} && CP(${v}) > ${k(maxLength)})`);
    if (minLength !== undefined) str.push(`(${v}.length < ${k(minLength)} || (${v}.length < 2 * ${k(minLength)} && CP(${v}) < ${k(minLength)}))`);
    if (pattern !== undefined) {
      let re: RegExp | undefined;
      try {
        re = new RegExp(pattern, 'u');
      } catch {
        re = undefined; // the closure validator throws
      }
      str.push(re ? `!${k(re)}.test(${v})` : 'true');
    }
    if (s.format && !intOrString) str.push(`!FMT(${k(s.format)}, ${v})`);
    const arr: string[] = [];
    if (maxItems !== undefined) arr.push(`if (${v}.length > ${k(maxItems)}) return false;`);
    if (minItems !== undefined) arr.push(`if (${v}.length < ${k(minItems)}) return false;`);
    if (s.uniqueItems || s['x-kubernetes-list-type'] === 'set') arr.push(`if (!UNIQ(${v})) return false;`);
    const mapKeys = s['x-kubernetes-list-map-keys'];
    if (s['x-kubernetes-list-type'] === 'map' && mapKeys?.length) arr.push(`if (!UNIQMAP(${v}, ${k(mapKeys)})) return false;`);
    if (s.items) {
      const i = `i${vars}`;
      const item = `v${++vars}`;
      arr.push(`for (let ${i} = 0; ${i} < ${v}.length; ${i}++) { const ${item} = ${v}[${i}]; ${node(s.items, item, false)} }`);
    }
    const obj: string[] = [];
    if (maxProperties !== undefined || minProperties !== undefined) {
      const n = `n${vars++}`;
      obj.push(`const ${n} = Object.keys(${v}).length;`);
      if (maxProperties !== undefined) obj.push(`if (${n} > ${k(maxProperties)}) return false;`);
      if (minProperties !== undefined) obj.push(`if (${n} < ${k(minProperties)}) return false;`);
    }
    for (const r of s.required ?? []) obj.push(`if (${v}[${k(r)}] === undefined) return false;`);
    const props = Object.entries(s.properties ?? {}).filter(([, p]) => !!p);
    const additional = isObj(s.additionalProperties) ? (s.additionalProperties as JSONSchemaProps) : undefined;
    if (props.length || additional) {
      const key = `k${vars}`;
      const child = `v${++vars}`;
      const cases = props.map(([name, p]) => `case ${JSON.stringify(name)}: { ${node(p, child, false)} break; }`);
      if (additional) cases.push(`default: { ${node(additional, child, false)} }`);
      obj.push(`for (const ${key} in ${v}) { ${isRoot ? `if (${key} === 'metadata') continue; ` : ''}const ${child} = ${v}[${key}]; switch (${key}) { ${cases.join(' ')} } }`);
    }
    if (num.length) out.push(`if (typeof ${v} === 'number') { if (${num.join(' || ')}) return false; }`);
    const branches: string[] = [];
    if (str.length) branches.push(`if (typeof ${v} === 'string') { if (${str.join(' || ')}) return false; }`);
    if (arr.length) branches.push(`if (Array.isArray(${v})) { ${arr.join(' ')} }`);
    if (obj.length) branches.push(`if (typeof ${v} === 'object' && !Array.isArray(${v})) { ${obj.join(' ')} }`);
    out.push(...branches);
    if (s.allOf?.length || s.anyOf?.length || s.oneOf?.length || s.not) {
      // combinators: the closure validator of this node decides (its path only matters for the root's metadata)
      const c = compiledValidator(s);
      const path = isRoot ? '' : '.';
      out.push(`if (!${k((x: unknown) => { const e: FieldError[] = []; c(x, path, e); return e.length === 0; })}(${v})) return false;`);
    }
    out.push('}');
    return out.join('\n');
  };
  const body = `${node(root, 'v0', true)}\nreturn true;`;
  const make = new Function('K', 'CP', 'FMT', 'UNIQ', 'UNIQMAP', `return function fastRootCheck(v0) {\n${body}\n};`) as (...a: unknown[]) => (v: unknown) => boolean;
  return make(K, codePoints, formatOk, uniqueJson, uniqueMapKeys);
}
