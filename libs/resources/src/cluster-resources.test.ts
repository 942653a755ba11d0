/** Defaults, validation (upstream field paths and messages) and tables of the cluster resources. */
import { describe, expect, it } from 'vitest';
import { fieldErrorString } from '../../apimachinery/src/field-errors';
import { deepCopy, KObject } from '../../apimachinery/src/types';
import { ResourceDefinition } from '../../registry/src/resource';
import {
  certificateSigningRequestsDefinition,
  clusterResources,
  csiDriversDefinition,
  csiNodesDefinition,
  ingressClassesDefinition,
  ingressesDefinition,
  mutatingWebhookConfigurationsDefinition,
  networkPoliciesDefinition,
  priorityClassesDefinition,
  runtimeClassesDefinition,
  storageClassesDefinition,
  validatingAdmissionPoliciesDefinition,
  validatingAdmissionPolicyBindingsDefinition,
  validatingWebhookConfigurationsDefinition,
  volumeAttachmentsDefinition,
} from './cluster-resources';

const ing = ingressesDefinition();
const ic = ingressClassesDefinition();
const np = networkPoliciesDefinition();
const pc = priorityClassesDefinition();
const rc = runtimeClassesDefinition();
const sc = storageClassesDefinition();
const csid = csiDriversDefinition();
const csin = csiNodesDefinition();
const va = volumeAttachmentsDefinition();
const csr = certificateSigningRequestsDefinition();
const vwc = validatingWebhookConfigurationsDefinition();
const mwc = mutatingWebhookConfigurationsDefinition();
const vap = validatingAdmissionPoliciesDefinition();
const vapb = validatingAdmissionPolicyBindingsDefinition();

const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}) });

/** defaults, then validation, as the create handler does */
function errorsOf(def: ResourceDefinition, body: Record<string, unknown>, old?: Record<string, unknown>): string[] {
  const obj = deepCopy(body) as KObject;
  def.strategy.default?.(obj);
  if (old) {
    const o = deepCopy(old) as KObject;
    def.strategy.default?.(o);
    return (def.strategy.validateUpdate ?? def.strategy.validate!)(obj, o).map(fieldErrorString);
  }
  return def.strategy.validate!(obj).map(fieldErrorString);
}

const backend = { service: { name: 'web', port: { number: 80 } } };
const ingress = (paths: unknown[], extra: Record<string, unknown> = {}) => ({
  metadata: meta('i', 'default'),
  spec: { rules: [{ host: 'a.example.com', http: { paths } }], ...extra },
});
const hook = (extra: Record<string, unknown> = {}) => ({
  name: 'hook.example.com',
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  clientConfig: { service: { name: 'svc', namespace: 'ns' } },
  ...extra,
});
const CSR_PEM = Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIHKMHICAQAwEDEOMAwGA1UEAwwFYWxpY2UwWTATBgcqhkjOPQIBBggqhkjOPQMB\nBwNCAATMLVrqq0JjY0U9N4pAVZrar5wdsZoXbjGvBn5I4I5P6Ot0bCYDf6n85Nqc\n//dgBzQkW9E14t8yqu0FMULrWEFpoAAwCgYIKoZIzj0EAwIDSAAwRQIgAsEs3kkW\n2wYp9dCWdSIQLZuYrUvDZwfn1p5TZLq4/VsCIQDagAwBqAu7WzDFztToHCPO1t9B\no2KAn4pfIC1GHYuiiw==\n-----END CERTIFICATE REQUEST-----\n').toString('base64');
const csrBody = (spec: Record<string, unknown>) => ({
  metadata: meta('c'),
  spec: { request: CSR_PEM, signerName: 'example.com/signer', usages: ['client auth'], ...spec },
});

