/**
 * Queues of garbage-collection work, one per kind of work ('namespace', 'owner', 'dependent'),
 * deduplicated by a job id (a namespace's or object's uid). A handler that throws is retried
 * after `retryMs`. InProcessWorkQueue keeps jobs in memory (lost on restart: the periodic scan
 * finds the work again); BullmqWorkQueue keeps them in Redis so they survive restarts and run
 * once across controllers.
 */
import type { Queue, Worker } from 'bullmq';
import type IORedis from 'ioredis';

export type GcJobKind = 'namespace' | 'owner' | 'dependent';
export interface GcJob {
  /** resource coordinates of the object the job is about */
  group: string;
  version: string;
  plural: string;
  namespace: string;
  name: string;
  uid: string;
}
export type GcHandler = (kind: GcJobKind, job: GcJob) => Promise<void>;

export interface WorkQueue {
  add(kind: GcJobKind, job: GcJob): Promise<void>;
  start(handler: GcHandler): void;
  stop(): Promise<void>;
}

export const GC_KINDS: GcJobKind[] = ['namespace', 'owner', 'dependent'];

export class InProcessWorkQueue implements WorkQueue {
  private readonly pending = new Map<string, { kind: GcJobKind; job: GcJob; at: number }>();
  private handler?: GcHandler;
  private timer?: NodeJS.Timeout;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly retryMs = 1000) {}

  async add(kind: GcJobKind, job: GcJob): Promise<void> {
    const id = `${kind}:${job.uid}`;
    if (!this.pending.has(id)) this.pending.set(id, { kind, job, at: Date.now() });
    this.kick(0);
  }

  start(handler: GcHandler): void {
    this.handler = handler;
    this.kick(0);
  }

  private kick(ms: number): void {
    if (this.stopped || !this.handler || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.running.then(() => this.drain());
    }, ms);
    this.timer.unref?.();
  }

  private async drain(): Promise<void> {
    const now = Date.now();
    let next = Infinity;
    for (const [id, item] of [...this.pending]) {
      if (this.stopped) return;
      if (item.at > now) {
        next = Math.min(next, item.at);
        continue;
      }
      this.pending.delete(id);
      try {
        await this.handler!(item.kind, item.job);
      } catch (e) {
        if (!(e instanceof RetryLater)) console.warn(`garbage collector: ${item.kind} ${item.job.namespace}/${item.job.name}: ${(e as Error).message}`);
        const again = { ...item, at: Date.now() + this.retryMs };
        if (!this.pending.has(id)) this.pending.set(id, again);
        next = Math.min(next, again.at);
      }
    }
    for (const item of this.pending.values()) next = Math.min(next, item.at);
    if (next !== Infinity) this.kick(Math.max(0, next - Date.now()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

/** Thrown by a handler whose work is not finished yet (e.g. content with finalizers): retry later, quietly. */
export class RetryLater extends Error {}

export const GC_QUEUE_PREFIX = 'kubernest-gc-';

export interface BullmqWorkQueueOptions {
  redisUrl: string;
  /** queue names are `${prefix}${kind}` (tests use their own) */
  prefix?: string;
  retryMs?: number;
  concurrency?: number;
}

export class BullmqWorkQueue implements WorkQueue {
  private readonly queues = new Map<GcJobKind, Queue>();
  private readonly workers: Worker[] = [];
  private readonly connection: IORedis;
  private readonly workerConnections: IORedis[] = [];

  constructor(private readonly opts: BullmqWorkQueueOptions) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Queue } = require('bullmq') as typeof import('bullmq');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Redis = require('ioredis') as typeof import('ioredis');
    this.connection = new Redis.default(opts.redisUrl, { maxRetriesPerRequest: null, retryStrategy: (t) => Math.min(200 * t, 2000) });
    this.connection.on('error', () => undefined);
    for (const kind of GC_KINDS) {
      const q = new Queue(this.name(kind), { connection: this.connection });
      q.on('error', () => undefined);
      this.queues.set(kind, q);
    }
  }

  private name(kind: GcJobKind): string {
    return `${this.opts.prefix ?? GC_QUEUE_PREFIX}${kind}`;
  }

  async add(kind: GcJobKind, job: GcJob): Promise<void> {
    // the job id dedupes: a job still waiting, delayed or running for this object is not added again
    await this.queues.get(kind)!.add(kind, job, {
      jobId: `${kind}-${job.uid}`,
      attempts: 60,
      backoff: { type: 'fixed', delay: this.opts.retryMs ?? 1000 },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  start(handler: GcHandler): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('bullmq') as typeof import('bullmq');
    for (const kind of GC_KINDS) {
      const connection = this.connection.duplicate();
      connection.on('error', () => undefined);
      this.workerConnections.push(connection);
      const run = async (data: GcJob) => {
        try {
          await handler(kind, data);
        } catch (e) {
          if (!(e instanceof RetryLater)) console.warn(`garbage collector: ${kind} ${data.namespace}/${data.name}: ${(e as Error).message}`);
          throw e; // bullmq retries it after retryMs
        }
      };
      const w = new Worker(this.name(kind), async (j) => run(j.data as GcJob), { connection, concurrency: this.opts.concurrency ?? 4, lockDuration: 10_000, stalledInterval: 5_000 });
      w.on('error', () => undefined);
      this.workers.push(w);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close().catch(() => undefined)));
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
    this.connection.disconnect();
    for (const c of this.workerConnections) c.disconnect();
  }
}
