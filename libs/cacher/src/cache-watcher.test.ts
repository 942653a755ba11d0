import { describe, expect, it } from 'vitest';
import { KObject } from '../../apimachinery/src/types';
import { StorageEvent } from '../../storage/src/interface';
import { CacheWatcher } from './cache-watcher';
import { SourceEvent } from './source';

const limits = { bufferSize: 10, maxBuffered: 20, budgetMs: 60_000 };
const obj = (name: string, rv: number): KObject => ({ metadata: { name, namespace: 'ns', resourceVersion: String(rv) } });
const change = (name: string, rv: number): SourceEvent => ({ type: 'ADDED', key: `/cm/ns/${name}`, object: obj(name, rv), rev: rv });

function sinkOf() {
  const got: StorageEvent[] = [];
  let ended = 0;
  return { got, ended: () => ended, sink: { event: (ev: StorageEvent) => got.push(ev), end: () => ended++ } };
}

describe('CacheWatcher push mode', () => {
  it('switches only when nothing is pending, then hands live events over synchronously with their shared source event', async () => {
    const closed: boolean[] = [];
    const w = new CacheWatcher({ prefix: '/cm/' }, false, limits, (_w, t) => closed.push(t));
    w.setInitial([{ type: 'ADDED', object: obj('init', 1) }]);
    const s = sinkOf();
    expect(w.push(s.sink)).toBe(false); // an initial event is still to be read
    expect((await w.next()).value.object.metadata.name).toBe('init');
    const a = change('a', 2);
    w.offer(a);
    expect(w.push(s.sink)).toBe(false); // a live event is buffered
    const ev = (await w.next()).value as StorageEvent;
    expect(ev.shared).toBe(a);
    const pending = w.next();
    expect(w.push(s.sink)).toBe(false); // someone waits on the iterator
    const b = change('b', 3);
    w.offer(b);
    expect((await pending).value.shared).toBe(b);

    expect(w.push(s.sink)).toBe(true);
    const c = change('c', 4);
    w.offer(c);
    expect(s.got.map((e) => e.object.metadata.name)).toEqual(['c']); // synchronously
    expect(s.got[0].shared).toBe(c);
    expect(w.buffered).toBe(0);
    w.fail(new Error('boom'));
    expect(s.got.map((e) => e.type)).toEqual(['ADDED', 'ERROR']);
    expect(s.ended()).toBe(1);
    expect(closed).toEqual([false]);
    w.stop();
    expect(s.ended()).toBe(1);
  });

  it('a selector transition is a new event, not the shared one', () => {
    const w = new CacheWatcher({ prefix: '/cm/', predicate: (o) => o.metadata.labels?.team === 'x' }, false, limits, () => undefined);
    const s = sinkOf();
    expect(w.push(s.sink)).toBe(true);
    const prev = { metadata: { name: 'a', labels: { team: 'y' } } };
    const cur = { metadata: { name: 'a', labels: { team: 'x' } } };
    w.offer({ type: 'MODIFIED', key: '/cm/ns/a', object: cur, prevObject: prev, rev: 5 });
    expect(s.got.map((e) => e.type)).toEqual(['ADDED']);
    expect(s.got[0].shared).toBeUndefined();
    w.stop();
    expect(s.ended()).toBe(1);
  });
});
