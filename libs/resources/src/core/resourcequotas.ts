/** core/v1 resource quotas: spec.hard validated (resource names, non-negative quantities), status subresource. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { errors } from '../../../apimachinery/src/status';
import { KObject } from '../../../apimachinery/src/types';
import { isQualifiedName } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { Json, obj, strs } from '../common/json';
import { isValidQuantity, parseQuantity, QUANTITY_FORMAT_MESSAGE } from '../common/quantity';
import { STANDARD_COMPUTE_RESOURCES, STANDARD_OBJECT_COUNT_RESOURCES } from '../common/standard-resources';
import { compareGoStrings } from '../../../apimachinery/src/selectors/go-text';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

const STANDARD_QUOTA = new Set<string>([
  ...STANDARD_OBJECT_COUNT_RESOURCES,
  ...STANDARD_COMPUTE_RESOURCES,
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
]);
const INTEGER_RESOURCES = new Set<string>(STANDARD_OBJECT_COUNT_RESOURCES);
const SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'];

function isStandardQuotaName(name: string): boolean {
  return (
    STANDARD_QUOTA.has(name) ||
    name.startsWith('count/') ||
    name.startsWith('hugepages-') ||
    name.startsWith('requests.hugepages-') ||
    name.includes('/')
  );
}

function checkHardQuantities(rq: KObject): void {
  for (const list of [obj(obj(rq.spec)?.hard), obj(obj(rq.status)?.hard), obj(obj(rq.status)?.used)]) {
    for (const q of Object.values(list ?? {})) {
      if (!isValidQuantity(q)) throw errors.badRequest(`ResourceQuota in version "v1" cannot be handled as a ResourceQuota: ${QUANTITY_FORMAT_MESSAGE}`);
    }
  }
}

function validateResourceList(list: Json | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(list ?? {})) {
    const p = `${path}[${k}]`;
    const msgs = isQualifiedName(k);
    for (const m of msgs) errs.push(fieldErrors.invalid(p, k, m));
    if (msgs.length === 0 && !isStandardQuotaName(k)) errs.push(fieldErrors.invalid(p, k, 'must be a standard resource for quota'));
    const n = parseQuantity(v);
    if (n !== null && n < 0n) errs.push(fieldErrors.invalid(p, String(v), 'must be greater than or equal to 0'));
    else if (n !== null && INTEGER_RESOURCES.has(k) && n % 1_000_000_000n !== 0n) errs.push(fieldErrors.invalid(p, String(v), 'must be an integer'));
  }
  return errs;
}

function validateQuota(rq: KObject): FieldError[] {
  const spec = obj(rq.spec) ?? {};
  const errs = validateResourceList(obj(spec.hard), 'spec.hard');
  const scopes = strs(spec.scopes);
  for (const s of scopes) if (!SCOPES.includes(s)) errs.push(fieldErrors.invalid('spec.scopes', scopes, 'unsupported scope'));
  return errs;
}

function validateQuotaStatus(rq: KObject): FieldError[] {
  const status = obj(rq.status) ?? {};
  return [...validateResourceList(obj(status.hard), 'status.hard'), ...validateResourceList(obj(status.used), 'status.used')];
}

/** printResourceQuota: "name: used/hard" per resource in status.hard, limits.* in the Limit column */
function quotaColumns(rq: KObject): [string, string] {
  const status = obj(rq.status) ?? {};
  const hard = obj(status.hard) ?? {};
  const used = obj(status.used) ?? {};
  const req: string[] = [];
  const lim: string[] = [];
  for (const k of Object.keys(hard).sort(compareGoStrings)) {
    const pieces = k.split('.');
    const cell = `${k}: ${String(used[k] ?? '0')}/${String(hard[k])}`;
    (pieces.length > 1 && pieces[0] === 'limits' ? lim : req).push(cell);
  }
  return [req.join(', '), lim.join(', ')];
}

export function resourceQuotasDefinition(): ResourceDefinition {
  return {
    group: '',
    version: 'v1',
    kind: 'ResourceQuota',
    plural: 'resourcequotas',
    singular: 'resourcequota',
    namespaced: true,
    shortNames: ['quota'],
    storagePrefix: 'resourcequotas',
    subresources: { status: true },
    modelType: 'V1ResourceQuota',
    strategy: {
      default: (rq) => {
        checkHardQuantities(rq);
        if (!obj(rq.spec)) rq.spec = {};
      },
      prepareForCreate(rq) {
        rq.status = {};
      },
      prepareForUpdate(rq, old) {
        rq.status = old.status ?? {};
      },
      validate: validateQuota,
      allowCreateOnUpdate: false,
      allowUnconditionalUpdate: true,
    },
    statusStrategy: {
      prepareForUpdate(rq, old) {
        rq.spec = old.spec;
      },
      validateUpdate: (rq) => [...validateQuota(rq), ...validateQuotaStatus(rq)],
    },
    table: {
      columns: [
        nameColumn(),
        ageColumn(),
        column('Request', 'string', 'Requested resources (used/hard).'),
        column('Limit', 'string', 'Resource limits (used/hard).'),
      ],
      cells(rq, now) {
        const [request, limit] = quotaColumns(rq);
        return [rq.metadata.name ?? '', translateTimestampSince(rq.metadata.creationTimestamp, now), request, limit];
      },
    },
  };
}
