/** The garbage collector and namespace deletion against a real etcd, with the in-process queue driven by hand. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../../../../test/harness/etcd';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { builtinResources } from '../../../../libs/resources/src';
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { gcFinalizers, Store } from '../../../../libs/registry/src/store';
import { EtcdStorage } from '../../../../libs/storage/src/etcd/etcd-storage';
import { GarbageCollector } from './garbage-collector';
import { GcHandler, GcJob, GcJobKind, WorkQueue } from './work-queue';

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

/** A queue that only records; `drain` runs the jobs until none is left or `rounds` are done. */
class ManualQueue implements WorkQueue {
  jobs = new Map<string, { kind: GcJobKind; job: GcJob }>();
  async add(kind: GcJobKind, job: GcJob): Promise<void> {
    this.jobs.set(`${kind}:${job.uid}`, { kind, job });
  }
  start(_h: GcHandler): void {}
  async stop(): Promise<void> {}
}

function setup() {
  const storage = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: `/gc${++prefixes}/registry` });
  opened.push(storage);
  const registry = new ResourceRegistry(builtinResources());
  const queue = new ManualQueue();
  const gc = new GarbageCollector(storage, registry, queue);
  const store = (group: string, plural: string) => new Store(registry.lookup(group, 'v1', plural)!, storage);
  /** scan and run jobs until quiet; returns the errors of the last round */
  const settle = async (rounds = 10): Promise<string[]> => {
    let errs: string[] = [];
    for (let i = 0; i < rounds; i++) {
      await gc.scan();
      const jobs = [...queue.jobs.values()];
      queue.jobs.clear();
      if (jobs.length === 0) return errs;
      errs = [];
      for (const j of jobs) await gc.handle(j.kind, j.job).catch((e) => errs.push((e as Error).message));
    }
    return errs;
  };
  return { storage, gc, queue, store, settle };
}

const ns = (name: string): KObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const cm = (name: string, extra: Record<string, unknown> = {}): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra } });

async function exists(s: Store, namespace: string, name: string): Promise<KObject | undefined> {
  return s.get(namespace, name).catch(() => undefined);
}

describe('gcFinalizers', () => {
  it('maps propagationPolicy to finalizers as upstream', () => {
    expect(gcFinalizers(['a'], undefined)).toEqual(['a']);
    expect(gcFinalizers(['a', 'orphan'], 'Foreground')).toEqual(['a', 'foregroundDeletion']);
    expect(gcFinalizers(['foregroundDeletion'], 'Orphan')).toEqual(['orphan']);
    expect(gcFinalizers(['orphan', 'x/y'], 'Background')).toEqual(['x/y']);
  });
});

describe('namespace deletion', () => {
  it('DELETE marks the namespace Terminating; the collector empties it, finalizes and deletes it', async () => {
    const { store, settle } = setup();
    const nss = store('', 'namespaces');
    const cms = store('', 'configmaps');
    nss.def.strategy.default?.(ns('x'));
    await nss.create('', ns('x'));
    await cms.create('x', cm('a'));
    await cms.create('x', cm('held', { finalizers: ['example.com/hold'] }));
    const { stillPresent, body } = await nss.delete('', 'x', {});
    expect(stillPresent).toBe(true);
    expect((body as KObject).status).toMatchObject({ phase: 'Terminating' });
    expect((body as KObject).metadata.deletionTimestamp).toBeTruthy();

    const errs = await settle(3);
    expect(errs.join()).toContain('content remaining');
    expect(await exists(cms, 'x', 'a')).toBeUndefined();
    const terminating = await nss.get('', 'x');
    const conds = (terminating.status as { conditions: Array<Record<string, string>> }).conditions;
    expect(conds.find((c) => c.type === 'NamespaceContentRemaining')).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: configmaps. has 1 resource instances' });
    expect(conds.find((c) => c.type === 'NamespaceFinalizersRemaining')).toMatchObject({
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });

    // the finalizer goes: the next round removes the rest, then the namespace
    const { object } = await cms.update('x', 'held', (c) => ({ ...c, metadata: { ...c.metadata, finalizers: [] } }));
    await cms.finishDeletionIfDone(object);
    expect(await settle()).toEqual([]);
    expect(await exists(nss, '', 'x')).toBeUndefined();
  });
});

