/**
 * Garbage collection and namespace deletion cover custom resources, and react to changes: a
 * bootstrap controller whose backstop scan is 10 minutes away (so everything here is found through
 * its watches) next to a replica; the CRD is created after the controller started.
 * (a) `kubectl delete ns x` with custom resources (one held by a finalizer until the test sees
 * NamespaceFinalizersRemaining) and ConfigMaps completes, and etcd holds nothing of x;
 * (b) a custom resource owning ConfigMaps and a custom resource owned by a Deployment, deleted in
 * the background, foreground and orphan; (c) a dependent collected within ~2 s of its owner.
 */
import { describe, expect, it } from 'vitest';
import { etcdctlKeys, until, useControllerCluster } from './gc-harness';

const cluster = useControllerCluster(['--gc-scan-interval=10m']);
const k = cluster.k;
const apply = async (obj: unknown) => {
  const r = await k(['apply', '-f', '-'], JSON.stringify(obj));
  expect(r.stderr).toBe('');
  return r;
};
const uidOf = async (ns: string, what: string) => (await k(['-n', ns, 'get', what, '-o', 'jsonpath={.metadata.uid}'])).stdout;
const absent = async (path: string) => (await cluster.server.request('GET', path)).status === 404;

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } } },
      },
    ],
  },
};

interface Ref {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  blockOwnerDeletion?: boolean;
}
const widget = (ns: string, name: string, meta: Record<string, unknown> = {}) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace: ns, ...meta }, spec: { size: 1 } });
const configMap = (ns: string, name: string, meta: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...meta } });
const deployment = (ns: string, name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: ns },
  spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
});
const widgetRef = async (ns: string, name: string): Promise<Ref> => ({ apiVersion: 'example.com/v1', kind: 'Widget', name, uid: await uidOf(ns, `widget/${name}`), blockOwnerDeletion: true });
const deploymentRef = async (ns: string, name: string): Promise<Ref> => ({ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: await uidOf(ns, `deployment/${name}`), blockOwnerDeletion: true });

