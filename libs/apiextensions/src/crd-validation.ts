/**
 * Validation of apiextensions.k8s.io/v1 CustomResourceDefinitions (upstream
 * apiextensions-apiserver/pkg/apis/apiextensions/validation): names, group, scope, versions,
 * structural schemas and CEL rules.
 */
import { FieldError, fieldErrors } from '../../apimachinery/src/field-errors';
import { KObject } from '../../apimachinery/src/types';
import { isDNS1035Label, isDNS1123Subdomain } from '../../apimachinery/src/validation/dns';
import { invalidRendered } from '../../apimachinery/src/validation/rendered-errors';
import { goTypedSlice, validateWebhookService, validateWebhookURL } from '../../resources/src/admissionregistration/webhook-validation';
import { compileError } from './cel-rules';
import { validateMetadataInvariants } from './structural-metadata';
import { CONVERSION_REVIEW_VERSIONS } from './webhook-converter';
import { JSONSchemaProps } from './schema';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

const SCHEMA_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];

/** Structural schema checks (structuralschema.ValidateStructural) plus CEL compilation. */
export function validateStructural(s: JSONSchemaProps, path: string, errs: FieldError[], opts: { root: boolean; inXOf?: boolean }): void {
  const intOrString = !!s['x-kubernetes-int-or-string'];
  const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
  const embedded = !!s['x-kubernetes-embedded-resource'];
  if (!opts.inXOf) {
    if (!s.type && !intOrString && !preserve && !embedded) errs.push(fieldErrors.required(`${path}.type`, 'must not be empty for specified object fields'));
    if (s.type && !SCHEMA_TYPES.includes(s.type)) errs.push(fieldErrors.notSupported(`${path}.type`, s.type, SCHEMA_TYPES));
    if (opts.root && s.type && s.type !== 'object') errs.push(fieldErrors.invalid(`${path}.type`, s.type, 'must be object at the root'));
  }
  if (intOrString && s.type) errs.push(fieldErrors.invalid(`${path}.type`, s.type, 'must be empty if x-kubernetes-int-or-string is true'));
  if (embedded && !s.type) errs.push(fieldErrors.required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
  else if (embedded && s.type !== 'object') errs.push(fieldErrors.invalid(`${path}.type`, s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  if (embedded && !preserve && Object.keys(s.properties ?? {}).length === 0) {
    errs.push(fieldErrors.required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
  if (s.properties && s.additionalProperties !== undefined && s.additionalProperties !== false) {
    errs.push(fieldErrors.forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
  }
  if (s.additionalProperties === false && preserve) {
    errs.push(fieldErrors.forbidden(`${path}.additionalProperties`, 'cannot set additionalProperties to false if x-kubernetes-preserve-unknown-fields is true'));
  }
  if (s.type === 'array' && !s.items && !opts.inXOf) errs.push(fieldErrors.required(`${path}.items`, 'must be specified'));
  if (!opts.inXOf) errs.push(...validateMetadataInvariants(s, path, opts.root || embedded));
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern, 'u');
    } catch {
      errs.push(fieldErrors.invalid(`${path}.pattern`, s.pattern, 'must be a valid regular expression'));
    }
  }
  for (const k of ['$ref', 'definitions', 'dependencies', 'patternProperties', 'additionalItems']) {
    if (s[k] !== undefined) errs.push(fieldErrors.forbidden(`${path}.${k}`, `${k} is not supported`));
  }
  if (s.properties && isObj(s.properties)) {
    for (const [k, ps] of Object.entries(s.properties)) validateStructural(ps, `${path}.properties[${k}]`, errs, { root: false, inXOf: opts.inXOf });
  }
  if (isObj(s.additionalProperties)) validateStructural(s.additionalProperties as JSONSchemaProps, `${path}.additionalProperties`, errs, { root: false, inXOf: opts.inXOf });
  if (isObj(s.items)) validateStructural(s.items, `${path}.items`, errs, { root: false, inXOf: opts.inXOf });
  for (const k of ['allOf', 'anyOf', 'oneOf'] as const) {
    (s[k] ?? []).forEach((sub, i) => validateStructural(sub, `${path}.${k}[${i}]`, errs, { root: false, inXOf: true }));
  }
  if (s.default !== undefined && opts.root) errs.push(fieldErrors.forbidden(`${path}.default`, 'must not be set at the root'));
  (s['x-kubernetes-validations'] ?? []).forEach((r, i) => {
    const p = `${path}.x-kubernetes-validations[${i}]`;
    if (!str(r.rule)) {
      errs.push(fieldErrors.required(`${p}.rule`, ''));
      return;
    }
    const ce = compileError(r.rule);
    if (ce) errs.push(fieldErrors.invalid(`${p}.rule`, r.rule, `compilation failed: ${ce}`));
    if (r.messageExpression) {
      const me = compileError(r.messageExpression);
      if (me) errs.push(fieldErrors.invalid(`${p}.messageExpression`, r.messageExpression, `messageExpression compilation failed: ${me}`));
    }
    if (r.message !== undefined && r.message.trim() === '') errs.push(fieldErrors.required(`${p}.message`, 'message must be non-empty if specified'));
    if (r.reason !== undefined && !['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'].includes(r.reason)) {
      errs.push(fieldErrors.notSupported(`${p}.reason`, r.reason, ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired']));
    }
  });
}

/**
 * validateCustomResourceConversion. Upstream validates the internal type, so the paths are the
 * internal field names: `spec.conversion.webhookClientConfig` (v1 `webhook.clientConfig`) and
 * `spec.conversion.conversionReviewVersions` (v1 `webhook.conversionReviewVersions`).
 */
export function validateConversion(conversion: Obj, requireRecognizedVersion = true): FieldError[] {
  const errs: FieldError[] = [];
  const p = 'spec.conversion';
  const strategy = str(conversion.strategy);
  if (!strategy) errs.push(fieldErrors.required(`${p}.strategy`, ''));
  else if (strategy !== 'None' && strategy !== 'Webhook') errs.push(fieldErrors.notSupported(`${p}.strategy`, strategy, ['None', 'Webhook']));
  const webhook = isObj(conversion.webhook) ? conversion.webhook : undefined;
  const cc = webhook && isObj(webhook.clientConfig) ? webhook.clientConfig : undefined;
  const reviewVersions = webhook && Array.isArray(webhook.conversionReviewVersions) ? (webhook.conversionReviewVersions as unknown[]).map(str) : [];
  if (strategy === 'Webhook') {
    if (!cc) errs.push(fieldErrors.required(`${p}.webhookClientConfig`, 'required when strategy is set to Webhook'));
    else {
      const hasURL = typeof cc.url === 'string';
      const service = isObj(cc.service) ? cc.service : undefined;
      if (hasURL === !!service) errs.push(fieldErrors.required(`${p}.webhookClientConfig`, 'exactly one of url or service is required'));
      else if (hasURL) errs.push(...validateWebhookURL(`${p}.webhookClientConfig.url`, str(cc.url)));
      else if (service) errs.push(...validateWebhookService(`${p}.webhookClientConfig.service`, service));
    }
    errs.push(...validateConversionReviewVersions(reviewVersions, `${p}.conversionReviewVersions`, requireRecognizedVersion));
  } else {
    if (cc) errs.push(fieldErrors.forbidden(`${p}.webhookClientConfig`, 'should not be set when strategy is not set to Webhook'));
    if (reviewVersions.length > 0) errs.push(fieldErrors.forbidden(`${p}.conversionReviewVersions`, 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

function validateConversionReviewVersions(versions: string[], path: string, requireRecognizedVersion: boolean): FieldError[] {
  if (versions.length === 0) return [fieldErrors.required(path, '')];
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let accepted = false;
  versions.forEach((v, i) => {
    if (seen.has(v)) {
      errs.push(fieldErrors.invalid(`${path}[${i}]`, v, 'duplicate version'));
      return;
    }
    seen.add(v);
    for (const m of isDNS1035Label(v)) errs.push(fieldErrors.invalid(`${path}[${i}]`, v, m));
    if (CONVERSION_REVIEW_VERSIONS.includes(v)) accepted = true;
  });
  if (requireRecognizedVersion && !accepted) errs.push(invalidRendered(path, goTypedSlice('string', versions), `must include at least one of ${CONVERSION_REVIEW_VERSIONS.join(', ')}`));
  return errs;
}

export function storageVersionOf(crd: KObject): string | undefined {
  const versions = (crd.spec as Obj | undefined)?.versions;
  if (!Array.isArray(versions)) return undefined;
  return str((versions as Obj[]).find((v) => v.storage === true)?.name) || undefined;
}

/**
 * `requireRecognizedConversionReviewVersion`: false for updates of a CRD whose conversion review
 * versions already named none we speak (upstream hasValidConversionReviewVersionOrEmpty)
 */
export function validateCRD(crd: KObject, requireRecognizedConversionReviewVersion = true): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(crd.spec) ? crd.spec : {};
  const names = isObj(spec.names) ? spec.names : {};
  const group = str(spec.group);
  const plural = str(names.plural);
  if (crd.metadata.name !== `${plural}.${group}`) {
    errs.push(fieldErrors.invalid('metadata.name', crd.metadata.name ?? '', 'must be spec.names.plural+"."+spec.group'));
  }
  if (!group) errs.push(fieldErrors.required('spec.group', ''));
  else {
    const ge = isDNS1123Subdomain(group);
    if (ge.length) errs.push(fieldErrors.invalid('spec.group', group, ge.join(',')));
    if (group.split('.').length < 2) errs.push(fieldErrors.invalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  const scope = str(spec.scope);
  if (!scope) errs.push(fieldErrors.required('spec.scope', ''));
  else if (scope !== 'Cluster' && scope !== 'Namespaced') errs.push(fieldErrors.notSupported('spec.scope', scope, ['Cluster', 'Namespaced']));

  // names
  if (!plural) errs.push(fieldErrors.required('spec.names.plural', ''));
  else {
    const e = isDNS1035Label(plural);
    if (e.length) errs.push(fieldErrors.invalid('spec.names.plural', plural, e.join(',')));
  }
  const singular = str(names.singular);
  if (singular) {
    const e = isDNS1035Label(singular);
    if (e.length) errs.push(fieldErrors.invalid('spec.names.singular', singular, e.join(',')));
  }
  const kind = str(names.kind);
  if (!kind) errs.push(fieldErrors.required('spec.names.kind', ''));
  else {
    const e = isDNS1035Label(kind.toLowerCase());
    if (e.length) errs.push(fieldErrors.invalid('spec.names.kind', kind, 'may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?'));
  }
  const listKind = str(names.listKind);
  if (!listKind) errs.push(fieldErrors.required('spec.names.listKind', ''));
  else if (kind && listKind === kind) errs.push(fieldErrors.invalid('spec.names.listKind', listKind, 'kind and listKind may not be the same or empty'));
  (Array.isArray(names.shortNames) ? names.shortNames : []).forEach((sn, i) => {
    const e = isDNS1035Label(str(sn));
    if (e.length) errs.push(fieldErrors.invalid(`spec.names.shortNames[${i}]`, sn, e.join(',')));
  });
  (Array.isArray(names.categories) ? names.categories : []).forEach((c, i) => {
    const e = isDNS1035Label(str(c));
    if (e.length) errs.push(fieldErrors.invalid(`spec.names.categories[${i}]`, c, e.join(',')));
  });

  // versions
  const versions = Array.isArray(spec.versions) ? (spec.versions as Obj[]) : [];
  if (versions.length === 0) errs.push(fieldErrors.required('spec.versions', 'must have exactly one version marked as storage version'));
  const seen = new Set<string>();
  let storage = 0;
  let served = 0;
  let unique = true;
  versions.forEach((v, i) => {
    const p = `spec.versions[${i}]`;
    const name = str(v.name);
    if (v.storage === true) storage++;
    if (v.served === true) served++;
    if (seen.has(name)) unique = false;
    seen.add(name);
    const ne = isDNS1035Label(name);
    if (ne.length) errs.push(fieldErrors.invalid(`${p}.name`, name, ne.join(',')));
    const schema = isObj(v.schema) && isObj(v.schema.openAPIV3Schema) ? (v.schema.openAPIV3Schema as JSONSchemaProps) : undefined;
    if (!schema) errs.push(fieldErrors.required(`${p}.schema.openAPIV3Schema`, 'schemas are required'));
    else validateStructural(schema, `${p}.schema.openAPIV3Schema`, errs, { root: true });
    const subs = isObj(v.subresources) ? v.subresources : {};
    if (isObj(subs.scale)) {
      const sc = subs.scale;
      if (!str(sc.specReplicasPath)) errs.push(fieldErrors.required(`${p}.subresources.scale.specReplicasPath`, ''));
      else if (!str(sc.specReplicasPath).startsWith('.spec')) errs.push(fieldErrors.invalid(`${p}.subresources.scale.specReplicasPath`, sc.specReplicasPath, 'should be a json path under .spec'));
      if (!str(sc.statusReplicasPath)) errs.push(fieldErrors.required(`${p}.subresources.scale.statusReplicasPath`, ''));
      else if (!str(sc.statusReplicasPath).startsWith('.status')) errs.push(fieldErrors.invalid(`${p}.subresources.scale.statusReplicasPath`, sc.statusReplicasPath, 'should be a json path under .status'));
    }
    (Array.isArray(v.additionalPrinterColumns) ? (v.additionalPrinterColumns as Obj[]) : []).forEach((c, j) => {
      const cp = `${p}.additionalPrinterColumns[${j}]`;
      if (!str(c.name)) errs.push(fieldErrors.required(`${cp}.name`, ''));
      if (!str(c.jsonPath)) errs.push(fieldErrors.required(`${cp}.jsonPath`, ''));
      const t = str(c.type);
      if (!t) errs.push(fieldErrors.required(`${cp}.type`, ''));
      else if (!['integer', 'number', 'string', 'boolean', 'date'].includes(t)) errs.push(fieldErrors.notSupported(`${cp}.type`, t, ['boolean', 'date', 'integer', 'number', 'string']));
    });
  });
  if (!unique) errs.push(fieldErrors.invalid('spec.versions', versions, 'must contain unique version names'));
  if (versions.length && storage !== 1) errs.push(fieldErrors.invalid('spec.versions', versions, 'must have exactly one version marked as storage version'));
  if (versions.length && served === 0) errs.push(fieldErrors.invalid('spec.versions', versions, 'must have at least one served version'));
  if (isObj(spec.conversion)) errs.push(...validateConversion(spec.conversion, requireRecognizedConversionReviewVersion));
  return errs;
}

export function validateCRDUpdate(crd: KObject, old: KObject): FieldError[] {
  const oldWebhook = (((old.spec ?? {}) as Obj).conversion as Obj | undefined)?.webhook as Obj | undefined;
  const oldReviewVersions = Array.isArray(oldWebhook?.conversionReviewVersions) ? (oldWebhook!.conversionReviewVersions as unknown[]).map(str) : [];
  const errs = validateCRD(crd, oldReviewVersions.length === 0 || oldReviewVersions.some((v) => CONVERSION_REVIEW_VERSIONS.includes(v)));
  const spec = (crd.spec ?? {}) as Obj;
  const oldSpec = (old.spec ?? {}) as Obj;
  if (spec.group !== oldSpec.group) errs.push(fieldErrors.invalid('spec.group', spec.group, 'field is immutable'));
  const names = (spec.names ?? {}) as Obj;
  const oldNames = (oldSpec.names ?? {}) as Obj;
  if (names.plural !== oldNames.plural) errs.push(fieldErrors.invalid('spec.names.plural', names.plural, 'field is immutable'));
  // storedVersions must still be listed
  const stored = Array.isArray((crd.status as Obj | undefined)?.storedVersions) ? ((crd.status as Obj).storedVersions as string[]) : [];
  const versions = Array.isArray(spec.versions) ? (spec.versions as Obj[]).map((v) => str(v.name)) : [];
  stored.forEach((sv, i) => {
    if (!versions.includes(sv)) errs.push(fieldErrors.invalid(`status.storedVersions[${i}]`, sv, 'must appear in spec.versions'));
  });
  return errs;
}
