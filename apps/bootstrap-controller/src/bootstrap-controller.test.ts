/** The bootstrap controller and the lease endpoint reconciler against a real etcd. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../../../test/harness/etcd';
import type { KObject } from '../../../libs/apimachinery/src/types';
import { builtinResources, newServiceAllocators, ServiceAllocators } from '../../../libs/resources/src';
import { ResourceRegistry } from '../../../libs/registry/src/registry';
import { Store } from '../../../libs/registry/src/store';
import { EtcdStorage } from '../../../libs/storage/src/etcd/etcd-storage';
import { BootstrapController, BootstrapControllerOptions } from './controller';
import { LeaseEndpointReconciler, MasterCountEndpointReconciler } from './endpoint-reconciler';
import { LEAK_COUNTERS_ANNOTATION, RepairRunner, RepairTarget } from './repair';

let etcd: EtcdInstance;
const opened: EtcdStorage[] = [];
let prefixes = 0;

beforeAll(async () => {
  etcd = await startEtcd();
});

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
  await etcd?.stop();
});

/** A storage under a prefix of its own, so tests do not see each other's objects. */
function freshStorage(): EtcdStorage {
  const s = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: `/t${++prefixes}/registry` });
  opened.push(s);
  return s;
}

const cfg = (extra: Partial<BootstrapControllerOptions> = {}): BootstrapControllerOptions => ({
  serviceClusterIPRanges: ['10.0.0.0/24'],
  serviceNodePortRange: { base: 30000, size: 2768 },
  securePort: 6443,
  repairIntervalMs: 3_600_000,
  ...extra,
});

function allocatorsOf(storage: EtcdStorage): ServiceAllocators {
  return newServiceAllocators(storage, { serviceClusterIPRanges: ['10.0.0.0/24'], serviceNodePortRange: { base: 30000, size: 2768 } });
}

async function waitFor<T>(fn: () => Promise<T | undefined | false>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Svc = KObject & { spec: Record<string, any> };

async function createService(c: BootstrapController, ns: string, name: string, spec: Record<string, unknown>): Promise<Svc> {
  const body = { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec } as unknown as Svc;
  c.services.def.strategy.default!(body);
  return (await c.services.create(ns, body)) as Svc;
}

/** A Service written straight to storage, past the allocator (a duplicate, a lost allocation...). */
async function writeServiceRaw(storage: EtcdStorage, ns: string, name: string, spec: Record<string, unknown>): Promise<void> {
  await storage.create(`/services/specs/${ns}/${name}`, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns, uid: `uid-${name}`, creationTimestamp: new Date().toISOString() },
    spec,
  } as KObject);
}

async function eventsIn(c: BootstrapController, ns: string): Promise<Record<string, any>[]> {
  return (await c.events.list(ns, {})).items as Record<string, any>[];
}

async function metricValue(c: BootstrapController, name: string, type?: string): Promise<number> {
  const m = await c.metrics.registry.getSingleMetric(name)!.get();
  return m.values.filter((v) => type === undefined || v.labels.type === type).reduce((a, v) => a + v.value, 0);
}

describe('bootstrap controller', () => {
  it('fresh start: four namespaces and Service kubernetes (first IP, 443 -> secure port), recreated when deleted', async () => {
    const storage = freshStorage();
    const c = new BootstrapController(storage, cfg({ serviceIntervalMs: 300 }));
    c.start();
    try {
      const svc = (await waitFor(() => c.services.get('default', 'kubernetes').catch(() => undefined), 10_000, 'service kubernetes')) as Svc;
      expect(svc.metadata.labels).toEqual({ provider: 'kubernetes', component: 'apiserver' });
      expect(svc.spec).toMatchObject({
        type: 'ClusterIP',
        clusterIP: '10.0.0.1',
        clusterIPs: ['10.0.0.1'],
        sessionAffinity: 'None',
        ipFamilyPolicy: 'SingleStack',
        ports: [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 6443 }],
      });
      expect(svc.spec.selector).toBeUndefined();
      expect(await allocatorsOf(storage).ips[0].has('10.0.0.1')).toBe(true);
      const names = await waitFor(async () => {
        const items = (await c.namespaces.list('', {})).items.map((n) => n.metadata.name).sort();
        return items.length === 4 ? items : undefined;
      }, 10_000, 'namespaces');
      expect(names).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
      // present namespaces cause no writes
      const rev = await storage.currentRevision();
      expect(await c.ensureNamespaces()).toEqual([]);
      expect(await storage.currentRevision()).toBe(rev);

      // deleted: back within the service interval, never updated otherwise
      await c.services.delete('default', 'kubernetes');
      const again = (await waitFor(() => c.services.get('default', 'kubernetes').catch(() => undefined), 5_000, 'recreated service')) as Svc;
      expect(again.metadata.uid).not.toBe(svc.metadata.uid);
      expect(again.spec.clusterIP).toBe('10.0.0.1');
      await c.services.update('default', 'kubernetes', (cur) => ({ ...cur, metadata: { ...cur.metadata, labels: { changed: 'yes' } } }));
      await new Promise((r) => setTimeout(r, 700));
      expect((await c.services.get('default', 'kubernetes')).metadata.labels).toEqual({ changed: 'yes' });
      // the first repair pass ran at start
      await waitFor(async () => c.repairedOnce, 5_000, 'first repair pass');
    } finally {
      await c.stop();
    }
  });
});

