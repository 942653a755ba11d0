/**
 * Repair passes as a bullmq repeatable job on Redis: every controller (one per replica, or the
 * embedded server) upserts the same job scheduler and runs a worker, so each interval yields ONE
 * pass across the whole control plane however many controllers there are (upstream runs one per
 * replica, #129069). Compare-and-swap on the bitmaps still makes concurrent passes safe.
 *
 * Every controller also runs one pass at start (readiness waits for it, as upstream). While Redis
 * is unreachable the controller falls back to its own timer (upstream behaviour), logs it and
 * reports it in `kubernest_repair_scheduler_fallback`; when Redis answers again it goes back.
 */
import type { Queue, Worker } from 'bullmq';
import type IORedis from 'ioredis';
import { Counter, Gauge, Registry } from 'prom-client';
import { InProcessRepairScheduler, RepairScheduler } from './scheduler';

export const REPAIR_QUEUE = 'kubernest-bootstrap-repair';
const SCHEDULER_ID = 'repair';

export interface BullmqRepairSchedulerOptions {
  redisUrl: string;
  intervalMs: number;
  /** queue name (tests use their own) */
  queueName?: string;
  /** where `kubernest_repair_passes_total` and the fallback gauge live */
  metricsRegistry?: Registry;
  log?: (msg: string) => void;
}

export type SchedulerMode = 'starting' | 'bullmq' | 'in-process';

export class BullmqRepairScheduler implements RepairScheduler {
  mode: SchedulerMode = 'starting';
  private queue?: Queue;
  private worker?: Worker;
  private connection?: IORedis;
  private workerConnection?: IORedis;
  private fallback?: InProcessRepairScheduler;
  private pass?: () => Promise<void>;
  private stopped = false;
  private readonly passes: Counter<'scheduler'>;
  private readonly fallbackGauge: Gauge;
  private readonly log: (msg: string) => void;

  constructor(private readonly opts: BullmqRepairSchedulerOptions) {
    const registers = opts.metricsRegistry ? [opts.metricsRegistry] : [];
    this.passes = new Counter({
      name: 'kubernest_repair_passes_total',
      help: 'Repair passes this controller ran, by what triggered them (start, bullmq, in-process)',
      labelNames: ['scheduler'],
      registers,
    });
    this.fallbackGauge = new Gauge({
      name: 'kubernest_repair_scheduler_fallback',
      help: '1 while Redis is unreachable and repair passes run on this controller\'s own timer',
      registers,
    });
    this.log = opts.log ?? ((m) => console.warn(`bootstrap controller: ${m}`));
  }

  start(pass: () => Promise<void>): void {
    if (this.pass) return;
    this.pass = pass;
    void this.counted('start', pass).catch((e) => this.log(`repair pass failed: ${(e as Error).message}`));
    const name = this.opts.queueName ?? REPAIR_QUEUE;
    // loaded only when Redis is configured: bullmq and ioredis take ~150 ms to load
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Queue, Worker } = require('bullmq') as typeof import('bullmq');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Redis = require('ioredis') as typeof import('ioredis');
    const connection = new Redis.default(this.opts.redisUrl, {
      maxRetriesPerRequest: null,
      retryStrategy: (times) => Math.min(200 * times, 2000),
      lazyConnect: false,
    });
    this.connection = connection;
    connection.on('ready', () => void this.onRedisUp());
    connection.on('close', () => this.onRedisDown());
    connection.on('error', () => this.onRedisDown());
    this.queue = new Queue(name, { connection });
    const workerConnection = connection.duplicate();
    workerConnection.on('error', () => undefined); // reported through the main connection's events
    this.workerConnection = workerConnection;
    this.worker = new Worker(name, async () => this.counted('bullmq', pass), {
      connection: workerConnection,
      concurrency: 1,
      removeOnComplete: { count: 100 },
      removeOnFail: { count: 100 },
    });
    this.worker.on('error', () => undefined);
    this.queue.on('error', () => undefined);
    // not up within 2 s: run on our own timer until it is
    setTimeout(() => {
      if (this.mode === 'starting') this.onRedisDown();
    }, 2000).unref();
  }

  private async counted(scheduler: string, pass: () => Promise<void>): Promise<void> {
    this.passes.inc({ scheduler });
    await pass();
  }

  private async onRedisUp(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.queue!.upsertJobScheduler(SCHEDULER_ID, { every: this.opts.intervalMs }, { name: 'repair' });
    } catch (e) {
      this.log(`cannot schedule repair passes on Redis: ${(e as Error).message}`);
      this.onRedisDown();
      return;
    }
    if (this.mode !== 'bullmq') {
      if (this.mode === 'in-process') this.log('Redis is back: repair passes are scheduled on Redis again');
      this.mode = 'bullmq';
      this.fallbackGauge.set(0);
      const fb = this.fallback;
      this.fallback = undefined;
      await fb?.stop();
    }
  }

  private onRedisDown(): void {
    if (this.stopped || this.mode === 'in-process' || !this.pass) return;
    this.mode = 'in-process';
    this.fallbackGauge.set(1);
    this.log('Redis unreachable: running repair passes on this controller\'s own timer');
    const pass = this.pass;
    this.fallback = new InProcessRepairScheduler(this.opts.intervalMs);
    // the start pass already ran: the fallback's first tick would repeat it, so skip one
    let first = true;
    this.fallback.start(async () => {
      if (first) {
        first = false;
        return;
      }
      await this.counted('in-process', pass);
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.fallback?.stop();
    await this.worker?.close().catch(() => undefined);
    await this.queue?.close().catch(() => undefined);
    this.connection?.disconnect();
    this.workerConnection?.disconnect();
  }
}
