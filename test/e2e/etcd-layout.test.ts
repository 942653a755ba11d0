/** What a replica writes to etcd: upstream's key layout, JSON values, resourceVersion = mod revision. */
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';

let server: ApiserverInstance;
let etcd: Etcd3;

beforeAll(async () => {
  server = await startApiserver();
  etcd = new Etcd3({ hosts: server.etcd.endpoint });
});

afterAll(async () => {
  etcd?.close();
  await server?.stop();
});

describe('etcd layout', () => {
  it('stores objects under upstream keys as JSON, with resourceVersion = the mod revision', async () => {
    const manifest = `apiVersion: v1
kind: Namespace
metadata: {name: layout}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm, namespace: layout}
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: layout}
spec: {ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dep, namespace: layout}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-1}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: lease, namespace: layout}
`;
    const r = await kubectl('1.32', server.kubeconfig, ['apply', '-f', '-'], manifest);
    expect(r.code, r.stderr).toBe(0);
    const keys = [
      '/registry/namespaces/layout',
      '/registry/configmaps/layout/cm',
      '/registry/services/specs/layout/svc',
      '/registry/deployments/layout/dep',
      '/registry/minions/node-1',
      '/registry/leases/layout/lease',
    ];
    for (const key of keys) {
      const res = await etcd.get(key).exec();
      expect(res.kvs, key).toHaveLength(1);
      const kv = res.kvs[0];
      const stored = JSON.parse(kv.value.toString('utf8')) as { metadata: { resourceVersion?: string; name: string } };
      expect(stored.metadata.name).toBe(key.split('/').pop());
      const served = await server.request('GET', servedPath(key));
      expect(served.status, key).toBe(200);
      expect((served.json().metadata as { resourceVersion: string }).resourceVersion).toBe(kv.mod_revision);
    }
  });
});

function servedPath(key: string): string {
  const parts = key.split('/').slice(2);
  switch (parts[0]) {
    case 'namespaces':
      return `/api/v1/namespaces/${parts[1]}`;
    case 'configmaps':
      return `/api/v1/namespaces/${parts[1]}/configmaps/${parts[2]}`;
    case 'services':
      return `/api/v1/namespaces/${parts[2]}/services/${parts[3]}`;
    case 'deployments':
      return `/apis/apps/v1/namespaces/${parts[1]}/deployments/${parts[2]}`;
    case 'minions':
      return `/api/v1/nodes/${parts[1]}`;
    case 'leases':
      return `/apis/coordination.k8s.io/v1/namespaces/${parts[1]}/leases/${parts[2]}`;
    default:
      throw new Error(key);
  }
}