describe('ownerReferences', () => {
  async function family(store: (g: string, p: string) => Store, namespace: string) {
    const nss = store('', 'namespaces');
    await nss.create('', ns(namespace)).catch(() => undefined);
    const cms = store('', 'configmaps');
    const owner = await cms.create(namespace, cm('owner'));
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid, blockOwnerDeletion: true };
    await cms.create(namespace, cm('dep1', { ownerReferences: [ref] }));
    await cms.create(namespace, cm('dep2', { ownerReferences: [ref], finalizers: ['example.com/hold'] }));
    return { cms, owner };
  }

  it('background: dependents go after the owner', async () => {
    const { store, settle } = setup();
    const { cms } = await family(store, 'bg');
    await cms.delete('bg', 'owner', { propagationPolicy: 'Background' });
    expect(await exists(cms, 'bg', 'owner')).toBeUndefined();
    await settle(2);
    expect(await exists(cms, 'bg', 'dep1')).toBeUndefined();
    expect((await exists(cms, 'bg', 'dep2'))?.metadata.deletionTimestamp).toBeTruthy();
  });

  it('foreground: the owner waits for blocking dependents', async () => {
    const { store, settle } = setup();
    const { cms } = await family(store, 'fg');
    const { stillPresent } = await cms.delete('fg', 'owner', { propagationPolicy: 'Foreground' });
    expect(stillPresent).toBe(true);
    expect((await cms.get('fg', 'owner')).metadata.finalizers).toEqual(['foregroundDeletion']);
    const errs = await settle(3);
    expect(errs.join()).toContain('block its deletion');
    expect(await exists(cms, 'fg', 'dep1')).toBeUndefined();
    expect(await exists(cms, 'fg', 'owner')).toBeDefined();
    const held = await cms.get('fg', 'dep2');
    const { object } = await cms.update('fg', 'dep2', () => ({ ...held, metadata: { ...held.metadata, finalizers: held.metadata.finalizers!.filter((f) => f !== 'example.com/hold') } }));
    // its own foregroundDeletion (it was deleted in the foreground) went already: it has no dependents
    expect(object.metadata.finalizers ?? []).toEqual([]);
    await cms.finishDeletionIfDone(object);
    expect(await settle()).toEqual([]);
    expect(await exists(cms, 'fg', 'dep2')).toBeUndefined();
    expect(await exists(cms, 'fg', 'owner')).toBeUndefined();
  });

  it('orphan: dependents lose the reference and stay', async () => {
    const { store, settle } = setup();
    const { cms } = await family(store, 'or');
    await cms.delete('or', 'owner', { propagationPolicy: 'Orphan' });
    expect(await settle()).toEqual([]);
    expect(await exists(cms, 'or', 'owner')).toBeUndefined();
    const d = await cms.get('or', 'dep1');
    expect((d.metadata as { ownerReferences?: unknown }).ownerReferences).toBeUndefined();
  });

  it('a dependent with one owner gone and one present loses only the dangling reference', async () => {
    const { store, settle } = setup();
    const cms = store('', 'configmaps');
    await store('', 'namespaces').create('', ns('mix'));
    const a = await cms.create('mix', cm('a'));
    const ref = (n: string, uid: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name: n, uid });
    await cms.create('mix', cm('d', { ownerReferences: [ref('a', a.metadata.uid!), ref('gone', 'no-such-uid')] }));
    await settle();
    const d = await cms.get('mix', 'd');
    expect((d.metadata as { ownerReferences?: Array<{ name: string }> }).ownerReferences?.map((r) => r.name)).toEqual(['a']);
  });
});
