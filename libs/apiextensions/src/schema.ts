/**
 * The structural OpenAPI v3 schema of a CustomResourceDefinition version (JSONSchemaProps) and the
 * operations the custom resource handler runs with it, as apiextensions-apiserver does:
 * pruning of unknown fields, defaulting, and validation with kube-openapi's messages.
 */
import { FieldError, fieldErrors } from '../../apimachinery/src/field-errors';

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  maximum?: number;
  minimum?: number;
  exclusiveMaximum?: boolean;
  exclusiveMinimum?: boolean;
  multipleOf?: number;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  maxProperties?: number;
  minProperties?: number;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
  'x-kubernetes-validations'?: ValidationRule[];
  [k: string]: unknown;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

/** The schema applying to an object's property (properties, then additionalProperties). */
export function propertySchema(s: JSONSchemaProps | undefined, name: string): JSONSchemaProps | undefined {
  if (!s) return undefined;
  if (s.properties?.[name]) return s.properties[name];
  if (isObj(s.additionalProperties)) return s.additionalProperties as JSONSchemaProps;
  return undefined;
}

// ---- pruning ------------------------------------------------------------------------------------

/**
 * Drops fields not specified by the schema (structuralpruning.Prune). At the root and in embedded
 * resources, apiVersion, kind and metadata are kept; metadata keeps only ObjectMeta fields.
 */
export function prune(obj: unknown, s: JSONSchemaProps | undefined, isRoot = true, pruned?: string[]): void {
  pruneValue(obj, s, isRoot, '', pruned);
}

function pruneValue(v: unknown, s: JSONSchemaProps | undefined, embedded: boolean, path: string, pruned?: string[]): void {
  if (!s) return;
  if (Array.isArray(v)) {
    if (!s.items) return;
    const embedded = !!s.items['x-kubernetes-embedded-resource'];
    // paths are only built when the pruned paths are collected
    for (let i = 0; i < v.length; i++) pruneValue(v[i], s.items, embedded, pruned ? `${path}[${i}]` : '', pruned);
    return;
  }
  if (!isObj(v)) return;
  const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
  for (const k of Object.keys(v)) {
    // apiVersion, kind and metadata of the root and of embedded resources are always kept
    if (embedded && (k === 'apiVersion' || k === 'kind' || k === 'metadata')) continue;
    const ps = s.properties?.[k];
    const p = !pruned ? '' : path === '' ? k : `${path}.${k}`;
    if (ps) {
      pruneValue(v[k], ps, !!ps['x-kubernetes-embedded-resource'], p, pruned);
    } else if (isObj(s.additionalProperties)) {
      const as = s.additionalProperties as JSONSchemaProps;
      pruneValue(v[k], as, !!as['x-kubernetes-embedded-resource'], p, pruned);
    } else if (s.additionalProperties === true || preserve) {
      continue;
    } else {
      pruned?.push(p);
      delete v[k];
    }
  }
}

// ---- defaulting ---------------------------------------------------------------------------------

/** Applies `default` values of absent properties (structuraldefaulting.Default), deepest last. */
export function applyDefaults(v: unknown, s: JSONSchemaProps | undefined): void {
  if (!s) return;
  if (Array.isArray(v)) {
    for (const item of v) applyDefaults(item, s.items);
    return;
  }
  if (!isObj(v)) return;
  const props = s.properties;
  if (props) {
    for (const k in props) {
      const ps = props[k];
      if (ps && ps.default !== undefined && (v[k] === undefined || (v[k] === null && !ps.nullable))) v[k] = structuredClone(ps.default);
    }
  }
  if (!props && !isObj(s.additionalProperties)) return;
  for (const k in v) {
    const child = v[k];
    if (typeof child === 'object' && child !== null) applyDefaults(child, propertySchema(s, k));
  }
}

// ---- validation ---------------------------------------------------------------------------------

export function goTypeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

export function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isObj(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return true;
  }
}

/** kube-openapi's supported string formats (the ones CRDs use). */
const FORMATS: Record<string, RegExp | ((s: string) => boolean)> = {
  email: /^[^@\s]+@[^@\s]+\.[^@\s]+$/,
  hostname: /^(?=.{1,253}$)[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,61}[a-zA-Z0-9])?)*$/,
  ipv4: /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
  ipv6: (s) => s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s),
  cidr: /^[0-9a-fA-F:.]+\/\d{1,3}$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s),
  date: /^\d{4}-\d{2}-\d{2}$/,
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  uri: (s) => /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(s),
};

export function formatOk(format: string, s: string): boolean {
  const f = FORMATS[format];
  if (!f) return true;
  return typeof f === 'function' ? f(s) : f.test(s);
}

const regexCache = new Map<string, RegExp>();
function regex(p: string): RegExp {
  let r = regexCache.get(p);
  if (!r) {
    r = new RegExp(p, 'u');
    regexCache.set(p, r);
  }
  return r;
}

function fmtNum(n: number): string {
  return String(n);
}

