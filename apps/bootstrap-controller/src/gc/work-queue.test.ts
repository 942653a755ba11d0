/** The GC work queues: in process (dedupe, retry) and bullmq on a real Redis (once across workers, kept while nobody works). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisInstance, startRedis } from '../../../../test/harness/redis';
import { BullmqWorkQueue, GcJob, GcJobKind, InProcessWorkQueue, RetryLater } from './work-queue';

let redis: RedisInstance;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}
const job = (uid: string): GcJob => ({ group: '', version: 'v1', plural: 'namespaces', namespace: '', name: uid, uid });

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describe('InProcessWorkQueue', () => {
  it('dedupes pending jobs and retries a job that throws', async () => {
    const q = new InProcessWorkQueue(50);
    const runs: string[] = [];
    let fail = 2;
    await q.add('namespace', job('a'));
    await q.add('namespace', job('a'));
    await q.add('owner', job('a'));
    q.start(async (kind, j) => {
      runs.push(`${kind}:${j.uid}`);
      if (kind === 'owner' && fail-- > 0) throw new RetryLater('not yet');
    });
    await until(() => runs.length === 4, 3000);
    expect(runs.sort()).toEqual(['namespace:a', 'owner:a', 'owner:a', 'owner:a']);
    await q.stop();
  });
});

describe('BullmqWorkQueue', () => {
  it('runs a job once across two controllers, keeps it while nobody works, retries on RetryLater', async () => {
    const prefix = `gc-${Date.now()}-`;
    const a = new BullmqWorkQueue({ redisUrl: redis.url, prefix, retryMs: 100 });
    // queued while no worker runs: kept in Redis
    await a.add('namespace', job('n1'));
    await a.add('namespace', job('n1'));
    await a.stop();
    const runs: Array<[GcJobKind, string, string]> = [];
    let fail = 1;
    const b = new BullmqWorkQueue({ redisUrl: redis.url, prefix, retryMs: 100 });
    const c = new BullmqWorkQueue({ redisUrl: redis.url, prefix, retryMs: 100 });
    b.start(async (kind, j) => {
      runs.push([kind, j.uid, 'b']);
      if (fail-- > 0) throw new RetryLater('not yet');
    });
    c.start(async (kind, j) => {
      runs.push([kind, j.uid, 'c']);
      if (fail-- > 0) throw new RetryLater('not yet');
    });
    await until(() => runs.length === 2, 10_000);
    await sleep(500);
    expect(runs.map(([k, u]) => `${k}:${u}`)).toEqual(['namespace:n1', 'namespace:n1']);
    // done: a new job with the same id can be queued again
    await c.add('namespace', job('n1'));
    await until(() => runs.length === 3, 10_000);
    await Promise.all([b.stop(), c.stop()]);
  }, 30_000);
});
