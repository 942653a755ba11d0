/** networking.k8s.io/v1 networkpolicies: policyTypes and port protocol defaults, peer and port validation. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { KObject } from '../../../apimachinery/src/types';
import { isValidPortName, isValidPortNum, validateLabelSelector } from '../../../apimachinery/src/validation';
import { ResourceDefinition } from '../../../registry/src/resource';
import { child, Json, obj, objs, str, strs } from '../common/json';
import { formatSelector } from '../common/selector';
import { translateTimestampSince } from '../printing/age';
import { ageColumn, column, nameColumn } from '../printing/columns';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

/** SetDefaults_NetworkPolicy and SetDefaults_NetworkPolicyPort */
export function defaultNetworkPolicy(np: KObject): void {
  const spec = child(np, 'spec');
  child(spec, 'podSelector');
  for (const dir of ['ingress', 'egress']) {
    for (const rule of objs(spec[dir])) for (const port of objs(rule.ports)) if (port.protocol === undefined || port.protocol === null) port.protocol = 'TCP';
  }
  if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
    const types = ['Ingress'];
    if (Array.isArray(spec.egress) && spec.egress.length > 0) types.push('Egress');
    spec.policyTypes = types;
  }
}

function validatePort(port: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (port.protocol !== undefined && port.protocol !== null && !PROTOCOLS.includes(str(port.protocol))) {
    errs.push(fieldErrors.notSupported(`${path}.protocol`, port.protocol, PROTOCOLS));
  }
  const endPort = typeof port.endPort === 'number' ? port.endPort : undefined;
  if (typeof port.port === 'number') {
    for (const m of isValidPortNum(port.port)) errs.push(fieldErrors.invalid(`${path}.port`, port.port, m));
    if (endPort !== undefined) {
      if (endPort < port.port) errs.push(fieldErrors.invalid(`${path}.endPort`, port.port, 'must be greater than or equal to `port`'));
      for (const m of isValidPortNum(endPort)) errs.push(fieldErrors.invalid(`${path}.endPort`, endPort, m));
    }
  } else if (typeof port.port === 'string') {
    if (endPort !== undefined) errs.push(fieldErrors.invalid(`${path}.endPort`, endPort, 'may not be specified when `port` is non-numeric'));
    for (const m of isValidPortName(port.port)) errs.push(fieldErrors.invalid(`${path}.port`, port.port, m));
  } else if (endPort !== undefined) {
    errs.push(fieldErrors.invalid(`${path}.endPort`, endPort, 'may not be specified when `port` is not specified'));
  }
  return errs;
}

function validatePeer(peer: Json, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let n = 0;
  if (obj(peer.podSelector)) {
    n++;
    errs.push(...validateLabelSelector(peer.podSelector, `${path}.podSelector`));
  }
  if (obj(peer.namespaceSelector)) {
    n++;
    errs.push(...validateLabelSelector(peer.namespaceSelector, `${path}.namespaceSelector`));
  }
  const ipBlock = obj(peer.ipBlock);
  if (ipBlock) {
    n++;
    if (!str(ipBlock.cidr)) errs.push(fieldErrors.required(`${path}.ipBlock.cidr`, ''));
  }
  if (n === 0) errs.push(fieldErrors.required(path, 'must specify a peer'));
  else if (ipBlock && n > 1) errs.push(fieldErrors.forbidden(path, 'may not specify both ipBlock and another peer'));
  return errs;
}

export function validateNetworkPolicy(np: KObject): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(np.spec) ?? {};
  errs.push(...validateLabelSelector(spec.podSelector, 'spec.podSelector'));
  objs(spec.ingress).forEach((rule, i) => {
    objs(rule.ports).forEach((p, j) => errs.push(...validatePort(p, `spec.ingress[${i}].ports[${j}]`)));
    objs(rule.from).forEach((p, j) => errs.push(...validatePeer(p, `spec.ingress[${i}].from[${j}]`)));
  });
  objs(spec.egress).forEach((rule, i) => {
    objs(rule.ports).forEach((p, j) => errs.push(...validatePort(p, `spec.egress[${i}].ports[${j}]`)));
    objs(rule.to).forEach((p, j) => errs.push(...validatePeer(p, `spec.egress[${i}].to[${j}]`)));
  });
  const types = strs(spec.policyTypes);
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') errs.push(fieldErrors.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  if (types.length > 2) errs.push(fieldErrors.invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  return errs;
}

export function networkPoliciesDefinition(): ResourceDefinition {
  return {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    listKind: 'NetworkPolicyList',
    plural: 'networkpolicies',
    singular: 'networkpolicy',
    namespaced: true,
    shortNames: ['netpol'],
    modelType: 'V1NetworkPolicy',
    tracksGeneration: true,
    strategy: { default: defaultNetworkPolicy, validate: validateNetworkPolicy },
    table: {
      columns: [nameColumn(), column('Pod-Selector', 'string', 'Selects the pods to which this NetworkPolicy object applies.'), ageColumn()],
      cells: (np, now) => [np.metadata.name ?? '', formatSelector(obj(np.spec)?.podSelector), translateTimestampSince(np.metadata.creationTimestamp, now)],
    },
  };
}