/** Validates a value against the schema; `path` is the field path of `v` ('' for the root). */
export function validateValue(v: unknown, s: JSONSchemaProps | undefined, path: string, errs: FieldError[] = []): FieldError[] {
  if (!s) return errs;
  const name = path === '' ? '<root>' : path;
  if (v === null) {
    if (!s.nullable && s.type) errs.push({ type: 'FieldValueTypeInvalid', field: path || '<root>', value: null, detail: `${name} in body must be of type ${s.type}: "null"` });
    return errs;
  }
  if (s['x-kubernetes-int-or-string']) {
    if (!(typeof v === 'string' || (typeof v === 'number' && Number.isInteger(v)))) {
      errs.push({ type: 'FieldValueTypeInvalid', field: path, value: v, detail: `${name} in body must be of type integer,string: "${goTypeName(v)}"` });
      return errs;
    }
  } else if (s.type && !typeMatches(s.type, v)) {
    errs.push({ type: 'FieldValueTypeInvalid', field: path, value: v, detail: `${name} in body must be of type ${s.type}: "${goTypeName(v)}"` });
    return errs;
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    errs.push({
      type: 'FieldValueNotSupported',
      field: path,
      value: v,
      detail: `supported values: ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`,
    });
  }
  if (typeof v === 'number') {
    if (s.maximum !== undefined && (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum)) {
      errs.push(fieldErrors.invalid(path, v, `${name} in body should be less than ${s.exclusiveMaximum ? '' : 'or equal to '}${fmtNum(s.maximum)}`));
    }
    if (s.minimum !== undefined && (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum)) {
      errs.push(fieldErrors.invalid(path, v, `${name} in body should be greater than ${s.exclusiveMinimum ? '' : 'or equal to '}${fmtNum(s.minimum)}`));
    }
    if (s.multipleOf !== undefined && s.multipleOf !== 0 && Math.abs(v / s.multipleOf - Math.round(v / s.multipleOf)) > 1e-9) {
      errs.push(fieldErrors.invalid(path, v, `${name} in body should be a multiple of ${fmtNum(s.multipleOf)}`));
    }
  }
  if (typeof v === 'string') {
    const len = [...v].length;
    if (s.maxLength !== undefined && len > s.maxLength) errs.push(fieldErrors.tooLong(path, v, s.maxLength));
    if (s.minLength !== undefined && len < s.minLength) errs.push(fieldErrors.invalid(path, v, `${name} in body should be at least ${s.minLength} chars long`));
    if (s.pattern !== undefined && !regex(s.pattern).test(v)) errs.push(fieldErrors.invalid(path, v, `${name} in body should match '${s.pattern}'`));
    if (s.format && !s['x-kubernetes-int-or-string'] && !formatOk(s.format, v)) {
      errs.push({ type: 'FieldValueTypeInvalid', field: path, value: v, detail: `${name} in body must be of type ${s.format}: ${JSON.stringify(v)}` });
    }
  }
  if (Array.isArray(v)) {
    if (s.maxItems !== undefined && v.length > s.maxItems) errs.push(fieldErrors.tooMany(path, v.length, s.maxItems));
    if (s.minItems !== undefined && v.length < s.minItems) errs.push(fieldErrors.invalid(path, v, `${name} in body should have at least ${s.minItems} items`));
    if (s.uniqueItems || s['x-kubernetes-list-type'] === 'set') {
      const seen = new Set<string>();
      v.forEach((item, i) => {
        const k = JSON.stringify(item);
        if (seen.has(k)) errs.push(fieldErrors.duplicate(`${path}[${i}]`, item));
        seen.add(k);
      });
    }
    if (s['x-kubernetes-list-type'] === 'map' && s['x-kubernetes-list-map-keys']?.length) {
      const keys = s['x-kubernetes-list-map-keys'];
      const seen = new Set<string>();
      v.forEach((item, i) => {
        if (!isObj(item)) return;
        const k = JSON.stringify(keys.map((key) => item[key] ?? null));
        if (seen.has(k)) errs.push(fieldErrors.duplicate(`${path}[${i}]`, Object.fromEntries(keys.map((key) => [key, item[key]]))));
        seen.add(k);
      });
    }
    v.forEach((item, i) => validateValue(item, s.items, `${path}[${i}]`, errs));
  }
  if (isObj(v)) {
    const n = Object.keys(v).length;
    if (s.maxProperties !== undefined && n > s.maxProperties) errs.push(fieldErrors.tooMany(path, n, s.maxProperties));
    if (s.minProperties !== undefined && n < s.minProperties) errs.push(fieldErrors.invalid(path, n, `${name} in body should have at least ${s.minProperties} properties`));
    for (const r of s.required ?? []) if (v[r] === undefined) errs.push(fieldErrors.required(childPath(path, r), ''));
    for (const [k, child] of Object.entries(v)) {
      if (path === '' && k === 'metadata') continue;
      validateValue(child, propertySchema(s, k), childPath(path, k), errs);
    }
  }
  for (const sub of s.allOf ?? []) validateValue(v, sub, path, errs);
  if (s.anyOf?.length && !s.anyOf.some((sub) => validateValue(v, sub, path, []).length === 0)) {
    errs.push(fieldErrors.invalid(path, v, `${name} in body must validate at least one schema (anyOf)`));
  }
  if (s.oneOf?.length && s.oneOf.filter((sub) => validateValue(v, sub, path, []).length === 0).length !== 1) {
    errs.push(fieldErrors.invalid(path, v, `${name} in body must validate one and only one schema (oneOf)`));
  }
  if (s.not && validateValue(v, s.not, path, []).length === 0) {
    errs.push(fieldErrors.invalid(path, v, `${name} in body should not validate the schema (not)`));
  }
  return errs;
}
