import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../../../test/harness/etcd';
import { runStorageSuite } from '../../storage/src/testing/storage-suite';
import { EtcdStorage } from '../../storage/src/etcd/etcd-storage';
import { isStorageError, StorageEvent, Watcher } from '../../storage/src/interface';
import { KObject } from '../../apimachinery/src/types';
import { CachedStorage } from './cached-storage';
import { Cacher } from './cacher';
import { EtcdSource } from './etcd-source';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// one etcd WITHOUT progress notifications: freshness must not depend on them (etcd 3.4.23, #15220)
let etcd: EtcdInstance | undefined;
async function sharedEtcd(): Promise<EtcdInstance> {
  etcd ??= await startEtcd();
  return etcd;
}
afterAll(async () => {
  await etcd?.stop();
});

runStorageSuite(
  'cached-etcd',
  async () => {
    const e = await sharedEtcd();
    const storage = new CachedStorage(new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' }), { bookmarkIntervalMs: 500 });
    return { storage, teardown: () => storage.close() };
  },
  { progressNotify: true },
);

function cm(name: string, ns = 'default', data: Record<string, string> = {}, labels?: Record<string, string>): KObject {
  const metadata: KObject['metadata'] = { name, namespace: ns };
  if (labels) metadata.labels = labels;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
}

class Drain {
  events: StorageEvent[] = [];
  done = false;
  constructor(readonly w: Watcher) {
    void (async () => {
      for await (const ev of w) this.events.push(ev);
      this.done = true;
    })();
  }
  async waitFor(n: number, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.events.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} events, got ${this.events.length}`);
      await sleep(10);
    }
  }
}

describe('cacher', () => {
  let e: EtcdInstance;
  let backend: EtcdStorage;
  let n = 0;
  const fresh = () => `/res${++n}-${Math.random().toString(36).slice(2, 7)}/`;

  beforeAll(async () => {
    e = await sharedEtcd();
    backend = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/cachertest' });
  });
  afterAll(async () => {
    await backend.close();
  });

  const newCacher = async (prefix: string, opts: ConstructorParameters<typeof Cacher>[3] = {}) => {
    const c = new Cacher(prefix, new EtcdSource(backend, prefix), backend, opts);
    expect(await c.waitFresh()).toBe(true);
    return c;
  };

  it('a watcher sees every event exactly once and in order under 2,000 writes', async () => {
    const p = fresh();
    const c = await newCacher(p);
    const d = new Drain(c.watch({ prefix: p, resourceVersion: String(c.resourceVersion) }));
    const N = 2000;
    const writers = 8;
    // each writer creates its keys and updates every other one: 8 concurrent streams of writes
    await Promise.all(
      Array.from({ length: writers }, async (_, wi) => {
        for (let j = 0; j < N / writers / 2; j++) {
          const k = `${p}ns/w${wi}-${j}`;
          await backend.create(k, cm(`w${wi}-${j}`, 'ns'));
          await backend.guaranteedUpdate(k, (cur) => ({ ...cur!, data: { v: String(j) } }));
        }
      }),
    );
    const rev = await backend.currentRevision();
    const deadline = Date.now() + 20_000;
    while ((d.events.length === 0 || Number(d.events[d.events.length - 1].object.metadata.resourceVersion) < rev) && Date.now() < deadline) await sleep(20);
    const rvs = d.events.map((ev) => Number(ev.object.metadata.resourceVersion));
    for (let i = 1; i < rvs.length; i++) expect(rvs[i]).toBeGreaterThan(rvs[i - 1]);
    // every revision under the prefix since the start, exactly once
    const listed = await backend.list(p);
    const writes = d.events.length;
    expect(writes).toBe(N);
    expect(new Set(rvs).size).toBe(writes);
    expect(rvs[rvs.length - 1]).toBe(rev);
    expect(c.stats().objects).toBe(listed.items.length);
    expect(c.stats().terminatedWatchers).toBe(0);
    await c.close();
  }, 60_000);

  it('terminates one slow watcher while 50 fast ones receive everything', async () => {
    const p = fresh();
    const c = await newCacher(p, { watcherBufferSize: 100, slowWatcherBudgetMs: 100 });
    const from = String(c.resourceVersion);
    const slow = c.watch({ prefix: p, resourceVersion: from }); // never read
    const fast = Array.from({ length: 50 }, () => new Drain(c.watch({ prefix: p, resourceVersion: from })));
    const N = 400;
    for (let i = 0; i < N; i++) await backend.create(`${p}ns/y${i}`, cm(`y${i}`, 'ns'));
    for (const f of fast) await f.waitFor(N);
    await sleep(200);
    expect(slow.closed).toBe(true);
    expect(slow.buffered).toBe(0); // memory released
    expect(c.stats().terminatedWatchers).toBe(1);
    for (const f of fast) {
      expect(f.events).toHaveLength(N);
      expect(f.events.map((ev) => ev.object.metadata.name)).toEqual(Array.from({ length: N }, (_, i) => `y${i}`));
    }
    const it = slow[Symbol.asyncIterator]();
    expect((await it.next()).done).toBe(true);
    await c.close();
  }, 60_000);

  it('keeps every watcher buffer bounded', async () => {
    const p = fresh();
    const c = await newCacher(p, { watcherBufferSize: 10, watcherMaxBuffered: 20, slowWatcherBudgetMs: 60_000, windowCapacity: 50, maxWindowCapacity: 50 });
    const ws = Array.from({ length: 5 }, () => c.watch({ prefix: p, resourceVersion: String(c.resourceVersion) }));
    let maxSeen = 0;
    for (let i = 0; i < 60; i++) {
      await backend.create(`${p}ns/z${i}`, cm(`z${i}`, 'ns'));
      await sleep(1);
      for (const w of ws) maxSeen = Math.max(maxSeen, w.buffered);
    }
    expect(maxSeen).toBeLessThan(20);
    expect(ws.every((w) => w.closed)).toBe(true);
    expect(c.stats().windowSize).toBeLessThanOrEqual(50);
    expect(c.stats().windowCapacity).toBe(50);
    await c.close();
  });

  it('a watch from before the window ends with ERROR Expired', async () => {
    const p = fresh();
    const c = await newCacher(p, { windowCapacity: 5, maxWindowCapacity: 5 });
    const start = c.resourceVersion;
    for (let i = 0; i < 10; i++) await backend.create(`${p}ns/w${i}`, cm(`w${i}`, 'ns'));
    await c.waitFresh();
    const d = new Drain(c.watch({ prefix: p, resourceVersion: String(start) }));
    await d.waitFor(1);
    expect(d.events[0].type).toBe('ERROR');
    expect(isStorageError(d.events[0].error, 'Expired')).toBe(true);
    expect(d.events[0].error?.message).toMatch(new RegExp(`^too old resource version: ${start} \\(\\d+\\)$`));
    await sleep(50);
    expect(d.done).toBe(true);
    // within the window: replay
    const ok = new Drain(c.watch({ prefix: p, resourceVersion: String(c.stats().windowStartRev) }));
    await ok.waitFor(5);
    expect(ok.events.map((ev) => ev.object.metadata.name)).toEqual(['w5', 'w6', 'w7', 'w8', 'w9']);
    ok.w.stop();
    await c.close();
  });

  it('a watch from a compacted revision ends with 410 although the window still holds its events', async () => {
    const p = fresh();
    const c = await newCacher(p);
    const start = c.resourceVersion;
    for (let i = 0; i < 4; i++) await backend.create(`${p}ns/k${i}`, cm(`k${i}`, 'ns'));
    const last = await backend.create(`${p}ns/k4`, cm('k4', 'ns'));
    const head = Number(last.metadata.resourceVersion);
    expect(await c.waitForRevision(head)).toBe(true);
    expect(c.stats().windowStartRev).toBeLessThanOrEqual(start);
    await backend.compact(head - 1);
    // before the compaction point (start + 1 < head - 1): Expired, with etcd's compacted revision
    const d = new Drain(c.watch({ prefix: p, resourceVersion: String(start) }));
    await d.waitFor(1);
    expect(d.events.map((ev) => ev.type)).toEqual(['ERROR']);
    expect(isStorageError(d.events[0].error, 'Expired')).toBe(true);
    expect(d.events[0].error?.message).toBe(`too old resource version: ${start} (${head - 1})`);
    expect(c.stats().compactedRevision).toBe(head - 1);
    expect(c.stats().windowStartRev).toBe(head - 2);
    // from C - 1 (etcd still serves a watch starting at C): the window replays
    const ok = new Drain(c.watch({ prefix: p, resourceVersion: String(head - 2) }));
    await ok.waitFor(2);
    expect(ok.events.map((ev) => `${ev.type} ${ev.object.metadata.name}`)).toEqual(['ADDED k3', 'ADDED k4']);
    ok.w.stop();
    await c.close();
  });

  it('a consistent list after a write returns the write, without waiting for progress notifications', async () => {
    const p = fresh();
    const c = await newCacher(p);
    const other = fresh();
    for (let i = 0; i < 5; i++) {
      const made = await backend.create(`${p}ns/c${i}`, cm(`c${i}`, 'ns'));
      await backend.create(`${other}ns/c${i}`, cm(`c${i}`, 'ns')); // advances etcd, not this prefix
      const t0 = Date.now();
      const l = await c.list({ prefix: p });
      expect(Date.now() - t0).toBeLessThan(1500);
      expect(Number(l.resourceVersion)).toBeGreaterThanOrEqual(Number(made.metadata.resourceVersion) + 1);
      expect(l.items.map((o) => o.metadata.name)).toContain(`c${i}`);
    }
    await c.close();
  });

  it('list with resourceVersion 0 returns the cached state; namespace sub-prefix and indexes filter', async () => {
    const p = fresh();
    const c = await newCacher(p, { indexers: { app: (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []) } });
    await backend.create(`${p}a/one`, cm('one', 'a', {}, { app: 'x' }));
    await backend.create(`${p}b/two`, cm('two', 'b', {}, { app: 'y' }));
    await backend.create(`${p}b/three`, cm('three', 'b', {}, { app: 'x' }));
    expect(await c.waitFresh()).toBe(true);
    const any = await c.list({ prefix: p, resourceVersion: '0' });
    expect(any.items.map((o) => o.metadata.name)).toEqual(['one', 'three', 'two']);
    expect(any.resourceVersion).toBe(String(c.resourceVersion));
    expect((await c.list({ prefix: `${p}b/`, resourceVersion: '0' })).items.map((o) => o.metadata.name)).toEqual(['three', 'two']);
    expect((await c.list({ prefix: p, resourceVersion: '0', index: { name: 'app', value: 'x' } })).items.map((o) => o.metadata.name)).toEqual(['one', 'three']);
    // cache-served page, continued by the backend with the same token format
    const page = await c.list({ prefix: p, resourceVersion: '0', limit: 1 });
    expect(page.remainingItemCount).toBe(2);
    const rest = await backend.list(p, { continue: page.continue });
    expect(rest.items.map((o) => o.metadata.name)).toEqual(['three', 'two']);
    expect(rest.resourceVersion).toBe(page.resourceVersion);
    // a future resourceVersion: 504-style TooLargeResourceVersion after a bounded wait
    const c2 = await newCacher(p, { freshnessTimeoutMs: 300 });
    await expect(c2.list({ prefix: p, resourceVersion: String(c.resourceVersion + 1000), resourceVersionMatch: 'NotOlderThan' })).rejects.toMatchObject({
      code: 'TooLargeResourceVersion',
    });
    await c2.close();
    await c.close();
  });

  it('selector transitions: MODIFIED becomes ADDED / DELETED when an object enters or leaves the selection', async () => {
    const p = fresh();
    const c = await newCacher(p);
    const d = new Drain(c.watch({ prefix: p, resourceVersion: String(c.resourceVersion), predicate: (o) => o.metadata.labels?.sel === 'yes' }));
    await backend.create(`${p}ns/a`, cm('a', 'ns', {}, { sel: 'no' }));
    await backend.guaranteedUpdate(`${p}ns/a`, (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { sel: 'yes' } } }));
    await backend.guaranteedUpdate(`${p}ns/a`, (cur) => ({ ...cur!, data: { k: 'v' } }));
    await backend.guaranteedUpdate(`${p}ns/a`, (cur) => ({ ...cur!, metadata: { ...cur!.metadata, labels: { sel: 'no' } } }));
    await backend.delete(`${p}ns/a`);
    await d.waitFor(3);
    await sleep(100);
    expect(d.events.map((ev) => ev.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    await c.close();
  });

  it('relists after the backend watch fails and ends its watchers with 410', async () => {
    const p = fresh();
    const c = await newCacher(p);
    const d = new Drain(c.watch({ prefix: p, resourceVersion: String(c.resourceVersion) }));
    (c as unknown as { reinitialize(e: Error): void }).reinitialize(new Error('boom'));
    await d.waitFor(1);
    expect(d.events[0].type).toBe('ERROR');
    expect(isStorageError(d.events[0].error, 'Expired')).toBe(true);
    await backend.create(`${p}ns/after`, cm('after', 'ns'));
    expect((await c.list({ prefix: p })).items.map((o) => o.metadata.name)).toEqual(['after']);
    expect(c.stats().initializations).toBe(2);
    await c.close();
  });

  it('CachedStorage serves /res/ns/ from the /res/ cacher and returns copies', async () => {
    const cs = new CachedStorage(new EtcdStorage({ endpoints: [e.endpoint], prefix: '/cachertest' }));
    const p = fresh();
    await cs.create(`${p}ns1/a`, cm('a', 'ns1'));
    await cs.create(`${p}ns2/b`, cm('b', 'ns2'));
    const l = await cs.list(`${p}ns1/`);
    expect(l.items.map((o) => o.metadata.name)).toEqual(['a']);
    expect(Object.keys(cs.stats())).toEqual([p]);
    delete l.items[0].apiVersion;
    expect((await cs.list(`${p}ns1/`, { resourceVersion: '0' })).items[0].apiVersion).toBe('v1');
    await cs.close();
  });
});
