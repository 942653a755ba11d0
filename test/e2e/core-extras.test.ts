/**
 * The remaining core/v1 resources and autoscaling with the real kubectl 1.32 over etcd: HPA
 * autoscaling/v2 ⇄ v1 round trip (memory metric + behavior survive a v1 read and write-back),
 * `kubectl autoscale` and `kubectl create quota` (protobuf bodies), `kubectl get cs`, pvc/pv/
 * limitrange/rc columns, `kubectl scale rc`, pod binding and ephemeral containers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;
const ns = 'core-extras';
const k = (...args: string[]) => kubectl('1.32', server.kubeconfig, args);
const kin = (input: string, ...args: string[]) => kubectl('1.32', server.kubeconfig, args, input);

beforeAll(async () => {
  server = await startApiserver();
  const r = await k('create', 'namespace', ns);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

const hpaV2 = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: web
  namespace: ${ns}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: web
  minReplicas: 2
  maxReplicas: 8
  metrics:
  - type: Resource
    resource:
      name: memory
      target:
        type: AverageValue
        averageValue: 500Mi
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 120
      policies:
      - type: Pods
        value: 1
        periodSeconds: 60
`;

describe('HorizontalPodAutoscaler autoscaling/v2 and v1', () => {
  it('created as v2, read as v1, written back as v1, read as v2: nothing lost', async () => {
    const created = await kin(hpaV2, 'apply', '-f', '-');
    expect(created.stdout.trim(), created.stderr).toBe('horizontalpodautoscaler.autoscaling/web created');
    const before = JSON.parse((await k('get', 'horizontalpodautoscalers.v2.autoscaling', 'web', '-n', ns, '-o', 'json')).stdout);
    expect(before.apiVersion).toBe('autoscaling/v2');
    expect(before.spec.behavior.scaleUp).toEqual({
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
    });
    expect(before.spec.behavior.scaleDown).toEqual({ stabilizationWindowSeconds: 120, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] });

    const v1 = JSON.parse((await k('get', 'horizontalpodautoscalers.v1.autoscaling', 'web', '-n', ns, '-o', 'json')).stdout);
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 8 });
    expect(v1.status).toEqual({ currentReplicas: 0, desiredReplicas: 0 });
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/metrics'])).toEqual([
      { type: 'Resource', resource: { name: 'memory', targetAverageValue: '500Mi' } },
    ]);
    expect(JSON.parse(v1.metadata.annotations['autoscaling.alpha.kubernetes.io/behavior']).ScaleDown.StabilizationWindowSeconds).toBe(120);

    // write it back as v1 (kubectl replace PUTs to autoscaling/v1), changing maxReplicas
    v1.spec.maxReplicas = 9;
    const replaced = await kin(JSON.stringify(v1), 'replace', '-f', '-');
    expect(replaced.stdout.trim(), replaced.stderr).toBe('horizontalpodautoscaler.autoscaling/web replaced');

    const after = JSON.parse((await k('get', 'horizontalpodautoscalers.v2.autoscaling', 'web', '-n', ns, '-o', 'json')).stdout);
    expect(after.spec).toEqual({ ...before.spec, maxReplicas: 9 });
    // kubectl replace refreshes last-applied-configuration; no round-trip annotation leaks into v2
    expect(Object.keys(after.metadata.annotations ?? {})).toEqual(['kubectl.kubernetes.io/last-applied-configuration']);

    const table = await k('get', 'hpa', 'web', '-n', ns);
    expect(table.stdout).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE/);
    expect(table.stdout).toMatch(/web\s+Deployment\/web\s+memory: <unknown>\/500Mi\s+2\s+9\s+0\s+/);
  });

  it('an invalid HPA answers 422 with the upstream message', async () => {
    const bad = await server.request('POST', `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, {
      body: JSON.stringify({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'bad' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 3, maxReplicas: 2 },
      }),
    });
    expect(bad.status).toBe(422);
    expect(bad.json().message).toBe(
      'HorizontalPodAutoscaler.autoscaling "bad" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
    );
  });

  it('discovery, api-resources and explain', async () => {
    const ar = await k('api-resources', '--api-group=autoscaling');
    expect(ar.stdout).toMatch(/^horizontalpodautoscalers\s+hpa\s+autoscaling\/v2\s+true\s+HorizontalPodAutoscaler$/m);
    const core = await k('api-resources', '--api-group=');
    for (const line of [
      /^componentstatuses\s+cs\s+v1\s+false\s+ComponentStatus$/m,
      /^limitranges\s+limits\s+v1\s+true\s+LimitRange$/m,
      /^persistentvolumeclaims\s+pvc\s+v1\s+true\s+PersistentVolumeClaim$/m,
      /^persistentvolumes\s+pv\s+v1\s+false\s+PersistentVolume$/m,
      /^replicationcontrollers\s+rc\s+v1\s+true\s+ReplicationController$/m,
      /^resourcequotas\s+quota\s+v1\s+true\s+ResourceQuota$/m,
      /^bindings\s+v1\s+true\s+Binding$/m,
    ]) {
      expect(core.stdout).toMatch(line);
    }
    const v1 = await server.request('GET', '/api/v1');
    const binding = v1.json<{ resources: { name: string; kind: string; verbs: string[] }[] }>().resources.find((r) => r.name === 'pods/binding');
    expect(binding).toMatchObject({ kind: 'Binding', verbs: ['create'] });
    const ex = await k('explain', 'hpa.spec.behavior', '--api-version=autoscaling/v2');
    expect(ex.code, ex.stderr).toBe(0);
    expect(ex.stdout).toContain('scaleDown');
  });

  it('kubectl autoscale creates an HPA (protobuf body)', async () => {
    const dep = await k('create', 'deployment', 'api', '--image=nginx', '-n', ns);
    expect(dep.code, dep.stderr).toBe(0);
    const r = await k('autoscale', 'deployment', 'api', '--min=2', '--max=5', '--cpu-percent=70', '-n', ns);
    expect(r.stdout.trim(), r.stderr).toBe('horizontalpodautoscaler.autoscaling/api autoscaled');
    const got = JSON.parse((await k('get', 'horizontalpodautoscalers.v2.autoscaling', 'api', '-n', ns, '-o', 'json')).stdout);
    expect(got.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    const v1 = JSON.parse((await k('get', 'horizontalpodautoscalers.v1.autoscaling', 'api', '-n', ns, '-o', 'json')).stdout);
    expect(v1.spec.targetCPUUtilizationPercentage).toBe(70);
    expect(v1.metadata.annotations).toBeUndefined();
    const table = await k('get', 'hpa', 'api', '-n', ns);
    expect(table.stdout).toMatch(/api\s+Deployment\/api\s+cpu: <unknown>\/70%\s+2\s+5\s+0\s+/);
  });
});

describe('core/v1 extras', () => {
  it('kubectl create quota, get quota', async () => {
    const r = await k('create', 'quota', 'q', '--hard=pods=10,requests.cpu=2', '-n', ns);
    expect(r.stdout.trim(), r.stderr).toBe('resourcequota/q created');
    const got = JSON.parse((await k('get', 'quota', 'q', '-n', ns, '-o', 'json')).stdout);
    expect(got.spec.hard).toEqual({ pods: '10', 'requests.cpu': '2' });
    const table = await k('get', 'quota', '-n', ns);
    expect(table.stdout).toMatch(/^NAME\s+AGE\s+REQUEST\s+LIMIT/);
    const bad = await k('create', 'quota', 'bad', '--hard=pods=-1', '-n', ns);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0');
  });

  it('kubectl get cs: computed statuses with the deprecation warning', async () => {
    const r = await k('get', 'cs');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Warning: v1 ComponentStatus is deprecated in v1.19+');
    expect(r.stdout).toMatch(/^NAME\s+STATUS\s+MESSAGE\s+ERROR/);
    expect(r.stdout).toMatch(/etcd-0\s+Healthy\s+ok/);
    expect(r.stdout).toMatch(/scheduler\s+Unhealthy/);
    const one = await k('get', 'cs', 'etcd-0', '-o', 'json');
    expect(JSON.parse(one.stdout).conditions).toEqual([{ type: 'Healthy', status: 'True', message: 'ok' }]);
    const del = await k('delete', 'cs', 'etcd-0');
    expect(del.code).not.toBe(0);
  });

  it('pv, pvc, limitrange, rc: apply, defaults and columns; kubectl scale rc', async () => {
    const manifests = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: pv-e2e
spec:
  capacity:
    storage: 5Gi
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  storageClassName: slow
  hostPath:
    path: /tmp/pv-e2e
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: ${ns}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 1Gi
---
apiVersion: v1
kind: LimitRange
metadata:
  name: limits
  namespace: ${ns}
spec:
  limits:
  - type: Container
    max:
      cpu: "2"
    min:
      memory: 64Mi
---
apiVersion: v1
kind: ReplicationController
metadata:
  name: rc1
  namespace: ${ns}
spec:
  template:
    metadata:
      labels:
        app: rc1
    spec:
      containers:
      - name: c
        image: nginx
`;
    const applied = await kin(manifests, 'apply', '-f', '-');
    expect(applied.stdout.trim().split('\n'), applied.stderr).toEqual([
      'persistentvolume/pv-e2e created',
      'persistentvolumeclaim/data created',
      'limitrange/limits created',
      'replicationcontroller/rc1 created',
    ]);
    const pv = JSON.parse((await k('get', 'pv', 'pv-e2e', '-o', 'json')).stdout);
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(pv.spec.volumeMode).toBe('Filesystem');
    expect(pv.status).toEqual({ phase: 'Pending', lastPhaseTransitionTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    const pvTable = await k('get', 'pv');
    expect(pvTable.stdout).toMatch(/^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE/);
    expect(pvTable.stdout).toMatch(/pv-e2e\s+5Gi\s+RWO,ROX\s+Retain\s+Pending\s+slow\s+<unset>\s+/);

    const pvc = JSON.parse((await k('get', 'pvc', 'data', '-n', ns, '-o', 'json')).stdout);
    expect(pvc.spec.volumeMode).toBe('Filesystem');
    expect(pvc.status).toEqual({ phase: 'Pending' });
    const pvcTable = await k('get', 'pvc', '-n', ns);
    expect(pvcTable.stdout).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE/);
    expect(pvcTable.stdout).toMatch(/data\s+Pending\s+<unset>\s+/);
    const immutable = await k('patch', 'pvc', 'data', '-n', ns, '-p', '{"spec":{"accessModes":["ReadWriteMany"]}}');
    expect(immutable.code).not.toBe(0);
    expect(immutable.stderr).toContain('spec is immutable after creation except resources.requests');

    const lr = JSON.parse((await k('get', 'limits', 'limits', '-n', ns, '-o', 'json')).stdout);
    expect(lr.spec.limits[0]).toEqual({ type: 'Container', max: { cpu: '2' }, min: { memory: '64Mi' }, default: { cpu: '2' }, defaultRequest: { cpu: '2', memory: '64Mi' } });
    const lrTable = await k('get', 'limitrange', '-n', ns);
    expect(lrTable.stdout).toMatch(/^NAME\s+CREATED AT\s*\nlimits\s+\d{4}-\d\d-\d\dT/);

    const rc = JSON.parse((await k('get', 'rc', 'rc1', '-n', ns, '-o', 'json')).stdout);
    expect(rc.spec.replicas).toBe(1);
    expect(rc.spec.selector).toEqual({ app: 'rc1' });
    expect(rc.metadata.labels).toEqual({ app: 'rc1' });
    const scaled = await k('scale', 'rc', 'rc1', '--replicas=3', '-n', ns);
    expect(scaled.stdout.trim(), scaled.stderr).toBe('replicationcontroller/rc1 scaled');
    const rcTable = await k('get', 'rc', '-n', ns, '-o', 'wide');
    expect(rcTable.stdout).toMatch(/^NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR/);
    expect(rcTable.stdout).toMatch(/rc1\s+3\s+0\s+0\s+\S+\s+c\s+nginx\s+app=rc1/);
  });

  it('pods/binding assigns a node once; ephemeral containers are added through their subresource', async () => {
    const pod = await k('run', 'p1', '--image=nginx', '-n', ns);
    expect(pod.code, pod.stderr).toBe(0);
    const binding = (node: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'p1' }, target: { apiVersion: 'v1', kind: 'Node', name: node } });
    const first = await server.request('POST', `/api/v1/namespaces/${ns}/pods/p1/binding`, { body: binding('node-a') });
    expect(first.status, first.body).toBe(201);
    expect(first.json()).toMatchObject({ kind: 'Status', status: 'Success', code: 201 });
    const again = await server.request('POST', `/api/v1/namespaces/${ns}/bindings`, { body: binding('node-b') });
    expect(again.status).toBe(409);
    expect(again.json().message).toBe('Operation cannot be fulfilled on pods/binding "p1": pod p1 is already assigned to node "node-a"');
    const got = JSON.parse((await k('get', 'pod', 'p1', '-n', ns, '-o', 'json')).stdout);
    expect(got.spec.nodeName).toBe('node-a');
    expect(got.status.conditions).toEqual([expect.objectContaining({ type: 'PodScheduled', status: 'True' })]);

    const patched = await server.request('PATCH', `/api/v1/namespaces/${ns}/pods/p1/ephemeralcontainers`, {
      headers: { 'Content-Type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({ spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox', stdin: true, tty: true }] } }),
    });
    expect(patched.status, patched.body).toBe(200);
    expect(patched.json<{ spec: { ephemeralContainers: unknown[] } }>().spec.ephemeralContainers).toEqual([
      expect.objectContaining({ name: 'debugger', image: 'busybox', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' }),
    ]);
    const viaMain = await k('patch', 'pod', 'p1', '-n', ns, '--type=json', '-p', '[{"op":"add","path":"/spec/ephemeralContainers/-","value":{"name":"x","image":"busybox"}}]');
    expect(viaMain.code).not.toBe(0);
  });
});