describe('lease endpoint reconciler', () => {
  it('lists every live replica; a graceful stop drops out at once, a dead replica after the TTL', async () => {
    const storage = freshStorage();
    const registry = new ResourceRegistry(builtinResources());
    const endpoints = new Store(registry.lookup('', 'v1', 'endpoints')!, storage);
    const slices = new Store(registry.lookup('discovery.k8s.io', 'v1', 'endpointslices')!, storage);
    const ipsOf = async () => {
      const ep = (await endpoints.get('default', 'kubernetes')) as Record<string, any>;
      return (ep.subsets[0].addresses as { ip: string }[]).map((a) => a.ip);
    };
    const mk = (ip: string) => new LeaseEndpointReconciler(storage, registry, { ip, port: 6443, ttlSeconds: 2, intervalMs: 300 });

    const r1 = mk('127.0.0.1');
    r1.start();
    await waitFor(async () => (await ipsOf()).join() === '127.0.0.1', 5_000, 'first replica listed');
    const ep = (await endpoints.get('default', 'kubernetes')) as Record<string, any>;
    expect(ep.metadata.labels).toEqual({ 'endpointslice.kubernetes.io/skip-mirror': 'true' });
    expect(ep.subsets).toEqual([{ addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }]);
    const slice = (await slices.get('default', 'kubernetes')) as Record<string, any>;
    expect(slice.metadata.labels).toEqual({ 'kubernetes.io/service-name': 'kubernetes' });
    expect(slice).toMatchObject({ addressType: 'IPv4', endpoints: [{ addresses: ['127.0.0.1'] }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] });

    // no writes when nothing differs
    const rv = ep.metadata.resourceVersion;
    await r1.reconcile();
    expect((await endpoints.get('default', 'kubernetes')).metadata.resourceVersion).toBe(rv);

    const r2 = mk('10.1.0.2');
    r2.start();
    await waitFor(async () => (await ipsOf()).join() === '10.1.0.2,127.0.0.1', 5_000, 'both replicas');
    await waitFor(async () => ((await slices.get('default', 'kubernetes')) as any).endpoints.length === 2, 5_000, 'slice with both');

    // graceful: gone at once
    await r1.stop();
    expect(await ipsOf()).toEqual(['10.1.0.2']);

    // a replica that stops refreshing: gone once its lease expired
    const r3 = mk('10.1.0.3');
    await r3.reconcile();
    expect(await ipsOf()).toEqual(['10.1.0.2', '10.1.0.3']);
    await waitFor(async () => (await ipsOf()).join() === '10.1.0.2', 10_000, 'dead replica dropped after TTL');
    expect(((await slices.get('default', 'kubernetes')) as any).endpoints.map((e: any) => e.addresses[0])).toEqual(['10.1.0.2']);

    // hand edits are reverted
    await endpoints.update('default', 'kubernetes', (cur) => ({ ...cur, subsets: [{ addresses: [{ ip: '10.9.9.9' }], ports: [{ port: 1, protocol: 'TCP' }] }] }));
    await waitFor(async () => (await ipsOf()).join() === '10.1.0.2', 5_000, 'hand edit reverted');

    // the last replica: its lease goes, but all endpoints are never erased
    await r2.stop();
    expect(await ipsOf()).toEqual(['10.1.0.2']);
    expect((await storage.list('/masterleases/')).items).toEqual([]);
  });
});

