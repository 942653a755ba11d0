/**
 * The behaviour every Storage backend must show, written once and run against each backend
 * (etcd and SQLite now; the watch-cache-backed reader later):
 *
 *   runStorageSuite('etcd', async () => ({ storage, teardown: async () => {...} }));
 *
 * Tests run in order against one storage; each uses its own key prefix, so a backend may hold
 * other data. Compaction is exercised, so nothing may depend on revisions older than its own test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KObject } from '../../../apimachinery/src/types';
import { isStorageError, Storage, StorageErrorCode, StorageEvent, Watcher } from '../interface';

export interface StorageSuiteContext {
  storage: Storage;
  /** compacts history below `revision` (default: storage.compact) */
  compactTo?: (revision: number) => Promise<void>;
  teardown(): Promise<void>;
}

export interface StorageSuiteOptions {
  /** run the TTL test (default true) */
  ttl?: boolean;
  /** the backend reports watch progress quickly enough to expect a BOOKMARK within 10s (default false) */
  progressNotify?: boolean;
}

let prefixCounter = 0;

/** A fresh key prefix per test: '/suite-<random>-<n>'. */
function freshPrefix(): string {
  prefixCounter++;
  return `/suite-${Math.random().toString(36).slice(2, 8)}-${prefixCounter}`;
}

function configMap(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): KObject {
  const metadata: KObject['metadata'] = { name, namespace: 'default', uid: `uid-${name}` };
  if (labels) metadata.labels = labels;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
}

function rvOf(obj: KObject): number {
  const rv = obj.metadata.resourceVersion;
  expect(rv, 'resourceVersion is set').toMatch(/^[1-9][0-9]*$/);
  return Number(rv);
}

function dataOf(obj: KObject): Record<string, string> {
  return (obj.data ?? {}) as Record<string, string>;
}

async function expectStorageError(p: Promise<unknown>, code: StorageErrorCode, message?: RegExp | string): Promise<Error> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected StorageError ${code}`).toBeDefined();
  if (!isStorageError(caught, code)) {
    throw new Error(`expected StorageError ${code}, got ${caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught)}`);
  }
  if (message !== undefined) expect(caught.message).toMatch(message);
  return caught;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Drains a watcher in the background so tests can wait for N events. */
class Collector {
  readonly events: StorageEvent[] = [];
  done = false;

  constructor(readonly watcher: Watcher) {
    void (async () => {
      for await (const ev of watcher) this.events.push(ev);
      this.done = true;
    })();
  }

  async waitFor(n: number, timeoutMs = 10_000): Promise<StorageEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < n) {
      if (Date.now() > deadline) {
        throw new Error(`expected ${n} events, got ${this.events.length}: ${this.events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`).join(', ')}`);
      }
      await sleep(5);
    }
    return this.events.slice(0, n);
  }

  async waitDone(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.done) {
      if (Date.now() > deadline) throw new Error('watch did not end');
      await sleep(5);
    }
  }

  stop(): void {
    this.watcher.stop();
  }
}

