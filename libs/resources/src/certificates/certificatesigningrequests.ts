/**
 * certificates.k8s.io/v1 certificatesigningrequests: cluster-scoped; the spec is fixed at create
 * (username/uid/groups/extra come from the requesting user); `/status` writes the certificate and
 * non-approval conditions, `/approval` only the Approved/Denied conditions.
 */
import { KObject } from '../../../apimachinery/src/types';
import { RequestUser, ResourceDefinition, SubresourceStrategy } from '../../../registry/src/resource';
import { child, Json, obj, objs, str } from '../common/json';
import { humanDuration, translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';
import { validateCSRUpdate, validateCSR } from './csr-validation';

const isApproval = (c: Json) => c.type === 'Approved' || c.type === 'Denied';

function nowTime(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** populateConditionTimestamps */
function populateConditionTimestamps(csr: KObject, old: KObject): void {
  const now = nowTime();
  const oldConditions = objs(obj(old.status)?.conditions);
  for (const c of objs(obj(csr.status)?.conditions)) {
    if (!c.lastUpdateTime) c.lastUpdateTime = now;
    if (!c.lastTransitionTime) {
      const prev = oldConditions.find((o) => o.type === c.type && o.status === c.status && o.lastTransitionTime);
      c.lastTransitionTime = prev ? prev.lastTransitionTime : now;
    }
  }
}

function setConditions(csr: KObject, conditions: Json[]): void {
  const status = child(csr, 'status');
  if (conditions.length) status.conditions = conditions;
  else delete status.conditions;
}

/** The requesting user becomes spec.username/uid/groups/extra (user-supplied values are dropped). */
export function fillCSRUser(csr: KObject, user: RequestUser | undefined): void {
  const spec = child(csr, 'spec');
  delete spec.username;
  delete spec.uid;
  delete spec.groups;
  delete spec.extra;
  if (!user) return;
  if (user.name) spec.username = user.name;
  if (user.uid) spec.uid = user.uid;
  if (user.groups.length) spec.groups = [...user.groups];
  if (user.extra && Object.keys(user.extra).length) spec.extra = Object.fromEntries(Object.entries(user.extra).map(([k, v]) => [k, [...v]]));
}

/** /status: keeps spec and the Approved/Denied conditions of the stored object */
const statusStrategy: SubresourceStrategy = {
  prepareForUpdate: (csr, old) => {
    csr.spec = old.spec;
    const next = [...objs(obj(csr.status)?.conditions).filter((c) => !isApproval(c)), ...objs(obj(old.status)?.conditions).filter(isApproval)];
    setConditions(csr, next);
    populateConditionTimestamps(csr, old);
  },
  validateUpdate: validateCSRUpdate,
};

/** /approval: only the Approved/Denied conditions change */
const approvalStrategy: SubresourceStrategy = {
  prepareForUpdate: (csr, old) => {
    csr.spec = old.spec;
    const status = child(csr, 'status');
    const oldStatus = obj(old.status) ?? {};
    if (oldStatus.certificate !== undefined) status.certificate = oldStatus.certificate;
    else delete status.certificate;
    const next = [...objs(status.conditions).filter(isApproval), ...objs(oldStatus.conditions).filter((c) => !isApproval(c))];
    setConditions(csr, next);
    populateConditionTimestamps(csr, old);
  },
  validateUpdate: validateCSRUpdate,
};

/** extractCSRStatus */
export function csrCondition(csr: KObject): string {
  const types = new Set(objs(obj(csr.status)?.conditions).map((c) => str(c.type)));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (str(obj(csr.status)?.certificate).length > 0) s += ',Issued';
  return s;
}

export function certificateSigningRequestsDefinition(): ResourceDefinition {
  return {
    group: 'certificates.k8s.io',
    version: 'v1',
    kind: 'CertificateSigningRequest',
    plural: 'certificatesigningrequests',
    singular: 'certificatesigningrequest',
    namespaced: false,
    shortNames: ['csr'],
    modelType: 'V1CertificateSigningRequest',
    subresources: { status: true, others: { approval: approvalStrategy } },
    strategy: {
      default: (csr) => {
        const spec = child(csr, 'spec');
        // protobuf ExtraValue messages decode as {items: [...]}: back to their JSON form
        const extra = obj(spec.extra);
        if (extra) for (const [k, v] of Object.entries(extra)) if (obj(v)) extra[k] = Array.isArray(obj(v)!.items) ? obj(v)!.items : [];
      },
      prepareForCreate: (csr) => {
        csr.status = {};
      },
      fillFromRequestUser: fillCSRUser,
      prepareForUpdate: (csr, old) => {
        csr.spec = old.spec;
        csr.status = old.status;
      },
      validate: validateCSR,
      validateUpdate: validateCSRUpdate,
    },
    statusStrategy,
    table: {
      columns: [
        nameColumn(),
        ageColumn(),
        column('SignerName', 'string', 'Name of the signer requested for the certificate.'),
        column('Requestor', 'string', 'Name of the user which made this request.'),
        column('RequestedDuration', 'string', 'Requested duration of the issued certificate.'),
        column('Condition', 'string', 'Current status of the request.'),
      ],
      cells: (csr, now) => {
        const spec = obj(csr.spec) ?? {};
        return [
          csr.metadata.name ?? '',
          translateTimestampSince(csr.metadata.creationTimestamp, now),
          str(spec.signerName),
          str(spec.username),
          typeof spec.expirationSeconds === 'number' ? humanDuration(spec.expirationSeconds * 1000) : '<none>',
          csrCondition(csr),
        ];
      },
    },
    selectableFields: (csr) => ({ 'spec.signerName': str(obj(csr.spec)?.signerName) }),
  };
}
