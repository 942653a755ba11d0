/** networking.k8s.io/v1 ingressclasses: cluster-scoped; controller is a domain-prefixed path and immutable. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { isDNS1123Subdomain, validateImmutableField } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, obj, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

const MAX_CONTROLLER_LENGTH = 250;
const pathSegmentRegexp = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

/** validation.IsDomainPrefixedPath */
export function isDomainPrefixedPath(path: string, value: string): FieldError[] {
  if (value.length === 0) return [fieldErrors.required(path, '')];
  const idx = value.indexOf('/');
  if (idx < 0 || idx === value.length - 1) return [fieldErrors.invalid(path, value, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = value.slice(0, idx);
  const rest = value.slice(idx + 1);
  const errs: FieldError[] = [];
  for (const m of isDNS1123Subdomain(host)) errs.push(fieldErrors.invalid(path, host, m));
  if (!pathSegmentRegexp.test(rest)) {
    errs.push(fieldErrors.invalid(path, rest, "Invalid path: must consist of alphanumeric characters, '-', '_', '.', '/', '~', '%', '!', '$', '&', '''', '(', ')', '*', '+', ',', ';', '=', ':'"));
  }
  return errs;
}

function validateSpec(ic: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(ic.spec) ?? {};
  const controller = str(spec.controller);
  if (Buffer.byteLength(controller) > MAX_CONTROLLER_LENGTH) errs.push(fieldErrors.tooLong('spec.controller', controller, MAX_CONTROLLER_LENGTH));
  errs.push(...isDomainPrefixedPath('spec.controller', controller));
  const params = obj(spec.parameters);
  if (params) {
    const p = 'spec.parameters';
    if (!str(params.kind)) errs.push(fieldErrors.required(`${p}.kind`, ''));
    if (!str(params.name)) errs.push(fieldErrors.required(`${p}.name`, ''));
    if (typeof params.apiGroup === 'string') {
      for (const m of isDNS1123Subdomain(params.apiGroup)) errs.push(fieldErrors.invalid(`${p}.apiGroup`, params.apiGroup, m));
    }
    const scope = str(params.scope);
    if (scope === 'Namespace') {
      if (!str(params.namespace)) errs.push(fieldErrors.required(`${p}.namespace`, "`parameters.scope` is set to 'Namespace'"));
    } else if (scope === 'Cluster') {
      if (params.namespace !== undefined && params.namespace !== null) errs.push(fieldErrors.forbidden(`${p}.namespace`, "`parameters.scope` is set to 'Cluster'"));
    } else if (params.scope === undefined || params.scope === null) {
      errs.push(fieldErrors.required(`${p}.scope`, ''));
    } else {
      errs.push(fieldErrors.notSupported(`${p}.scope`, scope, ['Cluster', 'Namespace']));
    }
  }
  return errs;
}

export function ingressClassesDefinition(): ResourceDefinition {
  return {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'IngressClass',
    plural: 'ingressclasses',
    singular: 'ingressclass',
    namespaced: false,
    modelType: 'V1IngressClass',
    tracksGeneration: true,
    strategy: {
      default: (ic) => {
        const spec = child(ic, 'spec');
        const params = obj(spec.parameters);
        if (params && (params.scope === undefined || params.scope === null)) params.scope = 'Cluster';
      },
      validate: validateSpec,
      validateUpdate: (ic, old) => [
        ...validateSpec(ic),
        ...validateImmutableField(str(obj(ic.spec)?.controller), str(obj(old.spec)?.controller), 'spec.controller'),
      ],
    },
    table: {
      columns: [
        nameColumn(),
        column('Controller', 'string', 'Controller that is responsible for handling this class'),
        column('Parameters', 'string', 'A reference to a resource with additional parameters'),
        ageColumn(),
      ],
      cells: (ic, now) => {
        const spec = obj(ic.spec) ?? {};
        const params = obj(spec.parameters);
        let parameters = '<none>';
        if (params) {
          parameters = str(params.kind);
          if (typeof params.apiGroup === 'string') parameters = `${parameters}.${params.apiGroup}`;
          parameters = `${parameters}/${str(params.name)}`;
        }
        return [ic.metadata.name ?? '', str(spec.controller), parameters, translateTimestampSince(ic.metadata.creationTimestamp, now)];
      },
    },
  };
}