describe('cluster resources: validation', () => {
  it.each<[string, ResourceDefinition, Record<string, unknown>, string, Record<string, unknown>?]>([
    ['ingress without rules or backend', ing, { metadata: meta('i', 'default'), spec: {} }, 'spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified'],
    ['ingress path without pathType', ing, ingress([{ path: '/', backend }]), 'spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified'],
    ['ingress relative Prefix path', ing, ingress([{ path: 'x', pathType: 'Prefix', backend }]), 'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path'],
    ['ingress path with //', ing, ingress([{ path: '/a//b', pathType: 'Exact', backend }]), "spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'"],
    ['ingress bad pathType', ing, ingress([{ path: '/', pathType: 'Regex', backend }]), 'spec.rules[0].http.paths[0].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"'],
    ['ingress port name and number', ing, ingress([{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http', number: 80 } } } }]), 'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number'],
    ['ingress port missing', ing, ingress([{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: {} } } }]), 'spec.rules[0].http.paths[0].backend: Required value: port name or number is required'],
    ['ingress service and resource', ing, ingress([{ path: '/', pathType: 'Prefix', backend: { ...backend, resource: { kind: 'Bucket', name: 'b' } } }]), 'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both resource and service backends'],
    ['ingress IP host', ing, { metadata: meta('i', 'default'), spec: { rules: [{ host: '10.0.0.1', http: { paths: [{ path: '/', pathType: 'Prefix', backend }] } }] } }, 'spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address'],
    ['ingress port out of range', ing, ingress([{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 70000 } } } }]), 'spec.rules[0].http.paths[0].backend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive'],
    ['ingressclass controller', ic, { metadata: meta('c'), spec: { controller: 'nginx' } }, 'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")'],
    ['ingressclass controller immutable', ic, { metadata: meta('c'), spec: { controller: 'a.io/b' } }, 'spec.controller: Invalid value: "a.io/b": field is immutable', { metadata: meta('c'), spec: { controller: 'a.io/c' } }],
    ['networkpolicy protocol', np, { metadata: meta('n', 'default'), spec: { ingress: [{ ports: [{ protocol: 'ICMP', port: 80 }] }] } }, 'spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"'],
    ['networkpolicy empty peer', np, { metadata: meta('n', 'default'), spec: { ingress: [{ from: [{}] }] } }, 'spec.ingress[0].from[0]: Required value: must specify a peer'],
    ['networkpolicy ipBlock and selector', np, { metadata: meta('n', 'default'), spec: { egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] } }, 'spec.egress[0].to[0]: Forbidden: may not specify both ipBlock and another peer'],
    ['networkpolicy endPort below port', np, { metadata: meta('n', 'default'), spec: { ingress: [{ ports: [{ port: 80, endPort: 70 }] }] } }, 'spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`'],
    ['networkpolicy policyTypes', np, { metadata: meta('n', 'default'), spec: { policyTypes: ['Both'] } }, 'spec.policyTypes[0]: Unsupported value: "Both": supported values: "Ingress", "Egress"'],
    ['priorityclass system- prefix', pc, { metadata: meta('system-x'), value: 1 }, "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-x is not a known system priority class"],
    ['priorityclass too high', pc, { metadata: meta('big'), value: 1000000001 }, 'value: Forbidden: maximum allowed value of a user defined priority is 1000000000'],
    ['priorityclass value immutable', pc, { metadata: meta('p'), value: 2 }, 'value: Forbidden: may not be changed in an update.', { metadata: meta('p'), value: 1 }],
    ['priorityclass preemptionPolicy', pc, { metadata: meta('p'), value: 1, preemptionPolicy: 'Always' }, 'preemptionPolicy: Unsupported value: "Always": supported values: "Never", "PreemptLowerPriority"'],
    ['runtimeclass handler', rc, { metadata: meta('r'), handler: 'Run_SC' }, `handler: Invalid value: "Run_SC": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`],
    ['runtimeclass handler immutable', rc, { metadata: meta('r'), handler: 'b' }, 'handler: Invalid value: "b": field is immutable', { metadata: meta('r'), handler: 'a' }],
    ['storageclass provisioner', sc, { metadata: meta('s') }, 'provisioner: Required value'],
    ['storageclass reclaimPolicy', sc, { metadata: meta('s'), provisioner: 'a.io/b', reclaimPolicy: 'Recycle' }, 'reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"'],
    ['storageclass bindingMode', sc, { metadata: meta('s'), provisioner: 'a.io/b', volumeBindingMode: 'Later' }, 'volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"'],
    ['storageclass parameters immutable', sc, { metadata: meta('s'), provisioner: 'a.io/b', parameters: { a: '2' } }, 'parameters: Forbidden: updates to parameters are forbidden.', { metadata: meta('s'), provisioner: 'a.io/b', parameters: { a: '1' } }],
    ['storageclass provisioner immutable', sc, { metadata: meta('s'), provisioner: 'a.io/c' }, 'provisioner: Forbidden: updates to provisioner are forbidden.', { metadata: meta('s'), provisioner: 'a.io/b' }],
    ['csidriver fsGroupPolicy', csid, { metadata: meta('a.io'), spec: { fsGroupPolicy: 'All' } }, 'spec.fsGroupPolicy: Unsupported value: "All": supported values: "File", "None", "ReadWriteOnceWithFSType"'],
    ['csidriver lifecycle mode', csid, { metadata: meta('a.io'), spec: { volumeLifecycleModes: ['Temporary'] } }, 'spec.volumeLifecycleModes: Unsupported value: "Temporary": supported values: "Ephemeral", "Persistent"'],
    ['csidriver attachRequired immutable', csid, { metadata: meta('a.io'), spec: { attachRequired: false } }, 'spec.attachRequired: Invalid value: false: field is immutable', { metadata: meta('a.io'), spec: { attachRequired: true } }],
    ['csinode nodeID', csin, { metadata: meta('n1'), spec: { drivers: [{ name: 'a.io' }] } }, 'spec.drivers[0].nodeID: Required value'],
    ['volumeattachment source', va, { metadata: meta('v'), spec: { attacher: 'a.io', nodeName: 'n1', source: {} } }, 'spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName'],
    ['csr usages', csr, csrBody({ usages: [] }), 'spec.usages: Required value'],
    ['csr unknown usage', csr, csrBody({ usages: ['flying'] }), 'spec.usages[0]: Unsupported value: "flying"'],
    ['csr signerName', csr, csrBody({ signerName: 'signer' }), "spec.signerName: Invalid value: \"signer\": must be a fully qualified domain and path of the form 'example.com/signer-name'"],
    ['csr expirationSeconds', csr, csrBody({ expirationSeconds: 60 }), 'spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)'],
    ['csr request', csr, csrBody({ request: Buffer.from('hi').toString('base64') }), 'spec.request: Invalid value: []byte{0x68, 0x69}: PEM block type must be CERTIFICATE REQUEST'],
    ['csr approved and denied', csr, { ...csrBody({}), status: { conditions: [{ type: 'Approved', status: 'True' }, { type: 'Denied', status: 'True' }] } }, 'status.conditions[1].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive'],
    ['webhook name', vwc, { metadata: meta('w'), webhooks: [hook({ name: 'hook' })] }, 'webhooks[0].name: Invalid value: "hook": should be a domain with at least three segments separated by dots'],
    ['webhook sideEffects required', vwc, { metadata: meta('w'), webhooks: [hook({ sideEffects: undefined })] }, 'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun'],
    ['webhook sideEffects unsupported', vwc, { metadata: meta('w'), webhooks: [hook({ sideEffects: 'Some' })] }, 'webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun"'],
    ['webhook review versions', vwc, { metadata: meta('w'), webhooks: [hook({ admissionReviewVersions: [] })] }, 'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1'],
    ['webhook timeout', vwc, { metadata: meta('w'), webhooks: [hook({ timeoutSeconds: 31 })] }, 'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds'],
    ['webhook client config', vwc, { metadata: meta('w'), webhooks: [hook({ clientConfig: {} })] }, 'webhooks[0].clientConfig: Required value: exactly one of url or service is required'],
    ['webhook http url', mwc, { metadata: meta('w'), webhooks: [hook({ clientConfig: { url: 'http://a.example.com/x' } })] }, "webhooks[0].clientConfig.url: Invalid value: \"http\": 'https' is the only allowed URL scheme; desired format: https://host[/path]"],
    ['webhook rule operations', vwc, { metadata: meta('w'), webhooks: [hook({ rules: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] })] }, 'webhooks[0].rules[0].operations: Required value'],
    ['webhook rule wildcard', vwc, { metadata: meta('w'), webhooks: [hook({ rules: [{ operations: ['*', 'CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }] })] }, `webhooks[0].rules[0].operations: Invalid value: []admissionregistration.OperationType{"*", "CREATE"}: if '*' is present, must not specify other operations`],
    ['webhook rule scope', vwc, { metadata: meta('w'), webhooks: [hook({ rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Global' }] })] }, 'webhooks[0].rules[0].scope: Unsupported value: "Global": supported values: "*", "Cluster", "Namespaced"'],
    ['webhook duplicate name', vwc, { metadata: meta('w'), webhooks: [hook(), hook()] }, 'webhooks[1].name: Duplicate value: "hook.example.com"'],
    ['mutating reinvocationPolicy', mwc, { metadata: meta('w'), webhooks: [hook({ reinvocationPolicy: 'Always' })] }, 'webhooks[0].reinvocationPolicy: Unsupported value: "Always": supported values: "IfNeeded", "Never"'],
    ['policy without validations', vap, { metadata: meta('p'), spec: { matchConstraints: { resourceRules: [{ operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }] } } }, 'spec.validations: Required value: validations or auditAnnotations must contain at least one item'],
    ['binding without policyName', vapb, { metadata: meta('b'), spec: { validationActions: ['Deny'] } }, 'spec.policyName: Required value'],
    ['binding validation action', vapb, { metadata: meta('b'), spec: { policyName: 'p', validationActions: ['Block'] } }, 'spec.validationActions[0]: Unsupported value: "Block": supported values: "Audit", "Deny", "Warn"'],
  ])('%s', (_name, def, body, expected, old) => {
    const errs = errorsOf(def, body, old);
    expect(errs.some((e) => e === expected || e.startsWith(`${expected}: `)), errs.join('\n')).toBe(true);
  });

  it('valid objects pass', () => {
    expect(errorsOf(ing, ingress([{ path: '/', pathType: 'Prefix', backend }], { tls: [{ hosts: ['*.example.com'] }] }))).toEqual([]);
    expect(errorsOf(pc, { metadata: meta('system-node-critical'), value: 2000001000 })).toEqual([]);
    expect(errorsOf(csr, csrBody({}))).toEqual([]);
    expect(errorsOf(vwc, { metadata: meta('w'), webhooks: [hook({ rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] }] })] })).toEqual([]);
  });
});

describe('cluster resources: defaults', () => {
  const defaulted = (def: ResourceDefinition, body: Record<string, unknown>) => {
    const obj = deepCopy(body) as KObject;
    def.strategy.default!(obj);
    return obj;
  };

  it('network policy: policyTypes and port protocol', () => {
    const o = defaulted(np, { metadata: meta('n', 'd'), spec: { egress: [{ ports: [{ port: 53 }] }] } });
    expect(o.spec).toEqual({ podSelector: {}, egress: [{ ports: [{ port: 53, protocol: 'TCP' }] }], policyTypes: ['Ingress', 'Egress'] });
    expect(defaulted(np, { metadata: meta('n', 'd'), spec: {} }).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
  });

  it('storage class, csi driver, priority class, ingress class', () => {
    expect(defaulted(sc, { metadata: meta('s'), provisioner: 'a.io/b' })).toMatchObject({ reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' });
    expect(defaulted(csid, { metadata: meta('a.io') }).spec).toEqual({
      attachRequired: true,
      podInfoOnMount: false,
      storageCapacity: false,
      fsGroupPolicy: 'ReadWriteOnceWithFSType',
      volumeLifecycleModes: ['Persistent'],
      requiresRepublish: false,
      seLinuxMount: false,
    });
    expect(defaulted(pc, { metadata: meta('p'), value: 1 }).preemptionPolicy).toBe('PreemptLowerPriority');
    expect(defaulted(ic, { metadata: meta('c'), spec: { controller: 'a.io/b', parameters: { kind: 'K', name: 'n' } } }).spec).toEqual({
      controller: 'a.io/b',
      parameters: { kind: 'K', name: 'n', scope: 'Cluster' },
    });
  });

  it('webhooks', () => {
    const v = defaulted(vwc, { metadata: meta('w'), webhooks: [hook({ rules: [{ operations: ['CREATE'] }] })] });
    expect((v.webhooks as Record<string, unknown>[])[0]).toEqual({
      ...hook(),
      clientConfig: { service: { name: 'svc', namespace: 'ns', port: 443 } },
      rules: [{ operations: ['CREATE'], scope: '*' }],
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      namespaceSelector: {},
      objectSelector: {},
      timeoutSeconds: 10,
    });
    const m = defaulted(mwc, { metadata: meta('w'), webhooks: [hook()] });
    expect((m.webhooks as Record<string, unknown>[])[0].reinvocationPolicy).toBe('Never');
    const p = defaulted(vap, { metadata: meta('p'), spec: { matchConstraints: { resourceRules: [{}] } } });
    expect(p.spec).toEqual({
      failurePolicy: 'Fail',
      matchConstraints: { matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, resourceRules: [{ scope: '*' }] },
    });
  });
});

describe('certificate signing requests', () => {
  it('takes the requesting user, keeps the spec on update, approval only changes approval conditions', () => {
    const obj = deepCopy(csrBody({ username: 'mallory', groups: ['x'] })) as KObject;
    csr.strategy.fillFromRequestUser!(obj, { name: 'alice', uid: 'u1', groups: ['g', 'system:authenticated'], extra: { scopes: ['a'] } });
    expect(obj.spec).toMatchObject({ username: 'alice', uid: 'u1', groups: ['g', 'system:authenticated'], extra: { scopes: ['a'] } });
    csr.strategy.prepareForCreate!(obj);
    expect(obj.status).toEqual({});
    const approval = csr.subresources!.others!.approval;
    const next = deepCopy(obj);
    next.spec = { ...(next.spec as object), username: 'eve' };
    next.status = { certificate: 'Zm9v', conditions: [{ type: 'Approved', status: 'True', reason: 'R' }, { type: 'Failed', status: 'True' }] };
    approval.prepareForUpdate(next, obj);
    expect((next.spec as Record<string, unknown>).username).toBe('alice');
    const status = next.status as Record<string, unknown>;
    expect(status.certificate).toBeUndefined();
    expect(status.conditions).toHaveLength(1);
    expect((status.conditions as Record<string, unknown>[])[0]).toMatchObject({ type: 'Approved', status: 'True', reason: 'R' });
    expect((status.conditions as Record<string, unknown>[])[0].lastUpdateTime).toBeTruthy();
    expect(approval.validateUpdate!(obj, next).map(fieldErrorString)).toContain('status.conditions: Forbidden: updates may not remove a condition of type "Approved"');
  });

  it('table', () => {
    const obj: KObject = {
      metadata: { name: 'c', creationTimestamp: '2024-05-01T11:59:00Z' },
      spec: { signerName: 'example.com/s', username: 'alice', expirationSeconds: 3600 },
      status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'Zm9v' },
    };
    expect(csr.table!.cells(obj, new Date('2024-05-01T12:00:00Z'))).toEqual(['c', '60s', 'example.com/s', 'alice', '60m', 'Approved,Issued']);
  });
});

describe('cluster resources: registration', () => {
  it.each([
    ['ingresses', 'networking.k8s.io', true, ['ing'], 'ingress'],
    ['ingressclasses', 'networking.k8s.io', false, undefined, 'ingressclasses'],
    ['networkpolicies', 'networking.k8s.io', true, ['netpol'], 'networkpolicies'],
    ['priorityclasses', 'scheduling.k8s.io', false, ['pc'], 'priorityclasses'],
    ['runtimeclasses', 'node.k8s.io', false, undefined, 'runtimeclasses'],
    ['storageclasses', 'storage.k8s.io', false, ['sc'], 'storageclasses'],
    ['csidrivers', 'storage.k8s.io', false, undefined, 'csidrivers'],
    ['csinodes', 'storage.k8s.io', false, undefined, 'csinodes'],
    ['volumeattachments', 'storage.k8s.io', false, undefined, 'volumeattachments'],
    ['certificatesigningrequests', 'certificates.k8s.io', false, ['csr'], 'certificatesigningrequests'],
    ['validatingwebhookconfigurations', 'admissionregistration.k8s.io', false, undefined, 'validatingwebhookconfigurations'],
    ['mutatingwebhookconfigurations', 'admissionregistration.k8s.io', false, undefined, 'mutatingwebhookconfigurations'],
    ['validatingadmissionpolicies', 'admissionregistration.k8s.io', false, undefined, 'validatingadmissionpolicies'],
    ['validatingadmissionpolicybindings', 'admissionregistration.k8s.io', false, undefined, 'validatingadmissionpolicybindings'],
  ])('%s', (plural, group, namespaced, shortNames, prefix) => {
    const d = clusterResources().find((x) => x.plural === plural && x.group === group)!;
    expect(d).toBeDefined();
    expect(d.namespaced).toBe(namespaced);
    expect(d.shortNames).toEqual(shortNames);
    expect(d.storagePrefix ?? d.plural).toBe(prefix);
  });
});
