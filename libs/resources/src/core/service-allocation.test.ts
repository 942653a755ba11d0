/** Service ClusterIP/NodePort allocation through the generic Store, against a real etcd. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../../../../test/harness/etcd';
import { StatusError } from '../../../apimachinery/src/status';
import type { KObject } from '../../../apimachinery/src/types';
import { IPRange } from '../../../allocators/src/ranges';
import { Store } from '../../../registry/src/store';
import { EtcdStorage } from '../../../storage/src/etcd/etcd-storage';
import { newServiceAllocators, ServiceAllocation, ServiceAllocators } from './service-allocation';
import { servicesDefinition } from './services';

let etcd: EtcdInstance;
let storage: EtcdStorage;
let allocators: ServiceAllocators;
let services: Store;
const range = IPRange.parse('10.0.0.0/24');

beforeAll(async () => {
  etcd = await startEtcd();
  storage = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: '/registry' });
  allocators = newServiceAllocators(storage, { serviceClusterIPRanges: ['10.0.0.0/24'], serviceNodePortRange: { base: 30000, size: 2768 } });
  services = new Store(servicesDefinition({ allocation: new ServiceAllocation(allocators) }), storage);
});

afterAll(async () => {
  await storage?.close();
  await etcd?.stop();
});

type Svc = KObject & { spec: Record<string, any> };

function body(name: string, spec: Record<string, unknown>): Svc {
  const s = { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec } as unknown as Svc;
  services.def.strategy.default!(s);
  return s;
}

const create = (ns: string, name: string, spec: Record<string, unknown>, dryRun = false) =>
  services.create(ns, body(name, spec), { dryRun }) as Promise<Svc>;

async function statusOf(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a Status error');
}

const usedIPs = () => allocators.ips[0].allocated();
const usedPorts = () => allocators.nodePorts.allocated();

describe('Service allocation', () => {
  it('200 concurrent creates get distinct ClusterIPs and NodePorts from the upper bands; deletes free them', async () => {
    const created = await Promise.all(
      Array.from({ length: 200 }, (_, i) => create('many', `s${i}`, { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80 }] })),
    );
    const ips = created.map((s) => s.spec.clusterIP as string);
    expect(new Set(ips).size).toBe(200);
    for (const s of created) {
      expect(s.spec.clusterIPs).toEqual([s.spec.clusterIP]);
      expect(s.spec.ipFamilies).toEqual(['IPv4']);
      expect(s.spec.ipFamilyPolicy).toBe('SingleStack');
      const i = range.indexOf(s.spec.clusterIP)!;
      expect(i).toBeGreaterThanOrEqual(16); // upper band: 10.0.0.17 and up
    }
    const ports = created.map((s) => s.spec.ports[0].nodePort as number);
    expect(new Set(ports).size).toBe(200);
    for (const p of ports) expect(p >= 30086 && p <= 32767).toBe(true);
    // the stored objects carry the values too, and the bitmaps hold exactly them
    const listed = await services.list('many', {});
    expect(listed.items.map((s) => (s.spec as any).clusterIP).sort()).toEqual([...ips].sort());
    expect((await usedIPs()).sort()).toEqual([...ips].sort());
    expect((await usedPorts()).sort()).toEqual([...ports].sort());
    const raw = await storage.get('/ranges/serviceips');
    expect(raw).toMatchObject({ apiVersion: 'v1', kind: 'RangeAllocation', range: '10.0.0.0/24' });
    expect(await storage.get('/ranges/servicenodeports')).toMatchObject({ range: '30000-32767' });

    await Promise.all(created.map((s) => services.delete('many', s.metadata.name!)));
    expect(await usedIPs()).toEqual([]);
    expect(await usedPorts()).toEqual([]);
    expect((await storage.get('/ranges/serviceips')).data).toBeUndefined();
  });

  it('honours requested values and answers upstream 422s', async () => {
    const a = await create('req', 'a', { clusterIP: '10.0.0.5', type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    expect(a.spec).toMatchObject({ clusterIP: '10.0.0.5', clusterIPs: ['10.0.0.5'] });
    expect(a.spec.ports[0].nodePort).toBe(30080);
    expect(await statusOf(create('req', 'b', { clusterIP: '10.0.0.5', ports: [{ port: 80 }] }))).toEqual({
      code: 422,
      message: 'Service "b" is invalid: spec.clusterIPs: Invalid value: ["10.0.0.5"]: failed to allocate IP 10.0.0.5: provided IP is already allocated',
    });
    expect(await statusOf(create('req', 'c', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }))).toEqual({
      code: 422,
      message: 'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated',
    });
    expect(await statusOf(create('req', 'd', { clusterIP: '10.9.0.1', ports: [{ port: 80 }] }))).toEqual({
      code: 422,
      message:
        'Service "d" is invalid: spec.clusterIPs: Invalid value: ["10.9.0.1"]: failed to allocate IP 10.9.0.1: the provided IP (10.9.0.1) is not in the valid range. The range of valid IPs is 10.0.0.0/24',
    });
    expect(await statusOf(create('req', 'e', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }))).toEqual({
      code: 422,
      message: 'Service "e" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    });
    // failed creates leaked nothing: c's dynamic IP, e's dynamic IP were given back
    expect(await usedIPs()).toEqual(['10.0.0.5']);
    expect(await usedPorts()).toEqual([30080]);
    await services.delete('req', 'a');
    expect(await usedIPs()).toEqual([]);
  });

  it('a failed write does not leak', async () => {
    const first = await create('fail', 'dup', { type: 'NodePort', ports: [{ port: 80 }] });
    expect(await statusOf(create('fail', 'dup', { type: 'NodePort', ports: [{ port: 80 }] }))).toMatchObject({ code: 409 });
    expect(await usedIPs()).toEqual([first.spec.clusterIP]);
    expect(await usedPorts()).toEqual([first.spec.ports[0].nodePort]);
    // an update that loses on a precondition releases what it allocated (ExternalName -> ClusterIP)
    await create('fail', 'ext', { type: 'ExternalName', externalName: 'db.example.com' });
    const stale = await services.get('fail', 'ext');
    await services.update('fail', 'ext', (c) => ({ ...c, metadata: { ...c.metadata, labels: { x: 'y' } } }));
    const res = await statusOf(
      services.update('fail', 'ext', () => ({ ...stale, spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], sessionAffinity: 'None', internalTrafficPolicy: 'Cluster' } })),
    );
    expect(res.code).toBe(409);
    expect(await usedIPs()).toEqual([first.spec.clusterIP]);
    await services.delete('fail', 'dup');
    await services.delete('fail', 'ext');
  });

  it('type changes release and allocate; headless and ExternalName get nothing', async () => {
    const np = await create('types', 'np', { type: 'NodePort', ports: [{ port: 80 }] });
    const ip = np.spec.clusterIP;
    const port = np.spec.ports[0].nodePort;
    // a PUT without nodePort keeps it
    const put = await services.update('types', 'np', (c) => ({ ...c, spec: { ...(c.spec as object), ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] } }));
    expect((put.object.spec as any).ports[0].nodePort).toBe(port);
    // NodePort -> ClusterIP releases the port, keeps the IP
    const cip = await services.update('types', 'np', (c) => ({ ...c, spec: { ...(c.spec as object), type: 'ClusterIP' } }));
    expect((cip.object.spec as any).ports[0].nodePort).toBeUndefined();
    expect((cip.object.spec as any).clusterIP).toBe(ip);
    expect(await usedPorts()).toEqual([]);
    // ClusterIP -> ExternalName releases the IP
    const ext = await services.update('types', 'np', (c) => ({ ...c, spec: { ...(c.spec as object), type: 'ExternalName', externalName: 'x.example.com' } }));
    expect((ext.object.spec as any).clusterIP).toBeUndefined();
    expect(await usedIPs()).toEqual([]);
    // ExternalName -> LoadBalancer(Local) allocates an IP, node port and health check port
    const lb = await services.update('types', 'np', (c) => ({
      ...c,
      spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', allocateLoadBalancerNodePorts: true, internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
    }));
    const lbSpec = lb.object.spec as any;
    expect(await usedIPs()).toEqual([lbSpec.clusterIP]);
    expect((await usedPorts()).sort()).toEqual([lbSpec.ports[0].nodePort, lbSpec.healthCheckNodePort].sort());
    await services.delete('types', 'np');
    expect(await usedIPs()).toEqual([]);
    expect(await usedPorts()).toEqual([]);

    const headless = await create('types', 'hl', { clusterIP: 'None', selector: { a: 'b' }, ports: [{ port: 80 }] });
    expect(headless.spec.clusterIPs).toEqual(['None']);
    await create('types', 'en', { type: 'ExternalName', externalName: 'db.example.com' });
    expect(await usedIPs()).toEqual([]);
  });

  it('dry run allocates nothing', async () => {
    const dry = await create('dry', 'd', { type: 'NodePort', ports: [{ port: 80 }, { port: 443, name: 'https' }].map((p, i) => (i === 0 ? { ...p, name: 'http' } : p)) }, true);
    expect(dry.spec.clusterIP).toBe('10.0.0.0');
    expect(dry.spec.ports.map((p: any) => p.nodePort)).toEqual([32769, 32770]);
    await create('dry', 'taken', { clusterIP: '10.0.0.7', ports: [{ port: 80 }] });
    // static IPs are only range-checked in dry run (as upstream); taken node ports are refused
    expect((await create('dry', 'd2', { clusterIP: '10.0.0.7', ports: [{ port: 80 }] }, true)).spec.clusterIP).toBe('10.0.0.7');
    expect(await usedIPs()).toEqual(['10.0.0.7']);
    expect(await usedPorts()).toEqual([]);
    await services.delete('dry', 'taken');
  });
});
