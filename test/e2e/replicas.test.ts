/**
 * Three API replicas on one etcd (loopback 127.0.0.11-13, one port): the lease endpoint
 * reconciler lists exactly the live replicas in Endpoints kubernetes, and Service allocation
 * through all three at once hands out distinct ClusterIPs and NodePorts and frees them all.
 */
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiserverInstance, startApiserver } from '../harness/apiserver';
import { EtcdInstance, startEtcd } from '../harness/etcd';
import { freePort } from '../harness/ports';

let etcd: EtcdInstance;
let replicas: ApiserverInstance[] = [];
const hosts = ['127.0.0.11', '127.0.0.12', '127.0.0.13'];

beforeAll(async () => {
  etcd = await startEtcd();
  const port = await freePort();
  replicas = await Promise.all(hosts.map((host) => startApiserver({ etcd, host, port })));
}, 90_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await etcd?.stop();
});

async function endpointIPs(via: ApiserverInstance): Promise<string[]> {
  const r = await via.request('GET', '/api/v1/namespaces/default/endpoints/kubernetes');
  if (r.status !== 200) return [];
  const subsets = (r.json().subsets ?? []) as { addresses?: { ip: string }[] }[];
  return subsets.flatMap((s) => (s.addresses ?? []).map((a) => a.ip)).sort();
}

async function until(cond: () => Promise<boolean>, ms: number): Promise<number> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return Date.now() - start;
}

describe('three replicas', () => {
  it('allocate distinct ClusterIPs and NodePorts for 200 Services created concurrently through all three, and free them all', async () => {
    const ns = '/api/v1/namespaces/default/services';
    const body = (i: number) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}` }, spec: { type: 'NodePort', ports: [{ port: 80 }] } });
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) => replicas[i % 3].request('POST', ns, { body: body(i) })),
    );
    for (const c of created) expect(c.status, c.body).toBe(201);
    const specs = created.map((c) => c.json().spec as { clusterIP: string; ports: { nodePort: number }[] });
    const ips = specs.map((s) => s.clusterIP);
    const ports = specs.map((s) => s.ports[0].nodePort);
    expect(new Set(ips).size).toBe(200);
    expect(new Set(ports).size).toBe(200);
    for (const ip of ips) expect(ip).toMatch(/^10\.0\.0\.\d+$/);
    for (const p of ports) expect(p >= 30086 && p <= 32767, String(p)).toBe(true);

    await Promise.all(Array.from({ length: 200 }, (_, i) => replicas[(i + 1) % 3].request('DELETE', `${ns}/s${i}`)));
    const client = new Etcd3({ hosts: etcd.endpoint });
    try {
      for (const key of ['/registry/ranges/serviceips', '/registry/ranges/servicenodeports']) {
        const stored = JSON.parse((await client.get(key).string()) ?? '{}') as { data?: string };
        const bits = Buffer.from(stored.data ?? '', 'base64');
        expect([...bits].every((b) => b === 0), key).toBe(true);
      }
    } finally {
      client.close();
    }
  });

  it('Endpoints kubernetes lists exactly the live replicas', async () => {
    const listed = await until(async () => (await endpointIPs(replicas[0])).join(',') === hosts.join(','), 10_000);
    expect(listed).toBeLessThanOrEqual(10_000);

    // graceful stop: its lease is deleted and the endpoints reconciled at once
    await replicas[1].stop();
    const graceful = await until(async () => (await endpointIPs(replicas[0])).join(',') === [hosts[0], hosts[2]].join(','), 5_000);
    expect(graceful).toBeLessThan(5_000);

    // kill -9: the lease expires (15 s TTL) and the next reconcile drops it
    replicas[2].process.kill('SIGKILL');
    const killed = await until(async () => (await endpointIPs(replicas[0])).join(',') === hosts[0], 30_000);
    expect(killed).toBeLessThanOrEqual(30_000);
  }, 60_000);
});
