/**
 * The aggregation layer with our metrics-server, end to end with real processes: etcd, an API
 * replica with the request-header / proxy-client flags (a front-proxy CA and client certificate
 * generated here) and its cluster egress through konnectivity, kubelet-sim with 2 nodes and a pod,
 * and `kubernest metrics-server` with its own kubeconfig (RBAC as upstream's manifests), reached
 * through a selector-less Service + EndpointSlice in kube-system and the APIService
 * v1beta1.metrics.k8s.io. kubectl 1.32 `top nodes`, `top pods` and `get --raw` go through the
 * aggregator; the metrics-server authenticates the proxy by its certificate and authorizes with
 * SubjectAccessReviews against the API server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCA, issueCert, loadCA, writeKubeconfig } from '../../libs/pki/src';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';
import { waitFor } from '../harness/konnectivity';
import { aggregatedBackendManifests, makeFrontProxy } from '../harness/front-proxy';
import { KubeletSimInstance, startKubeletSim } from '../harness/kubelet-sim';
import { LoopbackTunnel, startLoopbackTunnel } from '../harness/loopback-tunnel';
import { MetricsServerInstance, startMetricsServer } from '../harness/metrics-server';

const K = '1.32';
let dir: string;
let tunnel: LoopbackTunnel;
let api: ApiserverInstance;
let sim: KubeletSimInstance;
let ms: MetricsServerInstance;
let janeKubeconfig: string;
let front: { certPem: string; keyPem: string };

const rbac = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:metrics-server"}
rules:
- apiGroups: [""]
  resources: [nodes/metrics, nodes/proxy, nodes/stats]
  verbs: [get]
- apiGroups: [""]
  resources: [pods, nodes]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:metrics-server"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:metrics-server"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:metrics-server"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "metrics-server:system:auth-delegator"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:auth-delegator"}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:metrics-server"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: metrics-server-auth-reader, namespace: kube-system}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: extension-apiserver-authentication-reader}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: "system:metrics-server"}]
`;

/** A direct HTTPS GET to the metrics-server (bypassing the aggregator). */
function direct(path: string, cert?: { certPem: string; keyPem: string }, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ms.port, path, ca: ms.caPem, servername: 'metrics-server.kube-system.svc', cert: cert?.certPem, key: cert?.keyPem, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kubernest-agg-top-'));
  // the front proxy: a CA and the client certificate the aggregator presents
  const frontProxy = await makeFrontProxy(dir);
  front = frontProxy.client;

  tunnel = await startLoopbackTunnel(dir);
  api = await startApiserver({
    extraArgs: [
      tunnel.egressArg,
      '--authorization-mode=Node,RBAC',
      ...frontProxy.apiserverArgs,
    ],
  });
  sim = await startKubeletSim(api.kubeconfig, { nodes: 2, sandboxDir: join(dir, 'sandboxes') });
  expect((await kubectl(K, api.kubeconfig, ['create', 'namespace', 'top'])).stderr).toBe('');
  const run = await kubectl(K, api.kubeconfig, ['run', 'p', '-n', 'top', '--image=nginx', '--labels=app=web', `--overrides={"spec":{"nodeName":"sim-1"}}`]);
  expect(run.stderr).toBe('');

  // metrics-server's own identity, signed by the cluster CA, with upstream's RBAC
  const clusterCA = await loadCA(readFileSync(join(api.certDir, 'ca.crt'), 'utf8'), readFileSync(join(api.certDir, 'ca.key'), 'utf8'));
  const msCert = await issueCert(clusterCA, { commonName: 'system:metrics-server', usage: 'client' });
  const msKubeconfig = join(dir, 'metrics-server.kubeconfig');
  writeKubeconfig(msKubeconfig, { server: api.url, caPem: clusterCA.certPem, certPem: msCert.certPem, keyPem: msCert.keyPem, user: 'metrics-server' });
  const jane = await issueCert(clusterCA, { commonName: 'jane', usage: 'client' });
  janeKubeconfig = join(dir, 'jane.kubeconfig');
  writeKubeconfig(janeKubeconfig, { server: api.url, caPem: clusterCA.certPem, certPem: jane.certPem, keyPem: jane.keyPem, user: 'jane' });
  const applied = await kubectl(K, api.kubeconfig, ['apply', '-f', '-'], rbac);
  expect(applied.stderr).toBe('');

  // the API server publishes the front-proxy CA for aggregated servers to read
  await waitFor(async () => (await kubectl(K, api.kubeconfig, ['get', 'configmap', '-n', 'kube-system', 'extension-apiserver-authentication'])).code === 0, 20_000, 'extension-apiserver-authentication');
  ms = await startMetricsServer(msKubeconfig, join(dir, 'metrics-server'), ['--metric-resolution=1s']);
  const backend = await kubectl(K, api.kubeconfig, ['apply', '-f', '-'], aggregatedBackendManifests({
      service: 'metrics-server',
      namespace: 'kube-system',
      targetPort: ms.port,
      group: 'metrics.k8s.io',
      version: 'v1beta1',
      groupPriorityMinimum: 100,
      versionPriority: 100,
      caPem: ms.caPem,
      apiServicePort: 443,
    }));
  expect(backend.stderr).toBe('');
}, 180_000);

