import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue';

describe('EventQueue', () => {
  it('delivers pushed items in order, before and after the consumer waits', async () => {
    const q = new EventQueue<number>();
    q.push(1);
    q.push(2);
    const got: number[] = [];
    const consumer = (async () => {
      for await (const n of q) got.push(n);
    })();
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 3; i <= 3000; i++) q.push(i);
    q.finish();
    await consumer;
    expect(got).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
  });

  it('abort() ends at once, dropping the buffer; finish() drains first', async () => {
    const a = new EventQueue<number>();
    a.push(1);
    a.abort();
    expect((await a.next()).done).toBe(true);
    const f = new EventQueue<number>();
    f.push(1);
    f.finish();
    f.push(2);
    expect(await f.next()).toEqual({ value: 1, done: false });
    expect((await f.next()).done).toBe(true);
  });

  it('resolves concurrent next() calls in order and calls onReturn when the consumer leaves', async () => {
    let returned = 0;
    const q = new EventQueue<string>(() => returned++);
    const p1 = q.next();
    const p2 = q.next();
    q.push('a');
    q.push('b');
    expect([(await p1).value, (await p2).value]).toEqual(['a', 'b']);
    q.push('c');
    for await (const v of q) {
      expect(v).toBe('c');
      break;
    }
    expect(returned).toBe(1);
    expect((await q.next()).done).toBe(true);
  });
});
