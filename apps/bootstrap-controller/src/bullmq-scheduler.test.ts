/** Repair scheduling on a real Redis: one pass per interval across controllers; fallback when Redis is down. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { RedisInstance, startRedis } from '../../../test/harness/redis';
import { freePort } from '../../../test/harness/ports';
import { BullmqRepairScheduler } from './bullmq-scheduler';

let redis: RedisInstance;
const quiet = () => undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(25);
  }
}

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describe('BullmqRepairScheduler', () => {
  it('runs one pass per interval across three controllers (plus one start pass each)', async () => {
    const queueName = `repair-${Date.now()}`;
    const passes: { at: number; who: number }[] = [];
    const registries = [new Registry(), new Registry(), new Registry()];
    const schedulers = [0, 1, 2].map((who) => {
      const s = new BullmqRepairScheduler({ redisUrl: redis.url, intervalMs: 600, queueName, metricsRegistry: registries[who], log: quiet });
      s.start(async () => void passes.push({ at: Date.now(), who }));
      return s;
    });
    try {
      await until(() => schedulers.every((s) => s.mode === 'bullmq'), 5000);
      const bullmqPasses = async () => {
        let n = 0;
        for (const r of registries) {
          const m = await r.getSingleMetric('kubernest_repair_passes_total')!.get();
          n += m.values.filter((v) => v.labels.scheduler === 'bullmq').reduce((a, v) => a + v.value, 0);
        }
        return n;
      };
      const before = await bullmqPasses();
      const startedAt = Date.now();
      await sleep(3300);
      const counted = (await bullmqPasses()) - before;
      const scheduled = passes.filter((p) => p.at >= startedAt).sort((a, b) => a.at - b.at);
      // about 5 intervals in 3.3 s: one pass each, not three
      expect(scheduled.length).toBeGreaterThanOrEqual(4);
      expect(scheduled.length).toBeLessThanOrEqual(7);
      for (let i = 1; i < scheduled.length; i++) expect(scheduled[i].at - scheduled[i - 1].at).toBeGreaterThan(300);
      // the metric counts the same passes: one per interval for the three controllers together
      expect(Math.abs(counted - scheduled.length)).toBeLessThanOrEqual(1);
    } finally {
      await Promise.all(schedulers.map((s) => s.stop()));
    }
  });

  it('falls back to its own timer while Redis is unreachable, and says so in a gauge', async () => {
    const port = await freePort();
    const registry = new Registry();
    const s = new BullmqRepairScheduler({ redisUrl: `redis://127.0.0.1:${port}`, intervalMs: 200, queueName: `down-${Date.now()}`, metricsRegistry: registry, log: quiet });
    let n = 0;
    s.start(async () => void n++);
    try {
      await until(() => s.mode === 'in-process', 5000);
      const before = n;
      await sleep(1000);
      expect(n - before).toBeGreaterThanOrEqual(3);
      expect(await registry.getSingleMetricAsString('kubernest_repair_scheduler_fallback')).toContain('kubernest_repair_scheduler_fallback 1');
      expect(await registry.getSingleMetricAsString('kubernest_repair_passes_total')).toContain('scheduler="in-process"');
    } finally {
      await s.stop();
    }
  });

  it('goes back to Redis when it returns', async () => {
    const s = new BullmqRepairScheduler({ redisUrl: redis.url, intervalMs: 300, queueName: `outage-${Date.now()}`, metricsRegistry: new Registry(), log: quiet });
    s.start(async () => undefined);
    try {
      await until(() => s.mode === 'bullmq', 5000);
      await redis.kill();
      await until(() => s.mode === 'in-process', 5000);
      await redis.restart();
      await until(() => s.mode === 'bullmq', 10000);
    } finally {
      await s.stop();
    }
  });
});
