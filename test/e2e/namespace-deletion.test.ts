/**
 * Namespace deletion end to end: `kubectl delete ns x` against a replica with the bootstrap
 * controller (garbage collector + namespace controller) next to it; the namespace goes
 * Terminating, its content is deleted (waiting on an object's finalizer), it is finalized and
 * deleted, and etcd holds nothing under it. Also PUT .../finalize.
 */
import { describe, expect, it } from 'vitest';
import { etcdctlKeys, until, useControllerCluster } from './gc-harness';

const cluster = useControllerCluster();
const k = cluster.k;

describe('namespace deletion e2e', () => {
  it('kubectl delete ns x completes and leaves nothing under /x/ in etcd', async () => {
    expect((await k(['create', 'ns', 'x'])).code).toBe(0);
    expect((await k(['-n', 'x', 'create', 'configmap', 'c1', '--from-literal=a=b'])).code).toBe(0);
    expect((await k(['-n', 'x', 'create', 'secret', 'generic', 's1', '--from-literal=a=b'])).code).toBe(0);
    expect((await k(['-n', 'x', 'create', 'serviceaccount', 'sa1'])).code).toBe(0);
    const held = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'held', namespace: 'x', finalizers: ['example.com/hold'] } };
    expect((await k(['apply', '-f', '-'], JSON.stringify(held))).code).toBe(0);
    expect((await etcdctlKeys(cluster.etcd.endpoint, '/registry/')).some((key) => key.includes('/x/'))).toBe(true);

    const del = k(['delete', 'ns', 'x', '--timeout=60s']);
    // Terminating with the deletion conditions while the held object waits
    const cond = await until(
      'NamespaceFinalizersRemaining',
      async () => {
        const r = await k(['get', 'ns', 'x', '-o', 'json']);
        if (r.code !== 0) return undefined;
        const ns = JSON.parse(r.stdout);
        const c = (ns.status?.conditions ?? []).find((c: { type: string; status: string }) => c.type === 'NamespaceFinalizersRemaining' && c.status === 'True');
        return c ? { ns, c } : undefined;
      },
      30_000,
      cluster.controller.logs,
    );
    expect(cond.ns.status.phase).toBe('Terminating');
    expect(cond.ns.spec.finalizers).toEqual(['kubernetes']);
    expect(cond.c.message).toBe('Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    expect((await k(['-n', 'x', 'get', 'configmap', 'c1'])).stderr).toContain('NotFound');
    // new content is refused while terminating
    expect((await k(['-n', 'x', 'create', 'configmap', 'c2'])).stderr).toContain('because it is being terminated');

    expect((await k(['-n', 'x', 'patch', 'configmap', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])).code).toBe(0);
    const r = await del;
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('namespace "x" deleted\n');
    expect((await k(['get', 'ns', 'x'])).stderr).toContain('namespaces "x" not found');
    const left = (await etcdctlKeys(cluster.etcd.endpoint, '/registry/')).filter((key) => key.includes('/x/') || key.endsWith('/namespaces/x'));
    expect(left).toEqual([]);
  }, 90_000);

  it('PUT /api/v1/namespaces/{name}/finalize changes only spec.finalizers', async () => {
    expect((await k(['create', 'ns', 'fin'])).code).toBe(0);
    const ns = JSON.parse((await k(['get', 'ns', 'fin', '-o', 'json'])).stdout);
    ns.spec.finalizers = [];
    ns.metadata.labels.extra = 'x';
    const res = await cluster.server.request('PUT', '/api/v1/namespaces/fin/finalize', { body: JSON.stringify(ns), headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(200);
    expect(res.json().spec).toEqual({});
    // with no finalizer left, DELETE removes it at once
    const r = await k(['delete', 'ns', 'fin']);
    expect(r.stdout).toBe('namespace "fin" deleted\n');
    expect((await k(['get', 'ns', 'fin'])).code).not.toBe(0);
  }, 60_000);
});
