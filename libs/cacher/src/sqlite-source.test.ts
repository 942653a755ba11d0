/** SqliteSource: keys from the log, exact freshness without progress timers, replay, errors. */
import { afterEach, describe, expect, it } from 'vitest';
import { KObject } from '../../apimachinery/src/types';
import { SqliteStorage } from '../../storage/src/sqlite/sqlite-storage';
import { CachedStorage } from './cached-storage';
import { SqliteSource } from './sqlite-source';
import { SourceEvent } from './source';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cm = (name: string, ns = 'default'): KObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: {} });

const open: SqliteStorage[] = [];
function sqlite(): SqliteStorage {
  // no progress BOOKMARKs: freshness must come from the feed itself
  const s = new SqliteStorage({ path: ':memory:', progressNotifyIntervalMs: 0 });
  open.push(s);
  return s;
}
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

function collect() {
  const out = { events: [] as SourceEvent[], progress: [] as number[], errors: [] as Error[] };
  return {
    out,
    handler: {
      onEvents: (evs: SourceEvent[]) => out.events.push(...evs),
      onProgress: (r: number) => out.progress.push(r),
      onError: (e: Error) => out.errors.push(e),
    },
  };
}

describe('SqliteSource', () => {
  it('lists and watches with the stored keys, not keys derived from objects', async () => {
    const s = sqlite();
    await s.create('/p/x/1', cm('x1'));
    await s.create('/py/1', cm('other'));
    const src = new SqliteSource(s, '/p/');
    const l = await src.list();
    expect(l.items.map((i) => i.key)).toEqual(['/p/x/1']);
    expect(l.revision).toBe(2);
    const { out, handler } = collect();
    const w = src.watch(l.revision, handler);
    await s.create('/p/x/2', cm('x2'));
    // synchronous once live (the replay starts in a microtask)
    await sleep(0);
    await s.create('/q/1', cm('q'));
    await s.delete('/p/x/1');
    expect(out.events.map((e) => [e.type, e.key, e.rev])).toEqual([
      ['ADDED', '/p/x/2', 3],
      ['DELETED', '/p/x/1', 5],
    ]);
    expect(out.progress).toContain(4);
    w.stop();
    await s.create('/p/x/3', cm('x3'));
    expect(out.events).toHaveLength(2);
  });

  it('replays rows committed between list and watch, then goes live without gap or duplicate', async () => {
    const s = sqlite();
    const src = new SqliteSource(s, '/p/');
    const l = await src.list();
    for (let i = 0; i < 5; i++) await s.create(`/p/${i}`, cm(`c${i}`));
    const { out, handler } = collect();
    src.watch(l.revision, handler);
    await s.create('/p/5', cm('c5')); // before the replay ran: picked up by it
    await sleep(5);
    await s.create('/p/6', cm('c6'));
    expect(out.events.map((e) => e.rev)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('a start below the compaction point and closing the storage end the feed with onError', async () => {
    const s = sqlite();
    for (let i = 0; i < 5; i++) await s.create(`/p/${i}`, cm(`c${i}`));
    await s.compact(5);
    const src = new SqliteSource(s, '/p/');
    const a = collect();
    src.watch(1, a.handler);
    await sleep(5);
    expect(a.out.errors.map((e) => (e as { code?: string }).code)).toEqual(['Expired']);
    const b = collect();
    src.watch(5, b.handler);
    await sleep(5);
    await s.close();
    expect(b.out.errors.map((e) => (e as { code?: string }).code)).toEqual(['Unreachable']);
    const c = collect();
    src.watch(5, c.handler);
    await sleep(5);
    expect(c.out.errors).toHaveLength(1);
  });
});

describe('CachedStorage over SqliteStorage', () => {
  it('is fresh right after a write: consistent reads and watches wait for no timer', async () => {
    const s = sqlite();
    const cs = new CachedStorage(s);
    await cs.create('/configmaps/default/a', cm('a'));
    expect((await cs.list('/configmaps/')).items).toHaveLength(1); // starts the cacher
    // writes elsewhere move the global revision; the cacher follows through progress
    await cs.create('/secrets/default/s', cm('s'));
    await cs.create('/configmaps/default/b', cm('b'));
    await cs.create('/secrets/default/t', cm('t'));
    const t0 = Date.now();
    const l = await cs.list('/configmaps/');
    expect(Date.now() - t0).toBeLessThan(30);
    expect(l.resourceVersion).toBe('4');
    expect(l.items.map((o) => o.metadata?.name)).toEqual(['a', 'b']);
    // served by the cache, at the backend's exact revision
    const st = cs.stats()['/configmaps/'];
    expect(st.resourceVersion).toBe(4);
    expect(st.objects).toBe(2);
    expect(st.initializations).toBe(1);
    await cs.close();
  });

  it('a watch from a compacted revision ends with 410 although the window still holds its events', async () => {
    const s = sqlite();
    const cs = new CachedStorage(s, { oldWatchesFromBackend: false });
    await cs.create('/configmaps/default/a', cm('a'));
    expect((await cs.list('/configmaps/')).items).toHaveLength(1); // starts the cacher at 1
    for (const n of ['b', 'c', 'd']) await cs.create(`/configmaps/default/${n}`, cm(n));
    await cs.compact(3);
    const w = cs.watch('/configmaps/', { resourceVersion: '1' });
    const evs = [];
    for await (const ev of w) evs.push(ev);
    expect(evs.map((e) => e.type)).toEqual(['ERROR']);
    expect(evs[0].error?.message).toBe('too old resource version: 1 (3)');
    const ok = cs.watch('/configmaps/', { resourceVersion: '2' });
    const got: string[] = [];
    for await (const ev of ok) {
      got.push(`${ev.type} ${ev.object.metadata?.name}`);
      if (got.length === 2) break;
    }
    expect(got).toEqual(['ADDED c', 'ADDED d']);
    await cs.close();
  });
});
