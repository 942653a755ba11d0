/**
 * Encryption at rest under the real backends: the whole storage suite passes with every value
 * encrypted (aesgcm, so the storage key is authenticated) on etcd and on SQLite; etcd holds
 * `k8s:enc:` bytes; the watch cache (CachedStorage's EtcdSource) sees plaintext; a key rotation keeps
 * old values readable and a no-op update rewrites them with the new key.
 */
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../../../../test/harness/etcd';
import { CachedStorage } from '../../../cacher/src/cached-storage';
import { EtcdStorage } from '../etcd/etcd-storage';
import { SqliteStorage } from '../sqlite/sqlite-storage';
import { runStorageSuite } from '../testing/storage-suite';
import { parseEncryptionConfig, storageTransformerFor } from './config';
import { setStorageTransformer } from './transformer';

const key = (n: number) => Buffer.alloc(32, n).toString('base64');
const config = (...keys: Array<[string, number]>) =>
  parseEncryptionConfig(
    JSON.stringify({
      apiVersion: 'apiserver.config.k8s.io/v1',
      kind: 'EncryptionConfiguration',
      resources: [{ resources: ['*.*'], providers: [{ aesgcm: { keys: keys.map(([name, n]) => ({ name, secret: key(n) })) } }] }],
    }),
  );
const install = (...keys: Array<[string, number]>) => setStorageTransformer(storageTransformerFor(config(...keys), () => ({ group: '', resource: 'anything' })));

install(['key1', 1]);

let etcd: EtcdInstance | undefined;
async function sharedEtcd(): Promise<EtcdInstance> {
  etcd ??= await startEtcd();
  return etcd;
}
afterAll(async () => {
  setStorageTransformer(undefined);
  await etcd?.stop();
});

runStorageSuite('etcd, all values aesgcm-encrypted', async () => {
  const e = await sharedEtcd();
  const storage = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
  return { storage, teardown: () => storage.close() };
});

runStorageSuite('sqlite, all values aesgcm-encrypted', async () => {
  const storage = new SqliteStorage({ path: ':memory:', progressNotifyIntervalMs: 200, ttlSweepIntervalMs: 200 });
  return { storage, teardown: () => storage.close() };
});

describe('encrypted values in etcd', () => {
  let storage: EtcdStorage;
  let raw: Etcd3;
  beforeAll(async () => {
    const e = await sharedEtcd();
    storage = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/enc' });
    raw = new Etcd3({ hosts: [e.endpoint] });
  });
  afterAll(async () => {
    install(['key1', 1]);
    await storage.close();
    raw.close();
  });

  it('stores the upstream prefix + ciphertext; reads, lists, watches and the watch cache see plaintext; rotation rewrites', async () => {
    install(['key1', 1]);
    const cached = new CachedStorage(new EtcdStorage({ endpoints: [(await sharedEtcd()).endpoint], prefix: '/enc' }));
    const w = storage.watch('/secrets/', { resourceVersion: '0' });
    const seen: string[] = [];
    void (async () => {
      for await (const ev of w) seen.push(ev.type === "ERROR" ? `ERROR ${JSON.stringify(ev.object)}` : `${ev.type} ${String((ev.object as { data?: { v?: string } }).data?.v)}`);
    })();
    const created = await storage.create('/secrets/default/x', { kind: 'Secret', metadata: { name: 'x', namespace: 'default' }, data: { v: 'c2VjcmV0' } });
    const stored = (await raw.get('/enc/secrets/default/x').buffer())!;
    expect(stored.subarray(0, 23).toString()).toBe('k8s:enc:aesgcm:v1:key1:');
    expect(stored.includes(Buffer.from('c2VjcmV0'))).toBe(false);
    expect((await storage.get('/secrets/default/x')).data).toEqual({ v: 'c2VjcmV0' });
    expect((await storage.list('/secrets/')).items.map((o) => o.data)).toEqual([{ v: 'c2VjcmV0' }]);
    expect((await cached.list('/secrets/', { resourceVersion: '0' })).items.map((o) => o.data)).toEqual([{ v: 'c2VjcmV0' }]);

    // the watch decodes as it delivers: let it deliver before the keys change under it
    const delivered = async (n: number) => {
      for (let i = 0; i < 100 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 50));
    };
    await delivered(1);
    // rotation: key2 first, key1 still known -> old value readable, a no-op update rewrites it
    install(['key2', 2], ['key1', 1]);
    expect((await storage.get('/secrets/default/x')).data).toEqual({ v: 'c2VjcmV0' });
    const rewritten = await storage.guaranteedUpdate('/secrets/default/x', async (cur) => cur!);
    expect(Number(rewritten.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect((await raw.get('/enc/secrets/default/x').buffer())!.subarray(0, 23).toString()).toBe('k8s:enc:aesgcm:v1:key2:');
    // now current: another no-op update writes nothing
    const again = await storage.guaranteedUpdate('/secrets/default/x', async (cur) => cur!);
    expect(again.metadata.resourceVersion).toBe(rewritten.metadata.resourceVersion);
    await delivered(2);
    // key1 dropped: still readable (key2)
    install(['key2', 2]);
    expect((await storage.get('/secrets/default/x')).data).toEqual({ v: 'c2VjcmV0' });
    for (let i = 0; i < 50 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['ADDED c2VjcmV0', 'MODIFIED c2VjcmV0']);
    w.stop();
    await cached.close();
  });

  it('a value whose key is unknown fails to read with a clear error', async () => {
    install(['key1', 1]);
    await storage.create('/secrets/default/y', { kind: 'Secret', metadata: { name: 'y' } });
    install(['key3', 3]);
    await expect(storage.get('/secrets/default/y')).rejects.toThrow('unable to transform key "/enc/secrets/default/y": no matching prefix found');
  });
});
