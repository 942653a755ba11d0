import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { EtcdInstance, startEtcd } from '../../../../test/harness/etcd';
import { runStorageSuite } from '../testing/storage-suite';
import { isStorageError, StorageEvent } from '../interface';
import { InconsistentContinueError } from '../errors';
import { decodeContinue } from '../continue-token';
import { EtcdStorage } from './etcd-storage';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// one etcd for this file; progress notifications every 300ms so BOOKMARKs can be tested
let etcd: EtcdInstance | undefined;
async function sharedEtcd(): Promise<EtcdInstance> {
  etcd ??= await startEtcd({ extraArgs: ['--experimental-watch-progress-notify-interval=300ms'] });
  return etcd;
}
afterAll(async () => {
  await etcd?.stop();
});

runStorageSuite(
  'etcd',
  async () => {
    const e = await sharedEtcd();
    const storage = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
    return { storage, teardown: () => storage.close() };
  },
  { progressNotify: true },
);

describe('EtcdStorage specifics', () => {
  let e: EtcdInstance;
  let storage: EtcdStorage;
  let raw: Etcd3;

  beforeAll(async () => {
    e = await sharedEtcd();
    storage = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/specifics' });
    raw = new Etcd3({ hosts: [e.endpoint] });
  });
  afterAll(async () => {
    await storage.close();
    raw.close();
  });

  it('stores JSON without resourceVersion under the prefix', async () => {
    const made = await storage.create('/configmaps/ns/a', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } });
    const value = await raw.get('/specifics/configmaps/ns/a').string();
    expect(JSON.parse(value as string)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } });
    const upd = await storage.guaranteedUpdate('/configmaps/ns/a', (cur) => ({ ...cur!, data: { k: 'v' } }));
    expect(JSON.parse((await raw.get('/specifics/configmaps/ns/a').string()) as string).metadata.resourceVersion).toBeUndefined();
    expect(Number(upd.metadata.resourceVersion)).toBeGreaterThan(Number(made.metadata.resourceVersion));
  });

  it('uses upstream continue tokens relative to the list prefix', async () => {
    for (const n of ['a', 'b', 'c']) await storage.create(`/tokens/ns/${n}`, { metadata: { name: n } });
    const page = await storage.list('/tokens/', { limit: 1 });
    const json = JSON.parse(Buffer.from(page.continue as string, 'base64url').toString());
    expect(json).toEqual({ v: 'meta.k8s.io/v1', rv: Number(page.resourceVersion), start: 'ns/a\u0000' });
    expect(decodeContinue(page.continue as string, '/specifics/tokens/').startKey).toBe('/specifics/tokens/ns/a\u0000');
  });

  it('a compacted continue token gives an inconsistent-continue token at the latest revision', async () => {
    for (const n of ['a', 'b', 'c']) await storage.create(`/compacted/${n}`, { metadata: { name: n } });
    const page = await storage.list('/compacted/', { limit: 1 });
    await storage.create('/compacted/d', { metadata: { name: 'd' } });
    await storage.compact(await storage.currentRevision());
    let err: unknown;
    try {
      await storage.list('/compacted/', { limit: 1, continue: page.continue });
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(InconsistentContinueError);
    const token = (err as InconsistentContinueError).continueToken;
    expect(decodeContinue(token, '/specifics/compacted/').rv).toBe(-1);
    const rest = await storage.list('/compacted/', { continue: token });
    expect(rest.items.map((o) => o.metadata.name)).toEqual(['b', 'c', 'd']);
  });

  it('list Exact at a future revision is TooLargeResourceVersion; reading a revision pinned by limit works', async () => {
    const future = (await storage.currentRevision()) + 100;
    let err: unknown;
    try {
      await storage.list('/x/', { resourceVersion: String(future), resourceVersionMatch: 'Exact' });
    } catch (x) {
      err = x;
    }
    expect(isStorageError(err, 'TooLargeResourceVersion')).toBe(true);
    expect((err as Error).message).toMatch(/^Too large resource version: \d+, current: \d+$/);
  });

  it('pages large unlimited lists in bounded reads', async () => {
    const small = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/specifics', listPageSize: 7 });
    for (let i = 0; i < 30; i++) await small.create(`/paged/${String(i).padStart(2, '0')}`, { metadata: { name: String(i) } });
    const all = await small.list('/paged/');
    expect(all.items).toHaveLength(30);
    expect(all.continue).toBeUndefined();
    const w = small.watch('/paged/', { resourceVersion: '' });
    const names: string[] = [];
    for await (const ev of w) {
      names.push(ev.object.metadata.name as string);
      if (names.length === 30) break;
    }
    expect(names).toEqual(Array.from({ length: 30 }, (_, i) => String(i)));
    await small.close();
  });

  it('reads pages larger than grpc-js\'s default 4 MiB message limit', async () => {
    const big = 'x'.repeat(1_000_000);
    for (let i = 0; i < 6; i++) await storage.create(`/big/${i}`, { metadata: { name: String(i) }, data: { big } });
    const all = await storage.list('/big/');
    expect(all.items).toHaveLength(6);
    expect((all.items[5].data as { big: string }).big).toHaveLength(1_000_000);
  });

  it('rejects objects that carry a resourceVersion on create, and dot segments in keys', async () => {
    await expect(storage.create('/rv/a', { metadata: { name: 'a', resourceVersion: '5' } })).rejects.toThrow(
      'resourceVersion should not be set on objects to be created',
    );
    await expect(storage.get('/a/../b')).rejects.toThrow('invalid key');
  });

  it('reuses one lease for a burst of TTL keys', async () => {
    for (let i = 0; i < 5; i++) await storage.create(`/leases/${i}`, { metadata: { name: String(i) } }, { ttlSeconds: 600 });
    const leases = new Set<string>();
    const resp = await raw.kv.range({ key: Buffer.from('/specifics/leases/'), range_end: Buffer.from('/specifics/leases0') });
    for (const kv of resp.kvs) leases.add(kv.lease);
    expect(leases.size).toBe(1);
    expect([...leases][0]).not.toBe('0');
  });

  it('resumes a broken watch stream from the last delivered revision, losing and repeating nothing', async () => {
    const start = await storage.currentRevision();
    const w = storage.watch('/resume/', { resourceVersion: String(start) });
    const names: string[] = [];
    const done = (async () => {
      for await (const ev of w) {
        names.push(`${ev.type} ${ev.object.metadata.name}`);
        if (names.length === 6) break;
      }
    })();
    for (const n of ['a', 'b', 'c']) await storage.create(`/resume/${n}`, { metadata: { name: n } });
    while (names.length < 3) await sleep(5);
    // break the underlying gRPC stream as a network failure would
    const stream = (w as unknown as { stream?: { cancel(): void } }).stream;
    expect(stream).toBeDefined();
    stream?.cancel();
    for (const n of ['d', 'e', 'f']) await storage.create(`/resume/${n}`, { metadata: { name: n } });
    await done;
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((n) => `ADDED ${n}`));
  });

  it('maps a stopped etcd to Unreachable, and a watch gives up with ERROR Unreachable', async () => {
    const lone = await startEtcd();
    const s = new EtcdStorage({ endpoints: [lone.endpoint], prefix: '/registry', watchRetryMs: 500 });
    await s.create('/a', { metadata: { name: 'a' } });
    const w = s.watch('/', { resourceVersion: String(await s.currentRevision()) });
    const events: StorageEvent[] = [];
    const done = (async () => {
      for await (const ev of w) events.push(ev);
    })();
    await sleep(100);
    await lone.stop();
    let err: unknown;
    try {
      await s.get('/a');
    } catch (x) {
      err = x;
    }
    expect(isStorageError(err, 'Unreachable')).toBe(true);
    await done;
    expect(events).toHaveLength(1);
    expect(events[0].type).toBe('ERROR');
    expect(isStorageError(events[0].error, 'Unreachable')).toBe(true);
    await s.close();
  }, 20_000);
});