export function runStorageSuite(name: string, setup: () => Promise<StorageSuiteContext>, options: StorageSuiteOptions = {}): void {
  describe(`storage suite: ${name}`, () => {
    let ctx: StorageSuiteContext;
    let s: Storage;
    const collectors: Collector[] = [];
    const compact = (rev: number) => (ctx.compactTo ? ctx.compactTo(rev) : s.compact(rev));
    const watch = (key: string, opts?: Parameters<Storage['watch']>[1]) => {
      const c = new Collector(s.watch(key, opts));
      collectors.push(c);
      return c;
    };
    /** creates n config maps p/cm-00..; returns them in key order */
    const createMany = async (p: string, n: number, labelled = false) => {
      const out: KObject[] = [];
      for (let i = 0; i < n; i++) {
        const nm = `cm-${String(i).padStart(2, '0')}`;
        const labels = labelled ? { parity: i % 2 === 0 ? 'even' : 'odd' } : undefined;
        out.push(await s.create(`${p}/${nm}`, configMap(nm, { i: String(i) }, labels)));
      }
      return out;
    };

    beforeAll(async () => {
      ctx = await setup();
      s = ctx.storage;
    });

    afterAll(async () => {
      for (const c of collectors) c.stop();
      await ctx?.teardown();
    });

    describe('create and get', () => {
      it('creates, reads back with the creation revision, and refuses a second create', async () => {
        const p = freshPrefix();
        const input = configMap('a', { k: 'v' });
        const created = await s.create(`${p}/a`, input);
        const rv = rvOf(created);
        expect(created.data).toEqual({ k: 'v' });
        expect(created.metadata.name).toBe('a');
        expect(input.metadata.resourceVersion).toBeUndefined();

        (input.data as Record<string, string>).k = 'mutated after create';
        const got = await s.get(`${p}/a`);
        expect(got).toEqual(created);
        expect(rvOf(got)).toBe(rv);
        expect(await s.currentRevision()).toBeGreaterThanOrEqual(rv);

        await expectStorageError(s.create(`${p}/a`, configMap('a')), 'KeyExists');
      });

      it('lets exactly one of several concurrent creates of a key win', async () => {
        const p = freshPrefix();
        const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => s.create(`${p}/a`, configMap('a', { writer: String(i) }))));
        const won = results.filter((r): r is PromiseFulfilledResult<KObject> => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(isStorageError(r.reason, 'KeyExists')).toBe(true);
        }
        expect(await s.get(`${p}/a`)).toEqual(won[0].value);
      });

      it('get of an absent key is KeyNotFound', async () => {
        const p = freshPrefix();
        await expectStorageError(s.get(`${p}/nope`), 'KeyNotFound');
      });

      it('get with resourceVersion "0" and with an older N reads the object; a future N is TooLargeResourceVersion', async () => {
        const p = freshPrefix();
        const created = await s.create(`${p}/a`, configMap('a'));
        expect(rvOf(await s.get(`${p}/a`, { resourceVersion: '0' }))).toBe(rvOf(created));
        expect(rvOf(await s.get(`${p}/a`, { resourceVersion: created.metadata.resourceVersion }))).toBe(rvOf(created));
        const future = (await s.currentRevision()) + 1000;
        await expectStorageError(s.get(`${p}/a`, { resourceVersion: String(future) }), 'TooLargeResourceVersion');
        await expectStorageError(s.get(`${p}/a`, { resourceVersion: 'abc' }), 'InvalidResourceVersion');
      });

      it('stores objects without their resourceVersion', async () => {
        const p = freshPrefix();
        const created = await s.create(`${p}/a`, configMap('a'));
        const updated = await s.guaranteedUpdate(`${p}/a`, (cur) => {
          expect(cur?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
          return { ...(cur as KObject), data: { k: 'v2' } };
        });
        expect(rvOf(updated)).toBeGreaterThan(rvOf(created));
        expect(rvOf(await s.get(`${p}/a`))).toBe(rvOf(updated));
      });
    });

    describe('guaranteedUpdate', () => {
      it('passes the current object (with its resourceVersion) and returns the new revision', async () => {
        const p = freshPrefix();
        const created = await s.create(`${p}/a`, configMap('a', { n: '1' }));
        let seen: KObject | null = null;
        const updated = await s.guaranteedUpdate(`${p}/a`, (cur) => {
          seen = cur;
          return { ...(cur as KObject), data: { n: '2' } };
        });
        expect(seen).not.toBeNull();
        expect((seen as unknown as KObject).metadata.resourceVersion).toBe(created.metadata.resourceVersion);
        expect(updated.data).toEqual({ n: '2' });
        expect(rvOf(updated)).toBeGreaterThan(rvOf(created));
        expect(await s.get(`${p}/a`)).toEqual(updated);
      });

      it('retries on a conflicting write and shows the updater the fresh state', async () => {
        const p = freshPrefix();
        await s.create(`${p}/a`, configMap('a', {}));
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        const seenByA: Record<string, string>[] = [];
        const a = s.guaranteedUpdate(`${p}/a`, async (cur) => {
          const c = cur as KObject;
          seenByA.push({ ...dataOf(c) });
          if (seenByA.length === 1) await gate;
          return { ...c, data: { ...dataOf(c), a: 'yes' } };
        });
        while (seenByA.length === 0) await sleep(1);
        const b = await s.guaranteedUpdate(`${p}/a`, (cur) => ({ ...(cur as KObject), data: { ...dataOf(cur as KObject), b: 'yes' } }));
        release();
        const resultA = await a;
        expect(seenByA.length).toBe(2);
        expect(seenByA[1]).toEqual({ b: 'yes' });
        expect(resultA.data).toEqual({ a: 'yes', b: 'yes' });
        expect(rvOf(resultA)).toBeGreaterThan(rvOf(b));
        expect((await s.get(`${p}/a`)).data).toEqual({ a: 'yes', b: 'yes' });
      });

      it('checks preconditions (uid, resourceVersion)', async () => {
        const p = freshPrefix();
        const created = await s.create(`${p}/a`, configMap('a'));
        const bump = (cur: KObject | null) => ({ ...(cur as KObject), data: { x: String(Math.random()) } });
        await expectStorageError(
          s.guaranteedUpdate(`${p}/a`, bump, { preconditions: { uid: 'other' } }),
          'ResourceVersionConflicts',
          'AdditionalErrorMsg: Precondition failed: UID in precondition: other, UID in object meta: uid-a',
        );
        await expectStorageError(
          s.guaranteedUpdate(`${p}/a`, bump, { preconditions: { resourceVersion: '1' } }),
          'ResourceVersionConflicts',
          `Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${created.metadata.resourceVersion}`,
        );
        expect(rvOf(await s.get(`${p}/a`))).toBe(rvOf(created));
        const ok = await s.guaranteedUpdate(`${p}/a`, bump, {
          preconditions: { uid: 'uid-a', resourceVersion: created.metadata.resourceVersion },
        });
        expect(rvOf(ok)).toBeGreaterThan(rvOf(created));
      });

      it('writes nothing when the update changes nothing', async () => {
        const p = freshPrefix();
        const created = await s.create(`${p}/a`, configMap('a', { k: 'v' }));
        const before = await s.currentRevision();
        const same = await s.guaranteedUpdate(`${p}/a`, (cur) => cur as KObject);
        expect(rvOf(same)).toBe(rvOf(created));
        expect(same).toEqual(created);
        expect(await s.currentRevision()).toBe(before);
      });

      it('is KeyNotFound for an absent key, and creates it with ignoreNotFound', async () => {
        const p = freshPrefix();
        await expectStorageError(
          s.guaranteedUpdate(`${p}/a`, () => configMap('a')),
          'KeyNotFound',
        );
        let sawNull = false;
        const made = await s.guaranteedUpdate(
          `${p}/a`,
          (cur) => {
            sawNull = cur === null;
            return configMap('a', { made: 'yes' });
          },
          { ignoreNotFound: true },
        );
        expect(sawNull).toBe(true);
        expect(made.data).toEqual({ made: 'yes' });
        expect(await s.get(`${p}/a`)).toEqual(made);
      });

      it('propagates an error thrown by the update function and writes nothing', async () => {
        const p = freshPrefix();
        const created = await s.create(`${p}/a`, configMap('a'));
        await expect(
          s.guaranteedUpdate(`${p}/a`, () => {
            throw new Error('refused by updater');
          }),
        ).rejects.toThrow('refused by updater');
        expect(rvOf(await s.get(`${p}/a`))).toBe(rvOf(created));
      });

      it('serialises 20 concurrent increments without losing one', async () => {
        const p = freshPrefix();
        await s.create(`${p}/counter`, configMap('counter', { n: '0' }));
        await Promise.all(
          Array.from({ length: 20 }, () =>
            s.guaranteedUpdate(`${p}/counter`, (cur) => {
              const c = cur as KObject;
              return { ...c, data: { n: String(Number(dataOf(c).n) + 1) } };
            }),
          ),
        );
        expect(dataOf(await s.get(`${p}/counter`)).n).toBe('20');
      });
    });

    describe('delete', () => {
      it('returns the last state stamped with the deletion revision', async () => {
        const p = freshPrefix();
        await s.create(`${p}/a`, configMap('a', { v: '1' }));
        const updated = await s.guaranteedUpdate(`${p}/a`, (cur) => ({ ...(cur as KObject), data: { v: '2' } }));
        const deleted = await s.delete(`${p}/a`);
        expect(deleted.data).toEqual({ v: '2' });
        expect(rvOf(deleted)).toBeGreaterThan(rvOf(updated));
        expect(await s.currentRevision()).toBeGreaterThanOrEqual(rvOf(deleted));
        await expectStorageError(s.get(`${p}/a`), 'KeyNotFound');
        await expectStorageError(s.delete(`${p}/a`), 'KeyNotFound');
      });

      it('checks preconditions and validateDeletion', async () => {
        const p = freshPrefix();
        const created = await s.create(`${p}/a`, configMap('a'));
        await expectStorageError(s.delete(`${p}/a`, { preconditions: { uid: 'other' } }), 'ResourceVersionConflicts', /Precondition failed: UID/);
        await expectStorageError(s.delete(`${p}/a`, { preconditions: { resourceVersion: '1' } }), 'ResourceVersionConflicts', /Precondition failed: ResourceVersion/);
        let validated: KObject | undefined;
        await expect(
          s.delete(`${p}/a`, {
            validateDeletion: (cur) => {
              validated = cur;
              throw new Error('not now');
            },
          }),
        ).rejects.toThrow('not now');
        expect(validated?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
        expect(rvOf(await s.get(`${p}/a`))).toBe(rvOf(created));
        const deleted = await s.delete(`${p}/a`, {
          preconditions: { uid: 'uid-a', resourceVersion: created.metadata.resourceVersion },
          validateDeletion: () => undefined,
        });
        expect(deleted.metadata.name).toBe('a');
        await expectStorageError(s.get(`${p}/a`), 'KeyNotFound');
      });
    });

    describe('list', () => {
      it('pages with limit/continue at one revision, each key exactly once', async () => {
        const p = freshPrefix();
        const all = await createMany(p, 25);
        const seen: string[] = [];
        const page1 = await s.list(`${p}/`, { limit: 10 });
        expect(page1.items).toHaveLength(10);
        expect(page1.continue).toBeTruthy();
        expect(page1.remainingItemCount).toBe(15);
        seen.push(...page1.items.map((o) => o.metadata.name as string));
        const listRV = page1.resourceVersion;
        expect(Number(listRV)).toBeGreaterThanOrEqual(rvOf(all[24]));

        // writes between pages must not show up in later pages
        await s.guaranteedUpdate(`${p}/cm-20`, (cur) => ({ ...(cur as KObject), data: { i: 'changed' } }));
        await s.create(`${p}/cm-21a`, configMap('cm-21a'));
        await s.delete(`${p}/cm-22`);

        const page2 = await s.list(`${p}/`, { limit: 10, continue: page1.continue });
        expect(page2.resourceVersion).toBe(listRV);
        expect(page2.items).toHaveLength(10);
        expect(page2.remainingItemCount).toBe(5);
        seen.push(...page2.items.map((o) => o.metadata.name as string));
        const page3 = await s.list(`${p}/`, { limit: 10, continue: page2.continue });
        expect(page3.resourceVersion).toBe(listRV);
        expect(page3.items).toHaveLength(5);
        expect(page3.continue).toBeFalsy();
        expect(page3.remainingItemCount).toBeUndefined();
        seen.push(...page3.items.map((o) => o.metadata.name as string));

        expect(seen).toEqual(all.map((o) => o.metadata.name));
        const cm20 = page3.items.find((o) => o.metadata.name === 'cm-20') as KObject;
        expect(cm20.data).toEqual({ i: '20' });
        expect(rvOf(cm20)).toBe(rvOf(all[20]));
        // each item carries its own modRevision
        page1.items.forEach((o, i) => expect(o.metadata.resourceVersion).toBe(all[i].metadata.resourceVersion));

        const fresh = await s.list(`${p}/`);
        expect(fresh.items.map((o) => o.metadata.name)).toContain('cm-21a');
        expect(fresh.items.map((o) => o.metadata.name)).not.toContain('cm-22');
        expect(fresh.continue).toBeFalsy();
        expect(Number(fresh.resourceVersion)).toBeGreaterThan(Number(listRV));
      });

      it('fills pages up to limit with items that match the predicate', async () => {
        const p = freshPrefix();
        await createMany(p, 25, true);
        const even = (o: KObject) => o.metadata.labels?.parity === 'even';
        const names: string[] = [];
        let token: string | undefined;
        let pages = 0;
        let rv: string | undefined;
        do {
          const page = await s.list(`${p}/`, { limit: 5, predicate: even, continue: token });
          pages++;
          expect(page.items.length).toBeLessThanOrEqual(5);
          expect(page.items.every(even)).toBe(true);
          expect(page.remainingItemCount).toBeUndefined();
          if (rv === undefined) rv = page.resourceVersion;
          expect(page.resourceVersion).toBe(rv);
          if (page.continue) expect(page.items).toHaveLength(5);
          names.push(...page.items.map((o) => o.metadata.name as string));
          token = page.continue;
        } while (token && pages < 20);
        expect(names).toEqual(Array.from({ length: 13 }, (_, i) => `cm-${String(i * 2).padStart(2, '0')}`));

        const all = await s.list(`${p}/`, { predicate: even });
        expect(all.items).toHaveLength(13);
        expect(all.continue).toBeFalsy();
      });

      it('reads at an Exact resourceVersion', async () => {
        const p = freshPrefix();
        const a1 = await s.create(`${p}/a`, configMap('a', { v: '1' }));
        await s.guaranteedUpdate(`${p}/a`, (cur) => ({ ...(cur as KObject), data: { v: '2' } }));
        await s.create(`${p}/b`, configMap('b'));
        const old = await s.list(`${p}/`, { resourceVersion: a1.metadata.resourceVersion, resourceVersionMatch: 'Exact' });
        expect(old.resourceVersion).toBe(a1.metadata.resourceVersion);
        expect(old.items.map((o) => o.metadata.name)).toEqual(['a']);
        expect(old.items[0].data).toEqual({ v: '1' });
        expect(old.items[0].metadata.resourceVersion).toBe(a1.metadata.resourceVersion);

        const now = await s.list(`${p}/`, { resourceVersion: a1.metadata.resourceVersion, resourceVersionMatch: 'NotOlderThan' });
        expect(now.items.map((o) => o.metadata.name)).toEqual(['a', 'b']);
        expect(Number(now.resourceVersion)).toBeGreaterThan(rvOf(a1));

        const anyRv = await s.list(`${p}/`, { resourceVersion: '0' });
        expect(anyRv.items.map((o) => o.metadata.name)).toEqual(['a', 'b']);

        const future = String((await s.currentRevision()) + 1000);
        await expectStorageError(s.list(`${p}/`, { resourceVersion: future, resourceVersionMatch: 'NotOlderThan' }), 'TooLargeResourceVersion');
        await expectStorageError(s.list(`${p}/`, { resourceVersion: 'x1' }), 'InvalidResourceVersion');
      });

      it('rejects bad continue tokens and a resourceVersion together with continue', async () => {
        const p = freshPrefix();
        await createMany(p, 3);
        await expectStorageError(s.list(`${p}/`, { continue: 'not a token!' }), 'InvalidResourceVersion', /^invalid continue token: /);
        await expectStorageError(
          s.list(`${p}/`, { continue: Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":"x"}').toString('base64url') }),
          'InvalidResourceVersion',
          'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)',
        );
        await expectStorageError(
          s.list(`${p}/`, { continue: Buffer.from('{"v":"meta.k8s.io/v1","rv":5,"start":"../../x"}').toString('base64url') }),
          'InvalidResourceVersion',
        );
        const page = await s.list(`${p}/`, { limit: 1 });
        await expectStorageError(
          s.list(`${p}/`, { limit: 1, continue: page.continue, resourceVersion: page.resourceVersion }),
          'InvalidResourceVersion',
          'specifying resource version is not allowed when using continue',
        );
      });

      it('treats the prefix as a single key when recursive is false', async () => {
        const p = freshPrefix();
        await s.create(`${p}/a`, configMap('a'));
        await s.create(`${p}/a/child`, configMap('child'));
        const one = await s.list(`${p}/a`, { recursive: false });
        expect(one.items.map((o) => o.metadata.name)).toEqual(['a']);
        const none = await s.list(`${p}/zzz`, { recursive: false });
        expect(none.items).toEqual([]);
        expect(Number(none.resourceVersion)).toBeGreaterThan(0);
      });

      it('keeps sibling prefixes apart (/x vs /xy)', async () => {
        const p = freshPrefix();
        await s.create(`${p}/x/1`, configMap('x1'));
        await s.create(`${p}/xy/1`, configMap('xy1'));
        await s.create(`${p}/x`, configMap('x-itself'));
        for (const prefix of [`${p}/x`, `${p}/x/`]) {
          const l = await s.list(prefix);
          expect(l.items.map((o) => o.metadata.name)).toEqual(['x1']);
          expect(await s.count(prefix)).toBe(1);
        }
        expect(await s.count(`${p}/`)).toBe(3);
        expect(await s.count(`${p}/nothing`)).toBe(0);
      });

      it('a continue token or Exact read from before a compaction is Expired', async () => {
        const p = freshPrefix();
        await createMany(p, 6);
        const page = await s.list(`${p}/`, { limit: 2 });
        const oldRV = page.resourceVersion;
        const after = await s.create(`${p}/late`, configMap('late'));
        await compact(rvOf(after));
        await expectStorageError(s.list(`${p}/`, { limit: 2, continue: page.continue }), 'Expired');
        await expectStorageError(s.list(`${p}/`, { resourceVersion: oldRV, resourceVersionMatch: 'Exact' }), 'Expired');
        // the latest state is still readable
        expect((await s.list(`${p}/`)).items).toHaveLength(7);
      });
    });

    describe('watch', () => {
      it('delivers ADDED, MODIFIED and DELETED in order with prevObject and increasing revisions', async () => {
        const p = freshPrefix();
        const start = await s.currentRevision();
        const w = watch(`${p}/`, { resourceVersion: String(start) });
        const a = await s.create(`${p}/a`, configMap('a', { v: '1' }));
        const a2 = await s.guaranteedUpdate(`${p}/a`, (cur) => ({ ...(cur as KObject), data: { v: '2' } }));
        const b = await s.create(`${p}/b`, configMap('b'));
        const del = await s.delete(`${p}/a`);
        const evs = await w.waitFor(4);
        expect(evs.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'ADDED', 'DELETED']);
        expect(evs[0].object).toEqual(a);
        expect(evs[1].object).toEqual(a2);
        expect(evs[1].prevObject).toEqual(a);
        expect(evs[2].object).toEqual(b);
        expect(evs[3].object.metadata.resourceVersion).toBe(del.metadata.resourceVersion);
        expect(evs[3].object.data).toEqual({ v: '2' });
        expect(evs[3].prevObject).toEqual(a2);
        const rvs = evs.map((e) => rvOf(e.object));
        expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
        expect(new Set(rvs).size).toBe(4);
        await sleep(100);
        expect(w.events).toHaveLength(4);
        w.stop();
        await w.waitDone();
      });

      it('replays history when started from an old revision', async () => {
        const p = freshPrefix();
        const a = await s.create(`${p}/a`, configMap('a', { v: '1' }));
        await s.guaranteedUpdate(`${p}/a`, (cur) => ({ ...(cur as KObject), data: { v: '2' } }));
        await s.guaranteedUpdate(`${p}/a`, (cur) => ({ ...(cur as KObject), data: { v: '3' } }));
        const w = watch(`${p}/`, { resourceVersion: String(rvOf(a) - 1) });
        const evs = await w.waitFor(3);
        expect(evs.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED']);
        expect(evs.map((e) => dataOf(e.object).v)).toEqual(['1', '2', '3']);
        const from = watch(`${p}/`, { resourceVersion: a.metadata.resourceVersion });
        const later = await from.waitFor(2);
        expect(later.map((e) => dataOf(e.object).v)).toEqual(['2', '3']);
      });

      it('from an old revision, while concurrent writers go on, delivers every write exactly once in revision order', async () => {
        const p = freshPrefix();
        const start = await s.currentRevision();
        const written: KObject[] = [];
        const writer = async (w: number, n: number) => {
          for (let i = 0; i < n; i++) {
            const nm = `w${w}-${String(i).padStart(2, '0')}`;
            written.push(await s.create(`${p}/${nm}`, configMap(nm)));
            if (i % 2 === 1) written.push(await s.guaranteedUpdate(`${p}/${nm}`, (cur) => ({ ...(cur as KObject), data: { u: '1' } })));
          }
        };
        await writer(0, 10); // history before the watch starts
        const w = watch(`${p}/`, { resourceVersion: String(start) });
        await Promise.all([writer(1, 10), writer(2, 10), writer(3, 10)]);
        const evs = await w.waitFor(written.length);
        const rvs = evs.map((e) => rvOf(e.object));
        expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
        expect(new Set(rvs).size).toBe(rvs.length);
        const byRv = (objs: KObject[]) => [...objs].sort((x, y) => rvOf(x) - rvOf(y)).map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);
        expect(evs.map((e) => `${e.object.metadata.name}@${e.object.metadata.resourceVersion}`)).toEqual(byRv(written));
        expect(evs.filter((e) => e.type === 'MODIFIED')).toHaveLength(20);
        await sleep(100);
        expect(w.events).toHaveLength(written.length);
      });

      it('after compact(C), still reads at C and watches from C - 1; compacting past the current revision is TooLargeResourceVersion', async () => {
        const p = freshPrefix();
        await s.create(`${p}/a`, configMap('a', { v: '1' }));
        const b = await s.create(`${p}/b`, configMap('b'));
        const a2 = await s.guaranteedUpdate(`${p}/a`, (cur) => ({ ...(cur as KObject), data: { v: '2' } }));
        const c = rvOf(a2);
        await s.create(`${p}/later`, configMap('later'));
        await compact(c);
        const atC = await s.list(`${p}/`, { resourceVersion: String(c), resourceVersionMatch: 'Exact' });
        expect(atC.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)).toEqual([`a@${c}`, `b@${b.metadata.resourceVersion}`]);
        const w = watch(`${p}/`, { resourceVersion: String(c - 1) });
        const evs = await w.waitFor(2);
        expect(evs.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['MODIFIED a', 'ADDED later']);
        expect(rvOf(evs[0].object)).toBe(c);
        await expectStorageError(s.compact((await s.currentRevision()) + 1000), 'TooLargeResourceVersion');
      });

      it('starts with synthetic ADDED events for the current state when resourceVersion is "" or "0"', async () => {
        const p = freshPrefix();
        const made = await createMany(p, 3);
        await s.guaranteedUpdate(`${p}/cm-01`, (cur) => ({ ...(cur as KObject), data: { i: 'one' } }));
        const expected = ['cm-00', 'cm-01', 'cm-02'];
        for (const rv of ['', '0']) {
          const n = expected.length;
          const w = watch(`${p}/`, { resourceVersion: rv });
          const initial = await w.waitFor(n);
          expect(initial.map((e) => e.type)).toEqual(expected.map(() => 'ADDED'));
          expect(initial.map((e) => e.object.metadata.name)).toEqual(expected);
          expect(initial[0].object.metadata.resourceVersion).toBe(made[0].metadata.resourceVersion);
          expect(dataOf(initial[1].object).i).toBe('one');
          const name = `z-${rv || 'empty'}`;
          const c = await s.create(`${p}/${name}`, configMap(name));
          expected.push(name);
          const next = await w.waitFor(n + 1);
          expect(next[n].type).toBe('ADDED');
          expect(next[n].object).toEqual(c);
          w.stop();
        }
      });

      it('watches a single key when recursive is false, and not its siblings', async () => {
        const p = freshPrefix();
        const start = await s.currentRevision();
        const single = watch(`${p}/a`, { resourceVersion: String(start), recursive: false });
        const sibling = watch(`${p}/x`, { resourceVersion: String(start) });
        await s.create(`${p}/ab`, configMap('ab'));
        await s.create(`${p}/xy/1`, configMap('xy1'));
        await s.create(`${p}/a`, configMap('a'));
        await s.create(`${p}/x/1`, configMap('x1'));
        const evs = await single.waitFor(1);
        expect(evs[0].object.metadata.name).toBe('a');
        const sib = await sibling.waitFor(1);
        expect(sib[0].object.metadata.name).toBe('x1');
        await sleep(100);
        expect(single.events).toHaveLength(1);
        expect(sibling.events).toHaveLength(1);
      });

      it('ends with one ERROR Expired when started from a compacted revision', async () => {
        const p = freshPrefix();
        const a = await s.create(`${p}/a`, configMap('a'));
        const b = await s.guaranteedUpdate(`${p}/a`, (cur) => ({ ...(cur as KObject), data: { v: '2' } }));
        await compact(rvOf(b));
        const w = watch(`${p}/`, { resourceVersion: String(rvOf(a) - 1) });
        const evs = await w.waitFor(1);
        expect(evs[0].type).toBe('ERROR');
        expect(isStorageError(evs[0].error, 'Expired')).toBe(true);
        expect(evs[0].error?.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
        await w.waitDone();
        expect(w.events).toHaveLength(1);
      });

      it('stop() ends iteration, and leaving the loop stops the watch', async () => {
        const p = freshPrefix();
        const w = watch(`${p}/`, { resourceVersion: String(await s.currentRevision()) });
        await s.create(`${p}/a`, configMap('a'));
        await w.waitFor(1);
        w.stop();
        await w.waitDone();

        const watcher = s.watch(`${p}/`, { resourceVersion: '' });
        const names: string[] = [];
        for await (const ev of watcher) {
          names.push(ev.object.metadata.name as string);
          break;
        }
        expect(names).toEqual(['a']);
        // iterating again after the break yields nothing
        const it2 = watcher[Symbol.asyncIterator]();
        expect((await it2.next()).done).toBe(true);
      });

      if (options.progressNotify) {
        it('emits BOOKMARK events with the current revision when progressNotify is on', async () => {
          const p = freshPrefix();
          const made = await s.create(`${p}/a`, configMap('a'));
          const w = watch(`${p}/`, { resourceVersion: made.metadata.resourceVersion, progressNotify: true });
          const evs = await w.waitFor(1, 15_000);
          expect(evs[0].type).toBe('BOOKMARK');
          expect(Number(evs[0].object.metadata.resourceVersion)).toBeGreaterThanOrEqual(rvOf(made));
        }, 20_000);
      }
    });

    if (options.ttl !== false) {
      it('expires keys created with ttlSeconds, with a DELETED event', async () => {
        const p = freshPrefix();
        const start = await s.currentRevision();
        const w = watch(`${p}/`, { resourceVersion: String(start) });
        const made = await s.create(`${p}/ephemeral`, configMap('ephemeral'), { ttlSeconds: 1 });
        await s.create(`${p}/durable`, configMap('durable'));
        const deadline = Date.now() + 15_000;
        for (;;) {
          try {
            await s.get(`${p}/ephemeral`);
          } catch (e) {
            if (isStorageError(e, 'KeyNotFound')) break;
            throw e;
          }
          if (Date.now() > deadline) throw new Error('ttl key still there after 15s');
          await sleep(200);
        }
        const evs = await w.waitFor(3);
        expect(evs.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED ephemeral', 'ADDED durable', 'DELETED ephemeral']);
        expect(rvOf(evs[2].object)).toBeGreaterThan(rvOf(made));
        expect(rvOf(await s.get(`${p}/durable`))).toBeGreaterThan(0);
      }, 30_000);
    }

    if (options.ttl !== false) {
      it('guaranteedUpdate with ttlSeconds makes a key expire; an update without ttlSeconds makes it permanent again', async () => {
        const p = freshPrefix();
        await s.create(`${p}/becomes-ttl`, configMap('becomes-ttl'));
        await s.create(`${p}/stays`, configMap('stays'), { ttlSeconds: 1 });
        await s.guaranteedUpdate(`${p}/becomes-ttl`, (cur) => ({ ...(cur as KObject), data: { t: '1' } }), { ttlSeconds: 1 });
        const kept = await s.guaranteedUpdate(`${p}/stays`, (cur) => ({ ...(cur as KObject), data: { t: 'none' } }));
        const deadline = Date.now() + 15_000;
        for (;;) {
          try {
            await s.get(`${p}/becomes-ttl`);
          } catch (e) {
            if (isStorageError(e, 'KeyNotFound')) break;
            throw e;
          }
          if (Date.now() > deadline) throw new Error('ttl key still there after 15s');
          await sleep(200);
        }
        await sleep(1500);
        expect(await s.get(`${p}/stays`)).toEqual(kept);
      }, 30_000);
    }

    it('currentRevision follows writes', async () => {
      const p = freshPrefix();
      const before = await s.currentRevision();
      const made = await s.create(`${p}/a`, configMap('a'));
      expect(rvOf(made)).toBeGreaterThan(before);
      expect(await s.currentRevision()).toBeGreaterThanOrEqual(rvOf(made));
    });
  });
}
