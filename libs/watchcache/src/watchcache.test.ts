import { afterAll, describe, expect, it } from 'vitest';
import { EtcdInstance, startEtcd } from '../../../test/harness/etcd';
import { freePort } from '../../../test/harness/ports';
import { KObject } from '../../apimachinery/src/types';
import { EtcdStorage } from '../../storage/src/etcd/etcd-storage';
import { StorageEvent, Watcher } from '../../storage/src/interface';
import { runStorageSuite } from '../../storage/src/testing/storage-suite';
import { WatchCachePool } from './client';
import { WatchEvent } from './proto';
import { RemoteCachedStorage } from './remote-cached-storage';
import { WatchCacheService } from './server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let etcd: EtcdInstance | undefined;
async function sharedEtcd(): Promise<EtcdInstance> {
  etcd ??= await startEtcd();
  return etcd;
}
const services: WatchCacheService[] = [];
async function startService(
  e: EtcdInstance,
  port = 0,
  opts: ConstructorParameters<typeof WatchCacheService>[1] = {},
): Promise<{ service: WatchCacheService; addr: string; port: number }> {
  const service = new WatchCacheService(new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' }), { bookmarkIntervalMs: 500, ...opts });
  const p = await service.listen(port);
  services.push(service);
  return { service, addr: `127.0.0.1:${p}`, port: p };
}
afterAll(async () => {
  for (const s of services) await s.shutdown(500).catch(() => undefined);
  await etcd?.stop();
});

async function replica(e: EtcdInstance, servers: string[], opts: { selectorWatchesOnService?: boolean } = {}): Promise<RemoteCachedStorage> {
  const s = new RemoteCachedStorage(new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' }), { servers, bookmarkIntervalMs: 500, pingIntervalMs: 200, ...opts });
  expect(await s.waitAvailable()).toBe(true);
  return s;
}

runStorageSuite(
  'remote-watch-cache',
  async () => {
    const e = await sharedEtcd();
    const { addr } = await startService(e);
    const storage = await replica(e, [addr]);
    return { storage, teardown: () => storage.close() };
  },
  { progressNotify: true },
);

function cm(name: string, data: Record<string, string> = {}): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
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
  get changes(): StorageEvent[] {
    return this.events.filter((e) => e.type !== 'BOOKMARK');
  }
  async waitFor(n: number, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.changes.length < n) {
      if (Date.now() > deadline) throw new Error(`expected ${n} events, got ${this.changes.length} (done=${this.done})`);
      await sleep(10);
    }
  }
}

async function etcdWatchGauges(e: EtcdInstance): Promise<{ streams: number; watchers: number }> {
  const text = await (await fetch(`${e.endpoint}/metrics`)).text();
  const gauge = (name: string) => {
    const m = new RegExp(`^${name} ([0-9.e+]+)$`, 'm').exec(text);
    if (!m) throw new Error(`etcd /metrics has no ${name}`);
    return Number(m[1]);
  };
  return { streams: gauge('etcd_debugging_mvcc_watch_stream_total'), watchers: gauge('etcd_debugging_mvcc_watcher_total') };
}

