/** The generic Store against a real etcd: metadata semantics, conflicts, finalizers, dry run. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../../../test/harness/etcd';
import { StatusError } from '../../apimachinery/src/status';
import type { KObject } from '../../apimachinery/src/types';
import { builtinResources } from '../../resources/src';
import { EtcdStorage } from '../../storage/src/etcd/etcd-storage';
import { Store } from './store';

let etcd: EtcdInstance;
let storage: EtcdStorage;
let configmaps: Store;
let deployments: Store;

const defs = builtinResources();
const def = (plural: string) => defs.find((d) => d.plural === plural)!;

beforeAll(async () => {
  etcd = await startEtcd();
  storage = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: '/registry' });
  configmaps = new Store(def('configmaps'), storage);
  deployments = new Store(def('deployments'), storage);
});

afterAll(async () => {
  await storage?.close();
  await etcd?.stop();
});

const cm = (name: string, extra: Partial<KObject['metadata']> = {}): KObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data: { a: '1' } }) as KObject;

async function statusOf(p: Promise<unknown>): Promise<{ code: number; reason: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return { code: e.code, reason: e.reason, message: e.message };
    throw e;
  }
  throw new Error('expected a Status error');
}

describe('Store', () => {
  it('creates with uid, creationTimestamp and resourceVersion; generateName makes a name', async () => {
    const created = await configmaps.create('s1', cm('one'));
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/Z$/);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);
    const gen = await configmaps.create('s1', cm('', { generateName: 'g-' }));
    expect(gen.metadata.name).toMatch(/^g-[a-z0-9]{5}$/);
  });

  it('answers AlreadyExists and the upstream conflict message', async () => {
    expect(await statusOf(configmaps.create('s1', cm('one')))).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'configmaps "one" already exists',
    });
    const current = await configmaps.get('s1', 'one');
    await configmaps.update('s1', 'one', (c) => ({ ...c, data: { a: '2' } }));
    const stale = { ...current, data: { a: '3' } };
    expect(await statusOf(configmaps.update('s1', 'one', () => stale))).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on configmaps "one": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect(await statusOf(configmaps.get('s1', 'nope'))).toMatchObject({ code: 404, message: 'configmaps "nope" not found' });
  });

  it('bumps generation only for spec changes', async () => {
    const body = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    } as unknown as KObject;
    deployments.def.strategy.default?.(body);
    const d = await deployments.create('s1', body);
    expect(d.metadata.generation).toBe(1);
    const labelled = await deployments.update('s1', 'web', (c) => ({ ...c, metadata: { ...c.metadata, labels: { x: 'y' } } }));
    expect(labelled.object.metadata.generation).toBe(1);
    const scaled = await deployments.update('s1', 'web', (c) => ({ ...c, spec: { ...(c.spec as object), replicas: 3 } }));
    expect(scaled.object.metadata.generation).toBe(2);
    const deleting = await deployments.delete('s1', 'web');
    expect(deleting.stillPresent).toBe(false);
  });

  it('keeps an object with finalizers until the last one is removed', async () => {
    await configmaps.create('s1', cm('held', { finalizers: ['example.com/hold'] }));
    const del = await configmaps.delete('s1', 'held');
    expect(del.stillPresent).toBe(true);
    const held = await configmaps.get('s1', 'held');
    expect(held.metadata.deletionTimestamp).toMatch(/Z$/);
    expect(held.metadata.deletionGracePeriodSeconds).toBe(0);
    // a later update cannot clear the deletion timestamp
    const touched = await configmaps.update('s1', 'held', (c) => ({ ...c, metadata: { ...c.metadata, deletionTimestamp: undefined } }));
    expect(touched.object.metadata.deletionTimestamp).toBe(held.metadata.deletionTimestamp);
    const released = await configmaps.update('s1', 'held', (c) => ({ ...c, metadata: { ...c.metadata, finalizers: [] } }));
    expect(await configmaps.finishDeletionIfDone(released.object)).toBe(true);
    expect((await statusOf(configmaps.get('s1', 'held'))).code).toBe(404);
  });

  it('honours delete preconditions and dry run', async () => {
    const obj = await configmaps.create('s1', cm('pre'));
    expect(await statusOf(configmaps.delete('s1', 'pre', { preconditions: { uid: 'other' } }))).toMatchObject({
      code: 409,
      message: `Operation cannot be fulfilled on configmaps "pre": Precondition failed: UID in precondition: other, UID in object meta: ${obj.metadata.uid}`,
    });
    await configmaps.delete('s1', 'pre', { dryRun: true });
    expect((await configmaps.get('s1', 'pre')).metadata.uid).toBe(obj.metadata.uid);
    await configmaps.create('s1', cm('dry'), { dryRun: true });
    expect((await statusOf(configmaps.get('s1', 'dry'))).code).toBe(404);
  });

  it('deletes a collection', async () => {
    await configmaps.create('s2', cm('x1'));
    await configmaps.create('s2', cm('x2'));
    const out = await configmaps.deleteCollection('s2', {}, {});
    expect(out.items.map((i) => i.metadata.name).sort()).toEqual(['x1', 'x2']);
    expect((await configmaps.list('s2', {})).items).toEqual([]);
  });
});
