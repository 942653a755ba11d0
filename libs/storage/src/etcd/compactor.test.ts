import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Etcd3 } from 'etcd3';
import { EtcdInstance, startEtcd } from '../../../../test/harness/etcd';
import { isStorageError } from '../interface';
import { COMPACT_REV_KEY, startCompactor } from './compactor';
import { EtcdStorage } from './etcd-storage';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('etcd compactor', () => {
  let etcd: EtcdInstance;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  it('compacts to the revision seen one interval earlier', async () => {
    const storage = new EtcdStorage({ endpoints: [etcd.endpoint], prefix: '/registry' });
    const early = await storage.create('/things/a', { metadata: { name: 'a' } });
    const compactions: number[] = [];
    const stop = startCompactor(storage, { intervalMs: 200, onCompact: (rev, byUs) => byUs && compactions.push(rev) });
    const deadline = Date.now() + 10_000;
    while (compactions.length === 0 && Date.now() < deadline) await sleep(20);
    await stop();
    expect(compactions.length).toBeGreaterThan(0);
    const compactedTo = compactions[compactions.length - 1];
    expect(compactedTo).toBeGreaterThan(Number(early.metadata.resourceVersion));

    let err: unknown;
    try {
      await storage.list('/things/', { resourceVersion: early.metadata.resourceVersion, resourceVersionMatch: 'Exact' });
    } catch (e) {
      err = e;
    }
    expect(isStorageError(err, 'Expired')).toBe(true);
    // history from the compaction point on is kept
    const atCompaction = await storage.list('/things/', { resourceVersion: String(compactedTo), resourceVersionMatch: 'Exact' });
    expect(atCompaction.items).toHaveLength(1);
    await storage.close();
  }, 20_000);

  it('lets only one of several replicas compact per interval', async () => {
    const clients = [new Etcd3({ hosts: [etcd.endpoint] }), new Etcd3({ hosts: [etcd.endpoint] })];
    const before = await clients[0].get(COMPACT_REV_KEY).exec();
    const startVersion = before.kvs[0] ? Number(before.kvs[0].version) : 0;
    const interval = 150;
    const byReplica = [0, 0];
    const errors: unknown[] = [];
    const started = Date.now();
    const stops = clients.map((c, i) =>
      startCompactor(c, { intervalMs: interval, onCompact: (_rev, byUs) => byUs && byReplica[i]++, onError: (e) => errors.push(e) }),
    );
    await sleep(1500);
    await Promise.all(stops.map((s) => s()));
    const elapsed = Date.now() - started;
    const after = await clients[0].get(COMPACT_REV_KEY).exec();
    const bumps = Number(after.kvs[0].version) - startVersion;
    const roundsPerReplica = Math.ceil(elapsed / interval);
    expect(errors).toEqual([]);
    // each successful round bumps the version once; two uncoordinated replicas would bump ~2x
    expect(bumps).toBeGreaterThan(2);
    expect(bumps).toBeLessThanOrEqual(roundsPerReplica + 1);
    expect(byReplica[0] + byReplica[1]).toBeLessThanOrEqual(bumps);
    for (const c of clients) c.close();
  }, 20_000);
});