describe('watch-cache service', () => {
  it('serves consistent lists (resourceVersion unset) from the cache after the WaitFresh handshake', async () => {
    const e = await sharedEtcd();
    const svc = await startService(e);
    const backend = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
    let backendLists = 0;
    const orig = backend.list.bind(backend);
    backend.list = (...a: Parameters<EtcdStorage['list']>) => {
      backendLists++;
      return orig(...a);
    };
    const r = new RemoteCachedStorage(backend, { servers: [svc.addr], pingIntervalMs: 200 });
    const writer = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
    try {
      expect(await r.waitAvailable()).toBe(true);
      await writer.create('/fresh/default/a', cm('a'));
      expect((await r.list('/fresh/', { resourceVersion: '0' })).items).toHaveLength(0 + 1);
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        await writer.create(`/other-${i}/default/x`, cm('x')); // etcd's revision moves, /fresh/ stays idle
        if (i % 2 === 0) await writer.create(`/fresh/default/b${i}`, cm(`b${i}`));
        const t0 = Date.now();
        const l = await r.list('/fresh/', { resourceVersion: '' });
        times.push(Date.now() - t0);
        expect(l.items).toHaveLength(1 + Math.floor(i / 2) + 1);
        expect(Number(l.resourceVersion)).toBeGreaterThanOrEqual(await writer.currentRevision());
      }
      expect(backendLists).toBe(0);
      times.sort((x, y) => x - y);
      expect(times[10]).toBeLessThan(200);
    } finally {
      await r.close();
      await writer.close();
      await svc.service.shutdown(500);
    }
  });

  for (const how of ['kill', 'shutdown'] as const) {
    it(`a watcher through the replica sees every event exactly once and in order across a watch-cache ${how}`, async () => {
      const e = await sharedEtcd();
      const a = await startService(e);
      const b = await startService(e);
      const r = await replica(e, [a.addr, b.addr]);
      const writer = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
      const key = `/failover-${how}/default/c0`;
      try {
        const first = await writer.create(key, cm('c0'));
        const d = new Drain(r.watch(`/failover-${how}/`, { resourceVersion: first.metadata.resourceVersion }));
        const total = 300;
        let written = 0;
        const writes = (async () => {
          for (let i = 1; i <= total; i++) {
            await writer.guaranteedUpdate(key, (cur) => ({ ...(cur as KObject), data: { i: String(i) } }));
            written++;
            if (i % 50 === 0) await sleep(20);
          }
        })();
        while (written < 100) await sleep(5);
        // the replica's stream server goes away mid-stream
        if (how === 'kill') await a.service.kill();
        else await a.service.shutdown(1000);
        await writes;
        await d.waitFor(total);
        await sleep(300);
        const seen = d.changes.map((ev) => Number(ev.object.metadata.resourceVersion));
        expect(d.changes.every((ev) => ev.type === 'MODIFIED')).toBe(true);
        expect(d.changes.map((ev) => (ev.object.data as Record<string, string>).i)).toEqual(Array.from({ length: total }, (_, i) => String(i + 1)));
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
        expect(d.done).toBe(false);
        expect(r.available).toBe(true);
        expect(b.service.stats().streams).toBe(1);
        d.w.stop();
      } finally {
        await r.close();
        await writer.close();
        await b.service.shutdown(500);
      }
    });
  }

  it('fails over to a cache started after the replica\'s revision when the prefix did not change meanwhile', async () => {
    const e = await sharedEtcd();
    const a = await startService(e);
    const bPort = await freePort();
    const r = await replica(e, [a.addr, `127.0.0.1:${bPort}`]);
    const writer = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
    let b: Awaited<ReturnType<typeof startService>> | undefined;
    try {
      const first = await writer.create('/idle/default/a', cm('a'));
      const d = new Drain(r.watch('/idle/', { resourceVersion: first.metadata.resourceVersion }));
      await sleep(200);
      for (let i = 0; i < 5; i++) await writer.create(`/busy/default/x${i}`, cm(`x${i}`)); // etcd moves on, /idle/ does not
      b = await startService(e, bPort); // no cache of /idle/ yet: its window starts after the replica's revision
      await sleep(500);
      await a.service.kill();
      const deadline = Date.now() + 10_000;
      while (b.service.stats().streams === 0 && Date.now() < deadline) await sleep(50);
      expect(b.service.stats().streams).toBe(1);
      expect(b.service.stats().cachers['/idle/'].windowStartRev).toBeGreaterThan(Number(first.metadata.resourceVersion));
      await writer.create('/idle/default/b', cm('b'));
      await d.waitFor(1);
      await sleep(200);
      expect(d.events.map((ev) => `${ev.type} ${ev.object.metadata.name}`)).toEqual(['ADDED b']);
      d.w.stop();
    } finally {
      await r.close();
      await writer.close();
      await b?.service.shutdown(500);
    }
  });

  it('ends a stream that falls behind; the replica resumes from its last revision without a gap', async () => {
    const e = await sharedEtcd();
    const svc = await startService(e, 0, { watcherBufferSize: 2, watcherMaxBuffered: 3 });
    const r = await replica(e, [svc.addr]);
    const writer = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
    try {
      const first = await writer.create('/slow/default/k0', cm('k0'));
      const d = new Drain(r.watch('/slow/', { resourceVersion: first.metadata.resourceVersion }));
      // concurrent writers: etcd delivers events in batches, overflowing the tiny stream buffer
      await Promise.all(
        Array.from({ length: 10 }, async (_, w) => {
          for (let i = 0; i < 30; i++) await writer.create(`/slow/default/w${w}-${i}`, cm(`w${w}-${i}`));
        }),
      );
      await d.waitFor(300);
      await sleep(300);
      const revs = d.changes.map((ev) => Number(ev.object.metadata.resourceVersion));
      expect(revs).toHaveLength(300);
      for (let i = 1; i < revs.length; i++) expect(revs[i]).toBeGreaterThan(revs[i - 1]);
      expect(new Set(d.changes.map((ev) => ev.object.metadata.name)).size).toBe(300);
      expect(d.done).toBe(false);
      expect(svc.service.stats().cachers['/slow/'].terminatedWatchers).toBeGreaterThan(0);
      d.w.stop();
    } finally {
      await r.close();
      await writer.close();
      await svc.service.shutdown(500);
    }
  });

  it('keeps etcd watch streams constant for 1 vs 3 replicas and 10 vs 1,000 client watchers', async () => {
    const e = await startEtcd(); // its own etcd: the gauges count only this test's watches
    const svc = await startService(e);
    const writer = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
    const replicas: RemoteCachedStorage[] = [];
    const drains: Drain[] = [];
    try {
      await writer.create('/fanout/default/x', cm('x'));
      const watchers = async (r: RemoteCachedStorage, n: number) => {
        for (let i = 0; i < n; i++) drains.push(new Drain(r.watch('/fanout/', { resourceVersion: '0' })));
        await Promise.all(drains.map((d) => d.waitFor(1)));
      };
      replicas.push(await replica(e, [svc.addr]));
      await watchers(replicas[0], 10);
      const base = await etcdWatchGauges(e);
      replicas.push(await replica(e, [svc.addr]), await replica(e, [svc.addr]));
      for (const r of replicas) await watchers(r, 330);
      const s0 = svc.service.stats();
      await writer.guaranteedUpdate('/fanout/default/x', (cur) => ({ ...(cur as KObject), data: { v: '2' } }));
      await Promise.all(drains.map((d) => d.waitFor(2)));
      const s1 = svc.service.stats();
      // one stream per replica; the event is encoded once and its bytes sent on all three
      expect(s1.streams).toBe(3);
      expect(s1.sentEvents - s0.sentEvents).toBe(3);
      expect(s1.encodedEvents - s0.encodedEvents).toBe(1);
      const after = await etcdWatchGauges(e);
      expect(drains.length).toBe(10 + 990);
      expect(after).toEqual(base);
      expect(base.watchers).toBeLessThanOrEqual(2);
    } finally {
      for (const d of drains) d.w.stop();
      for (const r of replicas) await r.close();
      await writer.close();
      await svc.service.shutdown(500);
      await e.stop();
    }
  });

  it('filters Watch and List by the Selector (labels, client-sent field paths, namespace) with ADDED/DELETED transitions', async () => {
    const e = await sharedEtcd();
    const svc = await startService(e);
    const pool = new WatchCachePool({ servers: [svc.addr], pingIntervalMs: 200 });
    const writer = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
    const p = '/selected/';
    const obj = (name: string, ns: string, team: string, k: string): KObject => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, labels: { team } },
      data: { k },
    });
    const set = (key: string, team: string, k: string) =>
      writer.guaranteedUpdate(key, (cur) => {
        const o = cur as KObject;
        return { ...o, metadata: { ...o.metadata, labels: { team } }, data: { k } };
      });
    const sel = { labelSelector: 'team=x', fieldSelector: 'data.k=1', namespace: 'ns1', fieldPaths: { 'data.k': 'data.k' } };
    let stream: ReturnType<WatchCachePool['watchAt']> | undefined;
    try {
      await writer.create(`${p}ns1/a`, obj('a', 'ns1', 'x', '1'));
      await writer.create(`${p}ns1/b`, obj('b', 'ns1', 'y', '1'));
      await writer.create(`${p}ns2/c`, obj('c', 'ns2', 'x', '1'));
      const listed = await pool.list({ key: p, recursive: true, resourceVersion: '0', selector: sel });
      const nameOf = (b: Buffer | undefined) => (JSON.parse(String(b)) as KObject).metadata.name;
      expect(listed.items.map((i) => nameOf(i.object))).toEqual(['a']);
      const got: string[] = [];
      stream = pool.watchAt(0, { key: p, recursive: true, resourceVersion: '0', selector: sel });
      stream.on('data', (ev: WatchEvent) => {
        if (ev.type !== 'BOOKMARK') got.push(`${ev.type} ${nameOf(ev.object)}`);
      });
      stream.on('error', () => undefined);
      const waitGot = async (n: number) => {
        const deadline = Date.now() + 10_000;
        while (got.length < n && Date.now() < deadline) await sleep(10);
      };
      await waitGot(1);
      await set(`${p}ns1/b`, 'x', '1'); // b enters the selection: ADDED
      await set(`${p}ns1/a`, 'x', '2'); // a leaves it by its field: DELETED
      await set(`${p}ns1/a`, 'z', '3'); // a changes outside it: nothing
      await set(`${p}ns2/c`, 'x', '2'); // another namespace: nothing
      await set(`${p}ns1/b`, 'x', '1'); // b unchanged-in (a write with the same content is a no-op)
      await writer.guaranteedUpdate(`${p}ns1/b`, (cur) => ({ ...(cur as KObject), data: { k: '1', more: 'y' } })); // MODIFIED b
      await writer.delete(`${p}ns1/b`); // DELETED b
      await waitGot(5);
      await sleep(200);
      expect(got).toEqual(['ADDED a', 'ADDED b', 'DELETED a', 'MODIFIED b', 'DELETED b']);
      // a malformed selector is refused
      await expect(pool.list({ key: p, recursive: true, resourceVersion: '0', selector: { fieldSelector: 'data.nope=1' } })).rejects.toMatchObject({
        code: 3, // INVALID_ARGUMENT
      });
    } finally {
      stream?.cancel();
      pool.close();
      await writer.close();
      await svc.service.shutdown(500);
    }
  });

  it('by default a replica watch with a selector shares the resource stream (filtered by the caller)', async () => {
    const e = await sharedEtcd();
    const a = await startService(e);
    const r = await replica(e, [a.addr]);
    const writer = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
    const p = '/selone/';
    try {
      await writer.create(`${p}ns/a`, cm('a'));
      const listed = await r.list(`${p}ns/`, { resourceVersion: '' });
      const d = new Drain(r.watch(`${p}ns/`, { resourceVersion: listed.resourceVersion, selector: { labelSelector: 'team=x', namespace: 'ns' } }));
      await writer.create(`${p}ns/b`, cm('b'));
      await d.waitFor(1);
      expect(a.service.stats().streams).toBe(1);
      // unfiltered here (the registry Store applies the selector), from the one shared stream
      expect(d.changes.map((ev) => `${ev.type} ${ev.object.metadata.name}`)).toEqual(['ADDED b']);
      expect(d.changes[0].shared).toBeDefined();
      d.w.stop();
    } finally {
      await r.close();
      await writer.close();
      await a.service.shutdown(500);
    }
  });

  it('a replica watch with a selector gets its own stream filtered by the service (opt-in), resumed across a failover', async () => {
    const e = await sharedEtcd();
    const a = await startService(e);
    const b = await startService(e);
    const r = await replica(e, [a.addr, b.addr], { selectorWatchesOnService: true });
    const writer = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
    const p = '/selrep/';
    const obj = (name: string, team: string): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', labels: { team } }, data: {} });
    const relabel = (name: string, team: string) =>
      writer.guaranteedUpdate(`${p}ns/${name}`, (cur) => {
        const o = cur as KObject;
        return { ...o, metadata: { ...o.metadata, labels: { team } } };
      });
    try {
      await writer.create(`${p}ns/a`, obj('a', 'x'));
      const listed = await r.list(`${p}ns/`, { resourceVersion: '' }); // the local cache's stream
      const d = new Drain(r.watch(`${p}ns/`, { resourceVersion: listed.resourceVersion, selector: { labelSelector: 'team=x', namespace: 'ns' } }));
      const deadline = Date.now() + 5000;
      while (a.service.stats().streams < 2 && Date.now() < deadline) await sleep(20);
      expect(a.service.stats().streams).toBe(2);
      await writer.create(`${p}ns/b`, obj('b', 'y')); // not selected
      await relabel('b', 'x'); // enters: ADDED
      await relabel('a', 'y'); // leaves: DELETED with the previous state
      await d.waitFor(2);
      await a.service.kill(); // both streams fail over to b, from their last revisions
      await relabel('a', 'x'); // enters again: ADDED
      await writer.create(`${p}ns/c`, obj('c', 'y'));
      await writer.delete(`${p}ns/b`); // DELETED
      await d.waitFor(4);
      await sleep(300);
      expect(d.changes.map((ev) => `${ev.type} ${ev.object.metadata.name}`)).toEqual(['ADDED b', 'DELETED a', 'ADDED a', 'DELETED b']);
      const del = d.changes[1];
      expect(del.prevObject?.metadata.labels).toEqual({ team: 'x' });
      const revs = d.changes.map((ev) => Number(ev.object.metadata.resourceVersion));
      for (let i = 1; i < revs.length; i++) expect(revs[i]).toBeGreaterThan(revs[i - 1]);
      expect(d.done).toBe(false);
      expect(b.service.stats().streams).toBe(2);
      d.w.stop();
    } finally {
      await r.close();
      await writer.close();
      await b.service.shutdown(500);
    }
  });

  it('reads from etcd and reports unavailable when no watch-cache server answers', async () => {
    const e = await sharedEtcd();
    const svc = await startService(e);
    const r = await replica(e, [svc.addr]);
    const writer = new EtcdStorage({ endpoints: [e.endpoint], prefix: '/registry' });
    try {
      await writer.create('/degraded/default/a', cm('a'));
      const d = new Drain(r.watch('/degraded/', { resourceVersion: '0' }));
      await d.waitFor(1);
      await svc.service.kill();
      await d.waitFor(1);
      const deadline = Date.now() + 10_000;
      while (r.available && Date.now() < deadline) await sleep(50);
      expect(r.available).toBe(false);
      await expect(r.readyCheck().check()).rejects.toThrow(/no watch-cache server reachable/);
      // the cached watcher ends with 410 so the client relists
      while (!d.done && Date.now() < deadline) await sleep(50);
      expect(d.done).toBe(true);
      expect(d.events[d.events.length - 1].type).toBe('ERROR');
      await writer.create('/degraded/default/b', cm('b'));
      const list = await r.list('/degraded/', { resourceVersion: '' });
      expect(list.items.map((o) => o.metadata.name)).toEqual(['a', 'b']);
      // a server comes back on the same port: the replica serves from the cache again
      const again = await startService(e, Number(svc.addr.split(':')[1]));
      expect(await r.waitAvailable()).toBe(true);
      await r.readyCheck().check();
      const d2 = new Drain(r.watch('/degraded/', { resourceVersion: '0' }));
      await d2.waitFor(2);
      d2.w.stop();
      await again.service.shutdown(500);
    } finally {
      await r.close();
      await writer.close();
    }
  });
});
