/**
 * Server-side apply end to end with the real kubectl 1.32 on etcd: apply --server-side, a second
 * field manager's conflict (409 as kubectl prints it), --force-conflicts, a dropped label removed,
 * managedFields as --show-managed-fields shows them, and the client-side → server-side upgrade.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;

beforeAll(async () => {
  server = await startApiserver();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const ns = 'ssa';
const k = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);
const kin = (input: string, ...args: string[]) => kubectl('1.32', server.kubeconfig, args, input);

const deployment = (opts: { replicas?: number; labels?: Record<string, string> } = {}) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
  labels:
${Object.entries(opts.labels ?? { app: 'web' })
  .map(([key, v]) => `    ${key}: ${v}`)
  .join('\n')}
spec:
${opts.replicas === undefined ? '' : `  replicas: ${opts.replicas}\n`}  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.27
        ports:
        - containerPort: 80
`;

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
}

const managedFields = async (kind: string, name: string): Promise<Entry[]> => {
  const r = await k('get', kind, name, '-n', ns, '-o', 'yaml', '--show-managed-fields');
  expect(r.code, r.stderr).toBe(0);
  return (parseYaml(r.stdout) as { metadata: { managedFields: Entry[] } }).metadata.managedFields;
};

describe('server-side apply with kubectl 1.32', () => {
  it('applies a Deployment as manager kubectl', async () => {
    expect((await k('create', 'namespace', ns)).code).toBe(0);
    const r = await kin(deployment({ replicas: 2, labels: { app: 'web', tier: 'fe' } }), 'apply', '--server-side', '-f', '-');
    expect(r.stdout.trim(), r.stderr).toBe('deployment.apps/web serverside-applied');
    const mf = await managedFields('deploy', 'web');
    expect(mf.map((e) => `${e.manager}/${e.operation}`)).toEqual(['kubectl/Apply']);
    expect(Object.keys(mf[0])).toEqual(['apiVersion', 'fieldsType', 'fieldsV1', 'manager', 'operation', 'time']);
    expect(mf[0]).toMatchObject({ apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(mf[0].time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(mf[0].fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {}, 'f:tier': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                'f:image': {},
                'f:name': {},
                'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
              },
            },
          },
        },
      },
    });
    const plain = await k('get', 'deploy', 'web', '-n', ns, '-o', 'yaml');
    expect(plain.stdout).not.toContain('managedFields');
  });

  it('reports a conflict when a second manager applies replicas, and --force-conflicts takes it', async () => {
    const other = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
spec:
  replicas: 5
`;
    const r = await kin(other, 'apply', '--server-side', '--field-manager=other', '-f', '-');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    expect(r.stderr).toContain('Please review the fields above--they currently have other managers.');

    const raw = await server.request('PATCH', `/apis/apps/v1/namespaces/${ns}/deployments/web?fieldManager=other`, {
      body: other,
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
    });
    expect(raw.status).toBe(409);
    expect(raw.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas',
      reason: 'Conflict',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }] },
      code: 409,
    });

    const forced = await kin(other, 'apply', '--server-side', '--field-manager=other', '--force-conflicts', '-f', '-');
    expect(forced.stdout.trim(), forced.stderr).toBe('deployment.apps/web serverside-applied');
    const replicas = await k('get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}');
    expect(replicas.stdout).toBe('5');
    const mf = await managedFields('deploy', 'web');
    expect(mf.map((e) => `${e.manager}/${e.operation}`).sort()).toEqual(['kubectl/Apply', 'other/Apply']);
    const mine = mf.find((e) => e.manager === 'kubectl')!;
    expect((mine.fieldsV1['f:spec'] as Record<string, unknown>)['f:replicas']).toBeUndefined();
    expect(mf.find((e) => e.manager === 'other')!.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });

  it('removes a label the manager stops applying', async () => {
    const r = await kin(deployment({ labels: { app: 'web' } }), 'apply', '--server-side', '-f', '-');
    expect(r.stdout.trim(), r.stderr).toBe('deployment.apps/web serverside-applied');
    const labels = await k('get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.metadata.labels}');
    expect(JSON.parse(labels.stdout)).toEqual({ app: 'web' });
    // replicas, no longer applied by kubectl, stays: "other" owns it
    expect((await k('get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.spec.replicas}')).stdout).toBe('5');
  });

  it('records Update managers for other writes (kubectl scale, label)', async () => {
    expect((await k('scale', 'deploy', 'web', '-n', ns, '--replicas=3')).code).toBe(0);
    expect((await k('label', 'deploy', 'web', '-n', ns, 'extra=yes')).code).toBe(0);
    const mf = await managedFields('deploy', 'web');
    const byName = Object.fromEntries(mf.map((e) => [e.manager, e]));
    // kubectl scale sends no fieldManager: the manager is its User-Agent up to the first '/'
    // (the binary's name: kubectl.1.32 here)
    expect(mf.find((e) => (e as { subresource?: string }).subresource === 'scale')).toMatchObject({
      manager: 'kubectl.1.32',
      operation: 'Update',
      apiVersion: 'apps/v1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    });
    expect(byName['kubectl-label']).toMatchObject({ operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:extra': {} } } } });
    expect(byName.other).toBeUndefined();
  });

  it('applies to the status subresource with its own entry', async () => {
    const status = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${ns}
status:
  conditions:
  - type: Progressing
    status: "True"
    reason: Testing
`;
    const r = await kin(status, 'apply', '--server-side', '--subresource=status', '--field-manager=ctrl', '-f', '-');
    expect(r.stdout.trim(), r.stderr).toBe('deployment.apps/web serverside-applied');
    const mf = await managedFields('deploy', 'web');
    expect(mf.find((e) => e.manager === 'ctrl')).toMatchObject({
      operation: 'Apply',
      subresource: 'status',
      fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Progressing"}': { '.': {}, 'f:reason': {}, 'f:status': {}, 'f:type': {} } } } },
    });
    const reason = await k('get', 'deploy', 'web', '-n', ns, '-o', 'jsonpath={.status.conditions[0].reason}');
    expect(reason.stdout).toBe('Testing');
  });

  it('upgrades from client-side apply without conflicts', async () => {
    const cm = (v: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: ${ns}
data:
  mode: ${v}
`;
    const csa = await kin(cm('one'), 'apply', '-f', '-');
    expect(csa.stdout.trim(), csa.stderr).toBe('configmap/settings created');
    let mf = await managedFields('cm', 'settings');
    expect(mf.map((e) => `${e.manager}/${e.operation}`)).toEqual(['kubectl-client-side-apply/Update']);
    expect(mf[0].fieldsV1).toEqual({
      'f:data': { '.': {}, 'f:mode': {} },
      'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
    });
    const ssa = await kin(cm('two'), 'apply', '--server-side', '-f', '-');
    expect(ssa.stdout.trim(), ssa.stderr).toBe('configmap/settings serverside-applied');
    expect((await k('get', 'cm', 'settings', '-n', ns, '-o', 'jsonpath={.data.mode}')).stdout).toBe('two');
    // kubectl keeps the annotation under its own manager, then migrates the client-side entry
    mf = await managedFields('cm', 'settings');
    expect(mf.map((e) => `${e.manager}/${e.operation}`).sort()).toEqual(['kubectl-last-applied/Apply', 'kubectl/Apply']);
    expect(mf.find((e) => e.manager === 'kubectl-last-applied')!.fieldsV1).toEqual({
      'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
    });
    expect(mf.find((e) => e.manager === 'kubectl')!.fieldsV1).toEqual({ 'f:data': { 'f:mode': {} } });
    const ann = await k('get', 'cm', 'settings', '-n', ns, '-o', 'jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}');
    expect(JSON.parse(ann.stdout).data).toEqual({ mode: 'two' });
    // and again: nothing to take from anyone
    const again = await kin(cm('two'), 'apply', '--server-side', '-f', '-');
    expect(again.code, again.stderr).toBe(0);
  });

  it('records a client-side apply create like upstream (defaulted fields, "." for new containers)', async () => {
    const csa = deployment({ replicas: 1 }).replace('name: web\n  namespace', 'name: csa\n  namespace');
    const r = await kin(csa, 'apply', '-f', '-');
    expect(r.stdout.trim(), r.stderr).toBe('deployment.apps/csa created');
    const mf = await managedFields('deploy', 'csa');
    expect(mf.map((e) => `${e.manager}/${e.operation}`)).toEqual(['kubectl-client-side-apply/Update']);
    expect(mf[0].fieldsV1).toEqual({
      'f:metadata': {
        'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} },
        'f:labels': { '.': {}, 'f:app': {} },
      },
      'f:spec': {
        'f:progressDeadlineSeconds': {},
        'f:replicas': {},
        'f:revisionHistoryLimit': {},
        'f:selector': {},
        'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"web"}': {
                '.': {},
                'f:image': {},
                'f:imagePullPolicy': {},
                'f:name': {},
                'f:ports': {
                  '.': {},
                  'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} },
                },
                'f:resources': {},
                'f:terminationMessagePath': {},
                'f:terminationMessagePolicy': {},
              },
            },
            'f:dnsPolicy': {},
            'f:restartPolicy': {},
            'f:schedulerName': {},
            'f:securityContext': {},
            'f:terminationGracePeriodSeconds': {},
          },
        },
      },
    });
  });

  it('supports --dry-run=server (nothing is created)', async () => {
    const cm = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n  namespace: ${ns}\ndata:\n  a: b\n`;
    const r = await kin(cm, 'apply', '--server-side', '--dry-run=server', '-f', '-');
    expect(r.stdout.trim(), r.stderr).toBe('configmap/dry serverside-applied (server dry run)');
    const get = await k('get', 'cm', 'dry', '-n', ns);
    expect(get.stderr).toContain('configmaps "dry" not found');
  });

  it('applies a mixed corpus twice with --server-side', async () => {
    const corpus = `apiVersion: v1
kind: Service
metadata: {name: svc, namespace: ${ns}}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: dns, port: 53, protocol: UDP}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: ${ns}}
stringData: {password: hunter2}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: ${ns}}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers:
      - name: db
        image: postgres:16
        env: [{name: PGDATA, value: /data}]
        volumeMounts: [{name: data, mountPath: /data}]
        resources: {limits: {memory: 1Gi}}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: ${ns}}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: job, image: busybox, args: [sh, -c, date]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: ${ns}}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: ${ns}}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
`;
    for (let round = 0; round < 2; round++) {
      const r = await kin(corpus, 'apply', '--server-side', '-f', '-');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(6);
    }
    const svc = await managedFields('svc', 'svc');
    expect(svc.map((e) => `${e.manager}/${e.operation}`)).toEqual(['kubectl/Apply']);
    expect(Object.keys((svc[0].fieldsV1['f:spec'] as Record<string, Record<string, unknown>>)['f:ports'])).toEqual([
      'k:{"port":53,"protocol":"UDP"}',
      'k:{"port":80,"protocol":"TCP"}',
    ]);
    const ports = await k('get', 'svc', 'svc', '-n', ns, '-o', 'jsonpath={.spec.ports[*].name}');
    expect(ports.stdout).toBe('http dns');
  });

  it('requires a fieldManager for apply patches', async () => {
    const r = await server.request('PATCH', `/api/v1/namespaces/${ns}/configmaps/settings`, {
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
    });
    expect(r.status).toBe(422);
    expect(r.json().message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  });
});
