/**
 * End to end with kubectl 1.32 over etcd: the networking, scheduling, node, storage, certificates
 * and admissionregistration resources — apply, table columns, `kubectl create ingress` and
 * `create priorityclass` (protobuf bodies), the system priority classes, and a CSR approved with
 * `kubectl certificate approve` (protobuf PUT to /approval).
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;
const k = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);
const kin = (input: string, ...args: string[]) => kubectl('1.32', server.kubeconfig, args, input);

beforeAll(async () => {
  server = await startApiserver();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const manifests = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: k8s.io/ingress-nginx
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: default
spec:
  ingressClassName: nginx
  tls:
  - hosts: [web.example.com]
    secretName: web-tls
  rules:
  - host: web.example.com
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: web
            port:
              number: 80
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-web
  namespace: default
spec:
  podSelector:
    matchLabels:
      app: web
  egress:
  - ports:
    - port: 53
  ingress:
  - from:
    - podSelector: {}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: csi.example.com
parameters:
  type: ssd
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata:
  name: gvisor
handler: runsc
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata:
  name: csi.example.com
spec: {}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: vw
webhooks:
- name: check.example.com
  sideEffects: None
  admissionReviewVersions: [v1]
  clientConfig:
    service: {name: hook, namespace: default}
  rules:
  - operations: [CREATE]
    apiGroups: [""]
    apiVersions: [v1]
    resources: [pods]
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: mw
webhooks:
- name: mutate.example.com
  sideEffects: NoneOnDryRun
  admissionReviewVersions: [v1]
  clientConfig:
    url: https://hook.example.com/mutate
`;

describe('cluster resources with kubectl 1.32', () => {
  it('applies the manifests and fills the upstream defaults', async () => {
    const r = await kin(manifests, 'apply', '-f', '-');
    expect(r.code, r.stderr).toBe(0);
    for (const line of [
      'ingressclass.networking.k8s.io/nginx created',
      'ingress.networking.k8s.io/web created',
      'networkpolicy.networking.k8s.io/allow-web created',
      'storageclass.storage.k8s.io/fast created',
      'runtimeclass.node.k8s.io/gvisor created',
      'csidriver.storage.k8s.io/csi.example.com created',
      'validatingwebhookconfiguration.admissionregistration.k8s.io/vw created',
      'mutatingwebhookconfiguration.admissionregistration.k8s.io/mw created',
    ]) {
      expect(r.stdout).toContain(line);
    }
    const np = JSON.parse((await k('get', 'netpol', 'allow-web', '-o', 'json')).stdout);
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.egress[0].ports[0].protocol).toBe('TCP');
    const sc = JSON.parse((await k('get', 'sc', 'fast', '-o', 'json')).stdout);
    expect(sc.reclaimPolicy).toBe('Delete');
    expect(sc.volumeBindingMode).toBe('Immediate');
    const d = JSON.parse((await k('get', 'csidriver', 'csi.example.com', '-o', 'json')).stdout);
    expect(d.spec).toEqual({
      attachRequired: true,
      fsGroupPolicy: 'ReadWriteOnceWithFSType',
      podInfoOnMount: false,
      requiresRepublish: false,
      seLinuxMount: false,
      storageCapacity: false,
      volumeLifecycleModes: ['Persistent'],
    });
    const vw = JSON.parse((await k('get', 'validatingwebhookconfiguration', 'vw', '-o', 'json')).stdout);
    expect(vw.webhooks[0]).toMatchObject({
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      namespaceSelector: {},
      objectSelector: {},
      timeoutSeconds: 10,
      clientConfig: { service: { name: 'hook', namespace: 'default', port: 443 } },
      rules: [{ scope: '*' }],
    });
    const mw = JSON.parse((await k('get', 'mutatingwebhookconfiguration', 'mw', '-o', 'json')).stdout);
    expect(mw.webhooks[0].reinvocationPolicy).toBe('Never');
  });

  it('prints the upstream table columns', async () => {
    const ing = await k('get', 'ing', 'web');
    expect(ing.stdout).toMatch(/^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\n/);
    expect(ing.stdout).toMatch(/^web\s+nginx\s+web\.example\.com\s+80, 443\s+\d+s/m);
    const ic = await k('get', 'ingressclass');
    expect(ic.stdout).toMatch(/^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\n/);
    expect(ic.stdout).toMatch(/^nginx\s+k8s\.io\/ingress-nginx\s+<none>\s+/m);
    const np = await k('get', 'netpol');
    expect(np.stdout).toMatch(/^NAME\s+POD-SELECTOR\s+AGE\n/);
    expect(np.stdout).toMatch(/^allow-web\s+app=web\s+/m);
    const sc = await k('get', 'sc');
    expect(sc.stdout).toMatch(/^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE\n/);
    expect(sc.stdout).toMatch(/^fast \(default\)\s+csi\.example\.com\s+Delete\s+Immediate\s+false\s+/m);
    const rc = await k('get', 'runtimeclass');
    expect(rc.stdout).toMatch(/^NAME\s+HANDLER\s+AGE\n/);
    expect(rc.stdout).toMatch(/^gvisor\s+runsc\s+/m);
    const d = await k('get', 'csidriver');
    expect(d.stdout).toMatch(/^NAME\s+ATTACHREQUIRED\s+PODINFOONMOUNT\s+STORAGECAPACITY\s+TOKENREQUESTS\s+REQUIRESREPUBLISH\s+MODES\s+AGE\n/);
    expect(d.stdout).toMatch(/^csi\.example\.com\s+true\s+false\s+false\s+<unset>\s+false\s+Persistent\s+/m);
    for (const [kind, name] of [['ingress', 'web'], ['sc', 'fast'], ['netpol', 'allow-web'], ['ingressclass', 'nginx'], ['runtimeclass', 'gvisor'], ['csidriver', 'csi.example.com']]) {
      const d = await k('describe', kind, name);
      expect(d.code, `${kind}: ${d.stderr}`).toBe(0);
      expect(d.stdout).toMatch(new RegExp(`^Name:\\s+${name.replace(/\./g, '\\.')}`, 'm'));
    }
    const vw = await k('get', 'validatingwebhookconfigurations');
    expect(vw.stdout).toMatch(/^NAME\s+WEBHOOKS\s+AGE\n/);
    expect(vw.stdout).toMatch(/^vw\s+1\s+/m);
    // webhooks are live: vw (pods, failurePolicy Fail) has no backend and would refuse the pod
    // creates below, as upstream would
    expect((await k('delete', 'validatingwebhookconfiguration', 'vw')).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500));
  });

  it('serves discovery, explain and the admission policy kinds', async () => {
    const ar = await k('api-resources', '--api-group=certificates.k8s.io');
    expect(ar.stdout).toMatch(/^certificatesigningrequests\s+csr\s+certificates\.k8s\.io\/v1\s+false\s+CertificateSigningRequest$/m);
    const ext = await k('api-resources', '--categories=api-extensions', '-o', 'name');
    for (const r of ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies', 'validatingadmissionpolicybindings']) {
      expect(ext.stdout).toContain(`${r}.admissionregistration.k8s.io`);
    }
    const v3 = await server.request('GET', '/openapi/v3/apis/certificates.k8s.io/v1');
    expect(Object.keys(v3.json<{ paths: Record<string, unknown> }>().paths)).toContain('/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval');
    const ex = await k('explain', 'ingress.spec.rules.http.paths.pathType');
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('pathType');
    const vap = await kin(
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  validations:
  - expression: object.spec.replicas <= 5
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas}
spec:
  policyName: max-replicas
  validationActions: [Deny]
`,
      'apply',
      '-f',
      '-',
    );
    expect(vap.code, vap.stderr).toBe(0);
    const list = await k('get', 'validatingadmissionpolicies');
    expect(list.stdout).toMatch(/^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE\n/);
    expect(list.stdout).toMatch(/^max-replicas\s+1\s+<unset>\s+/m);
    const bindings = await k('get', 'validatingadmissionpolicybindings');
    expect(bindings.stdout).toMatch(/^max-replicas\s+max-replicas\s+<unset>\s+/m);
  });

  it('rejects invalid objects with upstream field paths', async () => {
    const bad = await kin(
      `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bad}
spec:
  rules:
  - http:
      paths:
      - path: /x
        backend: {service: {name: web, port: {number: 80}}}
`,
      'apply',
      '-f',
      '-',
    );
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified');
    const sys = await kin('apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: system-mine}\nvalue: 5\n', 'create', '-f', '-');
    expect(sys.code).not.toBe(0);
    expect(sys.stderr).toContain("metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only");
  });

  it('kubectl create ingress and priorityclass (protobuf bodies)', async () => {
    const ing = await k('create', 'ingress', 'x', '--rule=foo.com/bar=svc:80');
    expect(ing.stdout.trim(), ing.stderr).toBe('ingress.networking.k8s.io/x created');
    const obj = JSON.parse((await k('get', 'ingress', 'x', '-o', 'json')).stdout);
    expect(obj.spec.rules).toEqual([
      { host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc', port: { number: 80 } } } }] } },
    ]);
    // DefaultIngressClass admission
    const annotate = await k('annotate', 'ingressclass', 'nginx', 'ingressclass.kubernetes.io/is-default-class=true');
    expect(annotate.code, annotate.stderr).toBe(0);
    const y = await k('create', 'ingress', 'y', '--rule=bar.com/=svc:http');
    expect(y.code, y.stderr).toBe(0);
    expect((await k('get', 'ingress', 'y', '-o', 'jsonpath={.spec.ingressClassName}')).stdout).toBe('nginx');
    const pc = await k('create', 'priorityclass', 'high', '--value=1000', '--description=important');
    expect(pc.stdout.trim(), pc.stderr).toBe('priorityclass.scheduling.k8s.io/high created');
    const list = await k('get', 'pc');
    expect(list.stdout).toMatch(/^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY\n/);
    expect(list.stdout).toMatch(/^high\s+1000\s+false\s+\S+\s+PreemptLowerPriority$/m);
    expect(list.stdout).toMatch(/^system-cluster-critical\s+2000000000\s+false\s+/m);
    expect(list.stdout).toMatch(/^system-node-critical\s+2000001000\s+false\s+/m);
    const sysDelete = await k('delete', 'pc', 'system-node-critical');
    expect(sysDelete.stderr).toContain('priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted');
    const immutable = await k('patch', 'pc', 'high', '--type=merge', '-p', '{"value":5}');
    expect(immutable.stderr).toContain('value: Forbidden: may not be changed in an update.');
    // Priority admission: pods get spec.priority / preemptionPolicy
    const plain = await k('run', 'plain', '--image=nginx');
    expect(plain.code, plain.stderr).toBe(0);
    expect((await k('get', 'pod', 'plain', '-o', 'jsonpath={.spec.priority} {.spec.preemptionPolicy}')).stdout).toBe('0 PreemptLowerPriority');
    const high = await kin(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: important}\nspec:\n  priorityClassName: high\n  containers: [{name: c, image: nginx}]\n',
      'create',
      '-f',
      '-',
    );
    expect(high.code, high.stderr).toBe(0);
    expect((await k('get', 'pod', 'important', '-o', 'jsonpath={.spec.priority}')).stdout).toBe('1000');
    const missing = await kin(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: lost}\nspec:\n  priorityClassName: nope\n  containers: [{name: c, image: nginx}]\n',
      'create',
      '-f',
      '-',
    );
    expect(missing.stderr).toContain('pods "lost" is forbidden: no PriorityClass with name nope was found');
    const ready = await server.request('GET', '/readyz?verbose');
    expect(ready.body).toContain('[+]poststarthook/scheduling/bootstrap-system-priority-classes ok');
  });

  it('creates a CSR and approves it with kubectl certificate approve', async () => {
    const pem = execFileSync('openssl', [
      'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', '/dev/null', '-subj', '/CN=alice',
    ]);
    const csr = {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { name: 'alice' },
      spec: {
        request: pem.toString('base64'),
        signerName: 'kubernetes.io/kube-apiserver-client',
        expirationSeconds: 86400,
        usages: ['client auth'],
        username: 'someone-else',
      },
    };
    const created = await kin(JSON.stringify(csr), 'create', '-f', '-');
    expect(created.stdout.trim(), created.stderr).toBe('certificatesigningrequest.certificates.k8s.io/alice created');
    const stored = JSON.parse((await k('get', 'csr', 'alice', '-o', 'json')).stdout);
    expect(stored.spec.username).not.toBe('someone-else');
    expect(stored.spec.username).toBeTruthy();
    expect(stored.spec.groups).toContain('system:authenticated');
    const before = await k('get', 'csr');
    expect(before.stdout).toMatch(/^NAME\s+AGE\s+SIGNERNAME\s+REQUESTOR\s+REQUESTEDDURATION\s+CONDITION\n/);
    expect(before.stdout).toMatch(/^alice\s+\S+\s+kubernetes\.io\/kube-apiserver-client\s+\S+\s+24h\s+Pending$/m);
    const bySigner = await k('get', 'csr', '--field-selector=spec.signerName=kubernetes.io/kube-apiserver-client', '-o', 'name');
    expect(bySigner.stdout.trim(), bySigner.stderr).toBe('certificatesigningrequest.certificates.k8s.io/alice');
    const otherSigner = await k('get', 'csr', '--field-selector=spec.signerName=example.com/other', '-o', 'name');
    expect(otherSigner.stdout.trim(), otherSigner.stderr).toBe('');
    const approve = await k('certificate', 'approve', 'alice');
    expect(approve.stdout.trim(), approve.stderr).toBe('certificatesigningrequest.certificates.k8s.io/alice approved');
    const after = JSON.parse((await k('get', 'csr', 'alice', '-o', 'json')).stdout);
    expect(after.status.conditions).toHaveLength(1);
    expect(after.status.conditions[0]).toMatchObject({ type: 'Approved', status: 'True', reason: 'KubectlApprove' });
    expect(after.status.conditions[0].lastTransitionTime).toBeTruthy();
    expect(after.spec).toEqual(stored.spec);
    expect((await k('get', 'csr', 'alice')).stdout).toMatch(/\s+Approved$/m);
    // the signer writes the certificate through /status; approval conditions stay
    const withCert = { ...after, status: { ...after.status, conditions: [], certificate: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64') } };
    const put = await server.request('PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/alice/status', {
      body: JSON.stringify(withCert),
      headers: { 'Content-Type': 'application/json' },
    });
    expect(put.status, put.body).toBe(200);
    expect(put.json<{ status: { conditions: { type: string }[] } }>().status.conditions.map((c) => c.type)).toEqual(['Approved']);
    expect((await k('get', 'csr', 'alice')).stdout).toMatch(/\s+Approved,Issued$/m);
    const describe = await k('describe', 'csr', 'alice');
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toContain('Signer:');
    // deny is rejected once approved (mutually exclusive conditions)
    const deny = await k('certificate', 'deny', 'alice');
    expect(deny.code).not.toBe(0);
    const invalid = await kin(JSON.stringify({ ...csr, metadata: { name: 'bad' }, spec: { ...csr.spec, request: 'aGVsbG8=', usages: ['flying'] } }), 'create', '-f', '-');
    expect(invalid.stderr).toContain('spec.request: Invalid value: []byte{0x68, 0x65, 0x6c, 0x6c, 0x6f}: PEM block type must be CERTIFICATE REQUEST');
    expect(invalid.stderr).toContain('spec.usages[0]: Unsupported value: "flying"');
  });
});
