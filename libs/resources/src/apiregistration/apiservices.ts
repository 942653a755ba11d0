/**
 * apiregistration.k8s.io/v1 apiservices: cluster-scoped, named `<version>.<group>` (`v1.` for the
 * core group), status subresource with conditions. Validation and the table as kube-aggregator's
 * (pkg/apis/apiregistration/validation, pkg/registry/apiservice): NAME, SERVICE (`Local` or
 * `<namespace>/<name>`), AVAILABLE (`True`, or `False (Reason)`), AGE. spec.service.port defaults to 443.
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { isDNS1035Label, isDNS1123Subdomain } from '../../../apimachinery/src/validation/dns';
import { ResourceDefinition } from '../../../registry/src/resource';
import { arr, num, obj, str } from '../common/json';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

export const APIREGISTRATION_GROUP = 'apiregistration.k8s.io';

export interface APIServiceCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** spec.service, or undefined for a local APIService */
export function apiServiceService(s: KObject): { namespace: string; name: string; port: number } | undefined {
  const svc = obj(obj(s.spec)?.service);
  if (!svc) return undefined;
  return { namespace: str(svc.namespace), name: str(svc.name), port: num(svc.port) ?? 443 };
}

export function apiServiceCondition(s: KObject, type = 'Available'): APIServiceCondition | undefined {
  return arr(obj(s.status)?.conditions).find((c) => obj(c)?.type === type) as APIServiceCondition | undefined;
}

function caBundleLength(v: unknown): number {
  if (typeof v !== 'string' || v === '') return 0;
  return Buffer.from(v, 'base64').length;
}

export function validateAPIService(s: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(s.spec) ?? {};
  const group = str(spec.group);
  const version = str(spec.version);
  const name = s.metadata.name ?? '';
  const required = `${version}.${group}`;
  if (name && name !== required) errs.push(fieldErrors.invalid('metadata.name', name, `must be \`spec.version+"."+spec.group\`: ${JSON.stringify(required)}`));
  if (group === '' && version !== 'v1') errs.push(fieldErrors.required('spec.group', 'only v1 may have an empty group and it better be legacy kube'));
  if (group !== '') for (const e of isDNS1123Subdomain(group)) errs.push(fieldErrors.invalid('spec.group', group, e));
  for (const e of isDNS1035Label(version)) errs.push(fieldErrors.invalid('spec.version', version, e));
  const gpm = num(spec.groupPriorityMinimum) ?? 0;
  if (gpm <= 0 || gpm > 20000) errs.push(fieldErrors.invalid('spec.groupPriorityMinimum', gpm, 'must be positive and less than 20000'));
  const vp = num(spec.versionPriority) ?? 0;
  if (vp <= 0 || vp > 1000) errs.push(fieldErrors.invalid('spec.versionPriority', vp, 'must be positive and less than 1000'));
  const insecure = spec.insecureSkipTLSVerify === true;
  const caLen = caBundleLength(spec.caBundle);
  const svc = obj(spec.service);
  if (!svc) {
    if (caLen) errs.push(fieldErrors.invalid('spec.caBundle', `${caLen} bytes`, 'local APIServices may not have a caBundle'));
    if (insecure) errs.push(fieldErrors.invalid('spec.insecureSkipTLSVerify', true, 'local APIServices may not have insecureSkipTLSVerify'));
    return errs;
  }
  if (!str(svc.namespace)) errs.push(fieldErrors.required('spec.service.namespace'));
  if (!str(svc.name)) errs.push(fieldErrors.required('spec.service.name'));
  if (insecure && caLen > 0) errs.push(fieldErrors.invalid('spec.insecureSkipTLSVerify', true, 'may not be true if caBundle is present'));
  return errs;
}

const CONDITION_STATUSES = ['True', 'False', 'Unknown'];

export function validateAPIServiceStatus(s: KObject): FieldError[] {
  const errs: FieldError[] = [];
  arr(obj(s.status)?.conditions).forEach((c, i) => {
    const st = str(obj(c)?.status);
    if (!CONDITION_STATUSES.includes(st)) errs.push(fieldErrors.notSupported(`status.conditions[${i}].status`, st, CONDITION_STATUSES));
  });
  return errs;
}

/** the AVAILABLE cell: `True`, `False (Reason)`, `Unknown` */
export function availableCell(s: KObject): string {
  const c = apiServiceCondition(s);
  if (!c) return 'Unknown';
  if (c.status === 'True') return c.status;
  return c.reason ? `${c.status} (${c.reason})` : c.status;
}

export function apiServicesDefinition(): ResourceDefinition {
  return {
    group: APIREGISTRATION_GROUP,
    version: 'v1',
    kind: 'APIService',
    plural: 'apiservices',
    singular: 'apiservice',
    namespaced: false,
    categories: ['api-extensions'],
    modelType: 'V1APIService',
    nameValidation: 'pathSegment',
    subresources: { status: true },
    strategy: {
      default: (s) => {
        const svc = obj(obj(s.spec)?.service);
        if (svc && (svc.port === undefined || svc.port === null)) svc.port = 443;
      },
      prepareForCreate: (s) => {
        s.status = {};
      },
      validate: validateAPIService,
    },
    statusStrategy: { validateUpdate: validateAPIServiceStatus },
    table: {
      columns: [
        nameColumn(),
        column('Service', 'string', 'The reference to the service that hosts this API endpoint.'),
        column('Available', 'string', 'Whether this service is available.'),
        ageColumn(),
      ],
      cells: (s, now) => {
        const svc = apiServiceService(s);
        return [s.metadata.name ?? '', svc ? `${svc.namespace}/${svc.name}` : 'Local', availableCell(s), translateTimestampSince(s.metadata.creationTimestamp, now)];
      },
    },
  };
}
