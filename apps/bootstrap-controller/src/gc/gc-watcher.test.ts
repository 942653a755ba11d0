/**
 * Event-driven garbage collection and custom resources, against a real etcd: a GcController with
 * the in-process queue, watches on and the backstop scan far away, so every piece of work here is
 * found through a watch. The CRD is written after the controller started.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../../../../test/harness/etcd';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { crdDefinition, defaultCRD } from '../../../../libs/apiextensions/src/crd-resource';
import { builtinResources } from '../../../../libs/resources/src';
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { Store } from '../../../../libs/registry/src/store';
import { EtcdStorage } from '../../../../libs/storage/src/etcd/etcd-storage';
import { CustomResourceDefinitions } from './custom-resources';
import { GarbageCollector } from './garbage-collector';
import { GcController } from './gc-controller';
import { InProcessWorkQueue, RetryLater } from './work-queue';

let etcd: EtcdInstance;
let storage: EtcdStorage;
let gc: GcController;
let registry: ResourceRegistry;

const store = (group: string, version: string, plural: string) => {
  const def = registry.lookup(group, version, plural);
  if (!def) throw new Error(`${plural}.${group} not registered`);
  return new Store(def, storage);
};

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const gone = (s: Store, ns: string, name: string) => s.get(ns, name).then(() => false, () => true);

beforeAll(async () => {
  etcd = await startEtcd();
  storage = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: '/gcw/registry' });
  registry = new ResourceRegistry(builtinResources());
  gc = new GcController(storage, registry, { queue: new InProcessWorkQueue(100), scanIntervalMs: 600_000 });
  gc.start();
  await gc.started();
  await gc.watcher!.waitForSync();
  // the scan ran once at start; from now on only watches find work
}, 60_000);

afterAll(async () => {
  await gc?.stop();
  await storage?.close().catch(() => undefined);
  await etcd?.stop();
});

const ns = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cm = (name: string, extra: Record<string, unknown> = {}): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra } });
const widget = (name: string, extra: Record<string, unknown> = {}): KObject => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, ...extra }, spec: { size: 1 } });
const ref = (o: KObject, block = true) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, blockOwnerDeletion: block });

const widgetsCRD = (): KObject => {
  const crd: KObject = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
  defaultCRD(crd);
  return crd;
};

describe('custom resources', () => {
  it('a CRD created after start is registered and watched within 2 s', async () => {
    expect(registry.lookup('example.com', 'v1', 'widgets')).toBeUndefined();
    const crd = widgetsCRD();
    const t0 = Date.now();
    await new Store(registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions') ?? crdDefinition(), storage).create('', crd);
    await until('widgets watched', async () => gc.watcher!.watched().includes('/example.com/widgets/'), 2000);
    expect(Date.now() - t0).toBeLessThan(2000);
    // read only: the controller writes no CRD status
    const stored = await storage.get('/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com');
    expect((stored.status as { conditions?: unknown } | undefined)?.conditions).toBeUndefined();
  });

  it('namespace deletion deletes custom resources and waits for their finalizers', async () => {
    const nss = store('', 'v1', 'namespaces');
    const widgets = store('example.com', 'v1', 'widgets');
    const cms = store('', 'v1', 'configmaps');
    await nss.create('', ns('crns'));
    await widgets.create('crns', widget('w1'));
    await widgets.create('crns', widget('held', { finalizers: ['example.com/hold'] }));
    await cms.create('crns', cm('c1'));
    await nss.delete('', 'crns', {});
    const conds = await until('NamespaceFinalizersRemaining', async () => {
      const c = ((await nss.get('', 'crns')).status as { conditions?: Array<Record<string, string>> }).conditions ?? [];
      return c.some((x) => x.type === 'NamespaceFinalizersRemaining' && x.status === 'True') ? c : undefined;
    });
    expect(conds.find((c) => c.type === 'NamespaceContentRemaining')?.message).toBe('Some resources are remaining: widgets.example.com has 1 resource instances');
    expect(conds.find((c) => c.type === 'NamespaceFinalizersRemaining')?.message).toBe('Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    expect(await gone(widgets, 'crns', 'w1')).toBe(true);
    expect(await gone(cms, 'crns', 'c1')).toBe(true);
    const { object } = await widgets.update('crns', 'held', (c) => ({ ...c, metadata: { ...c.metadata, finalizers: [] } }));
    await widgets.finishDeletionIfDone(object);
    const t0 = Date.now();
    await until('namespace gone', () => gone(nss, '', 'crns'), 3000);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((await storage.list('/example.com/widgets/crns/')).items).toEqual([]);
  });

  it('background: a custom resource owner’s dependents are collected within 2 s (no scan)', async () => {
    const nss = store('', 'v1', 'namespaces');
    const widgets = store('example.com', 'v1', 'widgets');
    const cms = store('', 'v1', 'configmaps');
    await nss.create('', ns('bg'));
    const owner = await widgets.create('bg', widget('owner'));
    await cms.create('bg', cm('d1', { ownerReferences: [ref(owner)] }));
    await cms.create('bg', cm('d2', { ownerReferences: [ref(owner)] }));
    // the dependents are in the graph before the owner goes
    await until('dependents seen', async () => gc.watcher!.nodes.size > 0 && [...gc.watcher!.nodes.values()].filter((n) => n.owners.includes(owner.metadata.uid!)).length === 2);
    await widgets.delete('bg', 'owner', {});
    const t0 = Date.now();
    await until('dependents collected', async () => (await gone(cms, 'bg', 'd1')) && (await gone(cms, 'bg', 'd2')), 2000);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('foreground: a ConfigMap owner waits for its custom resource dependent', async () => {
    const widgets = store('example.com', 'v1', 'widgets');
    const cms = store('', 'v1', 'configmaps');
    await store('', 'v1', 'namespaces').create('', ns('fg'));
    const owner = await cms.create('fg', cm('owner'));
    await widgets.create('fg', widget('dep', { ownerReferences: [ref(owner)], finalizers: ['example.com/hold'] }));
    const { stillPresent } = await cms.delete('fg', 'owner', { propagationPolicy: 'Foreground' });
    expect(stillPresent).toBe(true);
    await until('dependent being deleted', async () => !!(await widgets.get('fg', 'dep')).metadata.deletionTimestamp);
    expect((await cms.get('fg', 'owner')).metadata.finalizers).toEqual(['foregroundDeletion']);
    const { object } = await widgets.update('fg', 'dep', (c) => ({ ...c, metadata: { ...c.metadata, finalizers: (c.metadata.finalizers ?? []).filter((f) => f !== 'example.com/hold') } }));
    await widgets.finishDeletionIfDone(object);
    await until('owner gone', () => gone(cms, 'fg', 'owner'), 3000);
    expect(await gone(widgets, 'fg', 'dep')).toBe(true);
  });

  it('orphan: a custom resource owner’s dependents stay without the reference', async () => {
    const widgets = store('example.com', 'v1', 'widgets');
    const cms = store('', 'v1', 'configmaps');
    await store('', 'v1', 'namespaces').create('', ns('or'));
    const owner = await widgets.create('or', widget('owner'));
    await cms.create('or', cm('d1', { ownerReferences: [ref(owner)] }));
    await widgets.delete('or', 'owner', { propagationPolicy: 'Orphan' });
    await until('owner gone', () => gone(widgets, 'or', 'owner'), 3000);
    const d = await cms.get('or', 'd1');
    expect((d.metadata as { ownerReferences?: unknown }).ownerReferences).toBeUndefined();
  });

  it('a dependent created with an owner that does not exist is collected', async () => {
    const cms = store('', 'v1', 'configmaps');
    await store('', 'v1', 'namespaces').create('', ns('dangling'));
    await cms.create('dangling', cm('d', { ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Widget', name: 'nope', uid: 'no-such-uid' }] }));
    await until('dangling dependent collected', () => gone(cms, 'dangling', 'd'), 2000);
  });

  it('the CRD removed: its collection is no longer watched', async () => {
    await storage.delete('/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com');
    await until('widgets unwatched', async () => !gc.watcher!.watched().includes('/example.com/widgets/'), 2000);
    expect(registry.lookup('example.com', 'v1', 'widgets')).toBeUndefined();
  });

  it('namespace deletion registers a CRD its informer has not delivered yet', async () => {
    const s2 = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: '/gcw2/registry' });
    try {
      const reg = new ResourceRegistry(builtinResources());
      const crds = new CustomResourceDefinitions(s2, reg); // never started: only refresh() registers
      const collector = new GarbageCollector(s2, reg, new InProcessWorkQueue(), () => crds.refresh());
      await new Store(reg.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!, s2).create('', widgetsCRD());
      const nss = new Store(reg.lookup('', 'v1', 'namespaces')!, s2);
      const nsObj = await nss.create('', ns('late'));
      await s2.create('/example.com/widgets/late/w', { ...widget('w'), metadata: { name: 'w', namespace: 'late', uid: 'u-late-w' } });
      await nss.delete('', 'late', {});
      const job = collector.jobOf(nss.def, nsObj);
      for (let i = 0; i < 5; i++) {
        try {
          await collector.deleteNamespace(job);
          break;
        } catch (e) {
          if (!(e instanceof RetryLater)) throw e;
        }
      }
      expect(reg.lookup('example.com', 'v1', 'widgets')).toBeDefined();
      expect((await s2.list('/example.com/widgets/')).items).toEqual([]);
      expect(await gone(nss, '', 'late')).toBe(true);
    } finally {
      await s2.close().catch(() => undefined);
    }
  });
});
