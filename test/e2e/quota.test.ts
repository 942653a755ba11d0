/**
 * ResourceQuota across replicas: three API replicas on one etcd, a quota of 10 pods, 20 concurrent
 * pod creates spread over the three admit exactly 10 (usage is charged by compare-and-swap on the
 * quota's status before each pod is stored); status.used says 10, kubectl shows it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, kubectl, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';
import { freePort } from '../harness/ports';

let etcd: EtcdInstance;
let replicas: ApiserverInstance[] = [];
const hosts = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];

beforeAll(async () => {
  etcd = await startEtcd();
  const port = await freePort();
  // one after the other: three cold starts at once can exceed the harness's readiness wait on a busy machine
  for (const host of hosts) replicas.push(await startApiserver({ etcd, host, port }));
}, 150_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await etcd?.stop();
});

describe('ResourceQuota through three replicas', () => {
  it('admits exactly 10 of 20 concurrent pod creates against a quota of 10 pods', async () => {
    const ns = 'quota-e2e';
    const nsRes = await replicas[0].request('POST', '/api/v1/namespaces', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }) });
    expect(nsRes.status, nsRes.body).toBe(201);
    const q = await replicas[1].request('POST', `/api/v1/namespaces/${ns}/resourcequotas`, {
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'pods' }, spec: { hard: { pods: '10' } } }),
    });
    expect(q.status, q.body).toBe(201);
    // the default ServiceAccount (ServiceAccount admission) is created by the namespace controller
    const start = Date.now();
    while ((await replicas[2].request('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`)).status !== 200) {
      if (Date.now() - start > 15_000) throw new Error('no default service account');
      await new Promise((r) => setTimeout(r, 200));
    }
    const body = (i: number) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}` }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => replicas[i % 3].request('POST', `/api/v1/namespaces/${ns}/pods`, { body: body(i) })));
    const created = results.filter((r) => r.status === 201);
    const denied = results.filter((r) => r.status === 403);
    expect(created.length, results.map((r) => `${r.status} ${r.body.slice(0, 200)}`).join('\n')).toBe(10);
    expect(denied.length).toBe(10);
    const status = denied[0].json();
    expect(status.reason).toBe('Forbidden');
    expect(status.message).toMatch(/^pods "p\d+" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10$/);

    const list = await replicas[2].request('GET', `/api/v1/namespaces/${ns}/pods`);
    expect((list.json().items as unknown[]).length).toBe(10);
    const quota = await replicas[0].request('GET', `/api/v1/namespaces/${ns}/resourcequotas/pods`);
    expect(quota.json().status).toEqual({ hard: { pods: '10' }, used: { pods: '10' } });
    const k = await kubectl('1.32', replicas[0].kubeconfig, ['get', 'quota', 'pods', '-n', ns, '-o', 'jsonpath={.status.used.pods}/{.status.hard.pods}']);
    expect(k.stdout).toBe('10/10');

    // deleting a pod frees its unit (recalculated from the stored pods)
    const del = await replicas[1].request('DELETE', `/api/v1/namespaces/${ns}/pods/${created[0].json<{ metadata: { name: string } }>().metadata.name}?gracePeriodSeconds=0`);
    expect(del.status).toBeLessThan(300);
    const t0 = Date.now();
    for (;;) {
      const r = await replicas[2].request('GET', `/api/v1/namespaces/${ns}/resourcequotas/pods`);
      if ((r.json().status as { used?: { pods?: string } }).used?.pods === '9') break;
      if (Date.now() - t0 > 20_000) throw new Error(`usage not released: ${r.body}`);
      await new Promise((res) => setTimeout(res, 250));
    }
    const again = await replicas[2].request('POST', `/api/v1/namespaces/${ns}/pods`, { body: body(99) });
    expect(again.status, again.body).toBe(201);
  }, 90_000);
});