describe('repair passes', () => {
  it('restores a cleared bit of a live Service with event ClusterIPNotAllocated', async () => {
    const storage = freshStorage();
    const c = new BootstrapController(storage, cfg());
    const svc = await createService(c, 'apps', 'web', { selector: { app: 'web' }, ports: [{ port: 80 }] });
    const ip = svc.spec.clusterIP as string;
    const alloc = allocatorsOf(storage).ips[0];
    await alloc.release(ip);
    expect(await alloc.has(ip)).toBe(false);
    await c.repairClusterIPs();
    expect(await alloc.has(ip)).toBe(true);
    const evs = await eventsIn(c, 'apps');
    expect(evs).toHaveLength(1);
    expect(evs[0]).toMatchObject({
      type: 'Warning',
      reason: 'ClusterIPNotAllocated',
      message: `Cluster IP [IPv4]:${ip} is not allocated; repairing`,
      source: { component: 'ipallocator-repair-controller' },
      reportingComponent: 'ipallocator-repair-controller',
      involvedObject: { kind: 'Service', namespace: 'apps', name: 'web', uid: svc.metadata.uid },
    });
    expect(await metricValue(c, 'apiserver_clusterip_repair_ip_errors_total', 'repair')).toBe(1);
  });

  it('frees a leaked IP on the third pass, not before, and the counters survive a restart', async () => {
    const storage = freshStorage();
    const alloc = allocatorsOf(storage).ips[0];
    await alloc.allocate('10.0.0.77');
    const c1 = new BootstrapController(storage, cfg());
    await c1.repairClusterIPs();
    expect(await alloc.has('10.0.0.77')).toBe(true);
    expect((await storage.get('/ranges/serviceips')).metadata.annotations?.[LEAK_COUNTERS_ANNOTATION]).toBe('{"10.0.0.77":1}');
    // a new controller (restart) picks the counters up
    const c2 = new BootstrapController(storage, cfg());
    await c2.repairClusterIPs();
    expect(await alloc.has('10.0.0.77')).toBe(true);
    await c2.repairClusterIPs();
    expect(await alloc.has('10.0.0.77')).toBe(false);
    expect((await storage.get('/ranges/serviceips')).metadata.annotations).toBeUndefined();
    expect(await metricValue(c2, 'apiserver_clusterip_repair_ip_errors_total', 'leak')).toBe(1);
  });

  it('reports two Services with one IP as ClusterIPAlreadyAllocated', async () => {
    const storage = freshStorage();
    const c = new BootstrapController(storage, cfg());
    const a = await createService(c, 'dup', 'a', { selector: { app: 'a' }, ports: [{ port: 80 }] });
    await writeServiceRaw(storage, 'dup', 'b', { type: 'ClusterIP', clusterIP: a.spec.clusterIP, clusterIPs: [a.spec.clusterIP], ports: [{ port: 80, protocol: 'TCP' }] });
    await c.repairClusterIPs();
    const evs = await eventsIn(c, 'dup');
    expect(evs.map((e) => [e.reason, e.involvedObject.name])).toEqual([['ClusterIPAlreadyAllocated', 'b']]);
    expect(evs[0].message).toBe(`Cluster IP [IPv4]:${a.spec.clusterIP} was assigned to multiple services; please recreate service`);
    expect(await metricValue(c, 'apiserver_clusterip_repair_ip_errors_total', 'duplicate')).toBe(1);
    // a repeat of the same finding bumps the count of the event already written
    await c.repairClusterIPs();
    const again = await eventsIn(c, 'dup');
    expect(again).toHaveLength(1);
    expect(again[0].count).toBe(2);
  });

  it('node ports: restores a cleared port, frees a leaked one on the third pass, reports duplicates', async () => {
    const storage = freshStorage();
    const c = new BootstrapController(storage, cfg());
    const ports = allocatorsOf(storage).nodePorts;
    const svc = await createService(c, 'np', 'web', { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] });
    const port = svc.spec.ports[0].nodePort as number;
    await ports.release(port);
    await ports.allocate(30005); // leaked
    await writeServiceRaw(storage, 'np', 'twin', { type: 'NodePort', clusterIP: '10.0.0.200', ports: [{ port: 81, protocol: 'TCP', nodePort: port }] });

    await c.repairNodePorts();
    expect(await ports.has(port)).toBe(true);
    expect(await ports.has(30005)).toBe(true);
    const evs = await eventsIn(c, 'np');
    expect(evs.map((e) => [e.reason, e.involvedObject.name, e.source.component]).sort()).toEqual([
      // Services are listed by name: twin holds the port first, web is the duplicate
      ['PortAlreadyAllocated', 'web', 'portallocator-repair-controller'],
      ['PortNotAllocated', 'twin', 'portallocator-repair-controller'],
    ]);
    await c.repairNodePorts();
    expect(await ports.has(30005)).toBe(true);
    await c.repairNodePorts();
    expect(await ports.has(30005)).toBe(false);
    expect(await ports.has(port)).toBe(true);
    expect(await metricValue(c, 'apiserver_nodeport_repair_port_errors_total', 'repair')).toBe(1);
    expect(await metricValue(c, 'apiserver_nodeport_repair_port_errors_total', 'leak')).toBe(1);
    expect(await metricValue(c, 'apiserver_nodeport_repair_port_errors_total', 'duplicate')).toBe(3);
    expect(await c.metrics.registry.metrics()).toContain('apiserver_nodeport_repair_port_errors_total{type="duplicate"} 3');
  });

  it('redoes the pass when the range changed under it (CAS conflict)', async () => {
    const storage = freshStorage();
    const c = new BootstrapController(storage, cfg());
    const alloc = allocatorsOf(storage).ips[0];
    await alloc.allocate('10.0.0.9');
    let calls = 0;
    const target: RepairTarget = {
      key: '/ranges/serviceips',
      component: 'test',
      repair: (stored, services, leaks) => {
        calls++;
        return (c as unknown as { targets: { clusterIPs: RepairTarget[] } }).targets.clusterIPs[0].repair(stored, services, leaks);
      },
      errors: c.metrics.clusterIPErrors,
      reconcileErrors: c.metrics.clusterIPReconcileErrors,
      recorder: { recordAll: async () => undefined } as never,
    };
    const runner = new RepairRunner(storage, c.services);
    // an allocation lands between the read and the write of the first attempt
    let raced = false;
    const racing: RepairTarget = {
      ...target,
      repair: (stored, services, leaks) => {
        const out = target.repair(stored, services, leaks);
        if (!raced) {
          raced = true;
          void alloc.allocate('10.0.0.10');
        }
        return out;
      },
    };
    const origWrite = (runner as unknown as { write: (...a: unknown[]) => Promise<void> }).write.bind(runner);
    (runner as unknown as { write: (...a: unknown[]) => Promise<void> }).write = async (...a: unknown[]) => {
      await waitFor(() => alloc.has('10.0.0.10'), 5_000, 'racing allocation');
      return origWrite(...a);
    };
    await runner.runOnce(racing);
    expect(calls).toBe(2);
    expect(await alloc.allocated()).toEqual(['10.0.0.9', '10.0.0.10']);
  });
});

describe('master-count endpoint reconciler', () => {
  it('adds each replica, keeps at most apiserver-count, and removes a replica on graceful stop', async () => {
    const storage = freshStorage();
    const registry = new ResourceRegistry(builtinResources());
    const endpoints = new Store(registry.lookup('', 'v1', 'endpoints')!, storage);
    const ipsOf = async () => {
      const ep = (await endpoints.get('default', 'kubernetes')) as Record<string, any>;
      return (ep.subsets[0].addresses as { ip: string }[]).map((a) => a.ip);
    };
    const mk = (ip: string) => new MasterCountEndpointReconciler(storage, registry, { ip, port: 6443, apiserverCount: 2, intervalMs: 60_000 });
    const [a, b, c] = [mk('10.2.0.1'), mk('10.2.0.2'), mk('10.2.0.3')];
    await a.reconcile();
    await b.reconcile();
    expect(await ipsOf()).toEqual(['10.2.0.1', '10.2.0.2']);
    await c.reconcile();
    expect(await ipsOf()).toHaveLength(2);
    expect(await ipsOf()).toContain('10.2.0.3');
    await c.stop();
    expect(await ipsOf()).not.toContain('10.2.0.3');
  });
});
