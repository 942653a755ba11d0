/** An update that changes nothing but the key order is not written (upstream skips identical bytes). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../../../test/harness/etcd';
import type { KObject } from '../../apimachinery/src/types';
import { builtinResources } from '../../resources/src';
import { EtcdStorage } from '../../storage/src/etcd/etcd-storage';
import { Store } from './store';

let etcd: EtcdInstance;
let storage: EtcdStorage;
let configmaps: Store;

beforeAll(async () => {
  etcd = await startEtcd();
  storage = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: '/registry' });
  configmaps = new Store(builtinResources().find((d) => d.plural === 'configmaps')!, storage);
});

afterAll(async () => {
  await storage?.close();
  await etcd?.stop();
});

describe('Store.update without a change', () => {
  it('keeps the resourceVersion when only the key order differs, writes a real change', async () => {
    const created = await configmaps.create('noop', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', labels: { a: '1', b: '2' } }, data: { x: '1', y: '2' } } as KObject);
    const same = await configmaps.update('noop', 'c', (cur) => {
      const { data, metadata, ...rest } = cur;
      return { data: { y: '2', x: '1' }, ...rest, metadata: { ...metadata, labels: { b: '2', a: '1' } } } as KObject;
    });
    expect(same.object.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    const changed = await configmaps.update('noop', 'c', (cur) => ({ ...cur, data: { x: '1', y: '3' } }));
    expect(Number(changed.object.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
  });
});
