/**
 * `x-kubernetes-embedded-resource` objects inside a custom resource (apiextensions-apiserver
 * schema/objectmeta validation.go): apiVersion and kind are required (kind a DNS-1035 label in any
 * case, apiVersion a group/version), and their metadata is checked like an object's metadata
 * (ValidateObjectMeta with path-segment names; a missing name is allowed).
 */
import { FieldError, fieldErrors } from '../../apimachinery/src/field-errors';
import { ObjectMeta } from '../../apimachinery/src/types';
import { isDNS1035Label } from '../../apimachinery/src/validation/dns';
import { validateObjectMeta } from '../../apimachinery/src/validation/object-meta';
import { JSONSchemaProps } from './schema';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const child = (path: string, k: string): string => (path === '' ? k : `${path}.${k}`);

function validateEmbedded(path: string, x: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (!('apiVersion' in x)) errs.push(fieldErrors.required(child(path, 'apiVersion'), ''));
  if (!('kind' in x)) errs.push(fieldErrors.required(child(path, 'kind'), ''));
  for (const [k, v] of Object.entries(x)) {
    if (k === 'apiVersion') {
      if (typeof v !== 'string') errs.push(fieldErrors.invalid(child(path, k), v, 'must be a string'));
      else if (v.length === 0) errs.push(fieldErrors.required(child(path, k), ''));
      else if (v !== '/' && v.split('/').length > 2) errs.push(fieldErrors.invalid(child(path, k), v, `unexpected GroupVersion string: ${v}`));
    } else if (k === 'kind') {
      if (typeof v !== 'string') errs.push(fieldErrors.invalid(child(path, k), v, 'must be a string'));
      else if (v.length === 0) errs.push(fieldErrors.required(child(path, k), ''));
      else {
        const e = isDNS1035Label(v.toLowerCase());
        if (e.length) errs.push(fieldErrors.invalid(child(path, k), v, `may have mixed case, but should otherwise match: ${e.join(',')}`));
      }
    } else if (k === 'metadata') {
      if (!isObj(v)) {
        errs.push(fieldErrors.invalid(child(path, k), v, 'must be an object'));
        continue;
      }
      const meta = { ...(v as ObjectMeta) };
      if (typeof meta.name !== 'string' || meta.name.length === 0) meta.name = 'fakename';
      const namespaced = typeof meta.namespace === 'string' && meta.namespace.length > 0;
      errs.push(...validateObjectMeta(meta, namespaced, 'pathSegment', child(path, 'metadata')));
    }
  }
  return errs;
}

/** Errors of every embedded resource under `x` (`path` '' for the root, which is not itself checked). */
export function validateEmbeddedResources(x: unknown, s: JSONSchemaProps | undefined, path: string, errs: FieldError[] = []): FieldError[] {
  if (!s) return errs;
  if (isObj(x)) {
    if (s['x-kubernetes-embedded-resource'] && path !== '') errs.push(...validateEmbedded(path, x));
    for (const [k, v] of Object.entries(x)) {
      const prop = s.properties?.[k];
      if (prop) validateEmbeddedResources(v, prop, child(path, k), errs);
      else if (isObj(s.additionalProperties)) validateEmbeddedResources(v, s.additionalProperties as JSONSchemaProps, `${path}[${k}]`, errs);
    }
  } else if (Array.isArray(x)) {
    x.forEach((v, i) => validateEmbeddedResources(v, s.items, `${path}[${i}]`, errs));
  }
  return errs;
}