describe('garbage collection of custom resources e2e', () => {
  it('a CRD created after the controller started', async () => {
    // the controller has started (and listed what there is) before the CRD exists
    await until('the controller running', async () => cluster.controller.child.exitCode === null && (await k(['get', 'ns', 'kube-system'])).code === 0, 30_000, cluster.controller.logs);
    await new Promise((r) => setTimeout(r, 1000));
    await apply(crd);
    expect((await k(['wait', '--for=condition=Established', 'crd/widgets.example.com', '--timeout=30s'])).code).toBe(0);
  }, 60_000);

  it('(a) kubectl delete ns x deletes custom resources, waits for their finalizers, and leaves nothing in etcd', async () => {
    expect((await k(['create', 'ns', 'x'])).code).toBe(0);
    await apply(widget('x', 'w1'));
    await apply(widget('x', 'w2'));
    await apply(widget('x', 'held', { finalizers: ['example.com/hold'] }));
    expect((await k(['-n', 'x', 'create', 'configmap', 'c1', '--from-literal=a=b'])).code).toBe(0);
    expect((await etcdctlKeys(cluster.etcd.endpoint, '/registry/example.com/widgets/x/')).sort()).toEqual([
      '/registry/example.com/widgets/x/held',
      '/registry/example.com/widgets/x/w1',
      '/registry/example.com/widgets/x/w2',
    ]);

    const del = k(['delete', 'ns', 'x', '--timeout=60s']);
    const ns = await until(
      'NamespaceFinalizersRemaining',
      async () => {
        const r = await k(['get', 'ns', 'x', '-o', 'json']);
        if (r.code !== 0) return undefined;
        const o = JSON.parse(r.stdout);
        return (o.status?.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'NamespaceFinalizersRemaining' && c.status === 'True') ? o : undefined;
      },
      30_000,
      cluster.controller.logs,
    );
    const cond = (t: string) => ns.status.conditions.find((c: { type: string }) => c.type === t);
    expect(ns.status.phase).toBe('Terminating');
    expect(cond('NamespaceContentRemaining')).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: widgets.example.com has 1 resource instances' });
    expect(cond('NamespaceFinalizersRemaining')).toMatchObject({
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
    expect((await k(['-n', 'x', 'get', 'widgets', '-o', 'name'])).stdout).toBe('widget.example.com/held\n');
    expect((await k(['-n', 'x', 'get', 'configmaps', '-o', 'name'])).stdout).toBe('');

    expect((await k(['-n', 'x', 'patch', 'widget', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])).code).toBe(0);
    const r = await del;
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('namespace "x" deleted\n');
    const left = (await etcdctlKeys(cluster.etcd.endpoint, '/registry/')).filter((key) => key.includes('/x/') || key.endsWith('/namespaces/x'));
    expect(left).toEqual([]);
  }, 90_000);

  it('(b) background: a Widget’s ConfigMaps and a Deployment’s Widget are collected', async () => {
    await apply(widget('default', 'wb'));
    const owner = await widgetRef('default', 'wb');
    await apply(configMap('default', 'wb-1', { ownerReferences: [owner] }));
    await apply(configMap('default', 'wb-2', { ownerReferences: [owner] }));
    await apply(deployment('default', 'db'));
    await apply(widget('default', 'db-w', { ownerReferences: [await deploymentRef('default', 'db')] }));
    expect((await k(['delete', 'widget', 'wb'])).stdout).toBe('widget.example.com "wb" deleted\n');
    expect((await k(['delete', 'deployment', 'db'])).stdout).toBe('deployment.apps "db" deleted\n');
    await until(
      'the dependents collected',
      async () =>
        (await absent('/api/v1/namespaces/default/configmaps/wb-1')) &&
        (await absent('/api/v1/namespaces/default/configmaps/wb-2')) &&
        (await absent('/apis/example.com/v1/namespaces/default/widgets/db-w')),
      15_000,
      cluster.controller.logs,
    );
  }, 60_000);

  it('(b) foreground: the Widget waits for its ConfigMap, the Deployment for its Widget', async () => {
    await apply(widget('default', 'wf'));
    await apply(configMap('default', 'wf-1', { ownerReferences: [await widgetRef('default', 'wf')], finalizers: ['example.com/hold'] }));
    await apply(deployment('default', 'df'));
    await apply(widget('default', 'df-w', { ownerReferences: [await deploymentRef('default', 'df')], finalizers: ['example.com/hold'] }));
    const delW = k(['delete', 'widget', 'wf', '--cascade=foreground', '--timeout=60s']);
    const delD = k(['delete', 'deployment', 'df', '--cascade=foreground', '--timeout=60s']);
    await until(
      'both owners waiting on their held dependents',
      async () => {
        const w = await cluster.server.request('GET', '/apis/example.com/v1/namespaces/default/widgets/wf');
        const d = await cluster.server.request('GET', '/apis/apps/v1/namespaces/default/deployments/df');
        const cm = await cluster.server.request('GET', '/api/v1/namespaces/default/configmaps/wf-1');
        const dw = await cluster.server.request('GET', '/apis/example.com/v1/namespaces/default/widgets/df-w');
        if ([w, d, cm, dw].some((x) => x.status !== 200)) return false;
        const meta = (x: typeof w) => x.json<{ metadata: { deletionTimestamp?: string; finalizers?: string[] } }>().metadata;
        return (
          JSON.stringify(meta(w).finalizers) === '["foregroundDeletion"]' &&
          JSON.stringify(meta(d).finalizers) === '["foregroundDeletion"]' &&
          !!meta(cm).deletionTimestamp &&
          !!meta(dw).deletionTimestamp
        );
      },
      30_000,
      cluster.controller.logs,
    );
    expect((await k(['patch', 'configmap', 'wf-1', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]'])).code).toBe(0);
    expect((await k(['patch', 'widget', 'df-w', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]'])).code).toBe(0);
    const rw = await delW;
    expect(rw.stderr).toBe('');
    expect(rw.stdout).toBe('widget.example.com "wf" deleted\n');
    const rd = await delD;
    expect(rd.stderr).toBe('');
    expect(rd.stdout).toBe('deployment.apps "df" deleted\n');
    expect(await absent('/api/v1/namespaces/default/configmaps/wf-1')).toBe(true);
    expect(await absent('/apis/example.com/v1/namespaces/default/widgets/df-w')).toBe(true);
  }, 90_000);

  it('(b) orphan: the dependents stay without the ownerReference', async () => {
    await apply(widget('default', 'wo'));
    await apply(configMap('default', 'wo-1', { ownerReferences: [await widgetRef('default', 'wo')] }));
    await apply(deployment('default', 'do'));
    await apply(widget('default', 'do-w', { ownerReferences: [await deploymentRef('default', 'do')] }));
    expect((await k(['delete', 'widget', 'wo', '--cascade=orphan', '--timeout=60s'])).stdout).toBe('widget.example.com "wo" deleted\n');
    expect((await k(['delete', 'deployment', 'do', '--cascade=orphan', '--timeout=60s'])).stdout).toBe('deployment.apps "do" deleted\n');
    expect((await k(['get', 'configmap', 'wo-1', '-o', 'jsonpath={.metadata.ownerReferences}'])).stdout).toBe('');
    expect((await k(['get', 'widget', 'do-w', '-o', 'jsonpath={.metadata.ownerReferences}'])).stdout).toBe('');
  }, 60_000);

  it('(c) a dependent is collected within ~2 s of its owner’s deletion (watches, not the scan)', async () => {
    await apply(widget('default', 'lat'));
    await apply(configMap('default', 'lat-1', { ownerReferences: [await widgetRef('default', 'lat')] }));
    await apply(deployment('default', 'dlat'));
    await apply(widget('default', 'dlat-w', { ownerReferences: [await deploymentRef('default', 'dlat')] }));
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    expect((await cluster.server.request('DELETE', '/apis/example.com/v1/namespaces/default/widgets/lat')).status).toBe(200);
    expect((await cluster.server.request('DELETE', '/apis/apps/v1/namespaces/default/deployments/dlat')).status).toBe(200);
    for (;;) {
      if ((await absent('/api/v1/namespaces/default/configmaps/lat-1')) && (await absent('/apis/example.com/v1/namespaces/default/widgets/dlat-w'))) break;
      expect(Date.now() - t0, cluster.controller.logs()).toBeLessThan(2500);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 30_000);

  it('the controller logged no failed watch or job', () => {
    expect(cluster.controller.logs()).not.toMatch(/garbage collector: (watch|cannot)/);
  });
});