afterAll(async () => {
  await ms?.stop();
  await sim?.stop();
  await api?.stop();
  await tunnel?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('kubectl top through the aggregator and our metrics-server', () => {
  it('the APIService becomes Available', async () => {
    let last = '';
    await waitFor(
      async () => {
        const r = await kubectl(K, api.kubeconfig, ['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'jsonpath={.status.conditions}']);
        last = r.stdout + r.stderr;
        return r.code === 0 && (JSON.parse(r.stdout || '[]') as { type: string; status: string }[]).some((c) => c.type === 'Available' && c.status === 'True');
      },
      30_000,
      'APIService Available',
    ).catch((e) => {
      throw new Error(`${(e as Error).message}: ${last}\n--- metrics-server:\n${ms.output()}\n--- agent:\n${tunnel.agent.logs().slice(-3000)}\n--- konnectivity-server:\n${tunnel.server.logs().slice(-2000)}\n--- apiserver:\n${api.logs().slice(-3000)}`);
    });
  });

  it('kubectl top nodes lists both simulated nodes with CPU and memory', async () => {
    let out = '';
    await waitFor(
      async () => {
        const r = await kubectl(K, api.kubeconfig, ['top', 'nodes']);
        out = r.stdout + r.stderr;
        return r.code === 0 && /sim-0/.test(r.stdout) && /sim-1/.test(r.stdout);
      },
      30_000,
      'kubectl top nodes',
    ).catch((e) => {
      throw new Error(`${(e as Error).message}: ${out}\n--- metrics-server:\n${ms.output()}`);
    });
    const lines = out.trim().split('\n').map((l) => l.trimEnd()); // kubectl's tabwriter pads with spaces
    expect(lines[0]).toMatch(/^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual(['sim-0', 'sim-1']);
    for (const l of lines.slice(1)) expect(l).toMatch(/^sim-\d\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%$/);
    const one = await kubectl(K, api.kubeconfig, ['top', 'node', 'sim-0', '--no-headers']);
    expect(one.stdout.trimEnd()).toMatch(/^sim-0\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%$/);
    // kubectl get asks the metrics-server for a Table (Name, cpu, memory, Window)
    const table = await kubectl(K, api.kubeconfig, ['get', 'nodes.metrics.k8s.io']);
    expect(table.stderr).toBe('');
    expect(table.stdout).toMatch(/^NAME\s+CPU\s+MEMORY\s+WINDOW\s*\nsim-0\s+\d+m\s+\d+Mi\s+\d+s\s*\nsim-1\s/);
  });

  it('kubectl top pods shows the pod (and its containers)', async () => {
    let out = '';
    await waitFor(
      async () => {
        const r = await kubectl(K, api.kubeconfig, ['top', 'pods', '-n', 'top']);
        out = r.stdout + r.stderr;
        return r.code === 0 && /^p\s/m.test(r.stdout);
      },
      30_000,
      'kubectl top pods',
    ).catch((e) => {
      throw new Error(`${(e as Error).message}: ${out}`);
    });
    expect(out).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n/);
    expect(out).toMatch(/^p\s+\d+m\s+\d+Mi\s*$/m);
    const c = await kubectl(K, api.kubeconfig, ['top', 'pods', '-n', 'top', '--containers', '-l', 'app=web']);
    expect(c.stdout).toMatch(/^POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n/);
    expect(c.stdout).toMatch(/^p\s+p\s+\d+m\s+\d+Mi\s*$/m);
    const one = await kubectl(K, api.kubeconfig, ['top', 'pod', 'p', '-n', 'top', '--no-headers']);
    expect(one.stdout.trimEnd()).toMatch(/^p\s+\d+m\s+\d+Mi$/);
    const all = await kubectl(K, api.kubeconfig, ['top', 'pods', '-A']);
    expect(all.stdout).toMatch(/^top\s+p\s+\d+m\s+\d+Mi\s*$/m);
    const none = await kubectl(K, api.kubeconfig, ['top', 'pods', '-n', 'top', '-l', 'app=other']);
    expect(none.stderr).toMatch(/No resources found in top namespace/);
  });

  it('kubectl get --raw returns a NodeMetricsList and PodMetrics', async () => {
    const r = await kubectl(K, api.kubeconfig, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes']);
    expect(r.stderr).toBe('');
    const list = JSON.parse(r.stdout);
    expect(list.kind).toBe('NodeMetricsList');
    expect(list.apiVersion).toBe('metrics.k8s.io/v1beta1');
    expect(list.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(['sim-0', 'sim-1']);
    for (const i of list.items) {
      expect(i.usage.cpu).toMatch(/^\d+(n|u|m)?$/);
      expect(i.usage.memory).toMatch(/^\d+(Ki|Mi|Gi)?$/);
      expect(i.window).toMatch(/^\d+(\.\d+)?s$/);
      expect(i.metadata.labels['kubernetes.io/hostname']).toBe(i.metadata.name);
    }
    const pod = JSON.parse((await kubectl(K, api.kubeconfig, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/top/pods/p'])).stdout);
    expect(pod).toMatchObject({ kind: 'PodMetrics', metadata: { name: 'p', namespace: 'top' }, containers: [{ name: 'p' }] });
    const missing = await kubectl(K, api.kubeconfig, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes/nope']);
    expect(missing.stderr).toMatch(/NotFound|not found/);
  });

  it('a non-admin user is authorized by SubjectAccessReview (RBAC on nodes.metrics.k8s.io)', async () => {
    const denied = await kubectl(K, janeKubeconfig, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes']);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/forbidden/i);
    const grant = await kubectl(K, api.kubeconfig, ['create', 'clusterrole', 'metrics-reader', '--verb=get,list', '--resource=nodes.metrics.k8s.io,pods.metrics.k8s.io']);
    expect(grant.stderr).toBe('');
    expect((await kubectl(K, api.kubeconfig, ['create', 'clusterrolebinding', 'jane-metrics', '--clusterrole=metrics-reader', '--user=jane'])).stderr).toBe('');
    await waitFor(async () => (await kubectl(K, janeKubeconfig, ['get', '--raw', '/apis/metrics.k8s.io/v1beta1/nodes'])).code === 0, 20_000, 'jane allowed');
  });

  it('the metrics-server itself: 401 for an untrusted proxy, 403 (SubjectAccessReview) for a user without RBAC', async () => {
    const stranger = await issueCert(await createCA(), { commonName: 'front-proxy-client', usage: 'client' });
    const bad = await direct('/apis/metrics.k8s.io/v1beta1/nodes', stranger, { 'X-Remote-User': 'admin', 'X-Remote-Group': 'system:masters' });
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
    const bob = await direct('/apis/metrics.k8s.io/v1beta1/nodes', front, { 'X-Remote-User': 'bob', 'X-Remote-Group': 'dev' });
    expect(bob.status).toBe(403);
    expect(JSON.parse(bob.body).message).toBe('nodes.metrics.k8s.io is forbidden: User "bob" cannot list resource "nodes" in API group "metrics.k8s.io" at the cluster scope');
    const jane = await direct('/apis/metrics.k8s.io/v1beta1/nodes', front, { 'X-Remote-User': 'jane' });
    expect(jane.status).toBe(200);
    expect((await direct('/healthz')).body).toBe('ok');
  });

  it('the APIService turns Available=False when the metrics-server is down', async () => {
    await ms.stop();
    await waitFor(
      async () => {
        const r = await kubectl(K, api.kubeconfig, ['get', 'apiservice', 'v1beta1.metrics.k8s.io', '-o', 'jsonpath={.status.conditions}']);
        return r.code === 0 && (JSON.parse(r.stdout || '[]') as { type: string; status: string; reason: string }[]).some((c) => c.type === 'Available' && c.status === 'False' && c.reason === 'FailedDiscoveryCheck');
      },
      30_000,
      'APIService Available=False',
    );
    const top = await kubectl(K, api.kubeconfig, ['top', 'nodes']);
    expect(top.code).not.toBe(0);
    expect(top.stderr).toMatch(/Metrics API not available|ServiceUnavailable|unable to handle the request/);
  });
});
