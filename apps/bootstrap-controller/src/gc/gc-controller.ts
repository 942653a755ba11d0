/**
 * Runs the GarbageCollector: a worker on the work queues (bullmq on Redis, or in process), and a
 * periodic scan that queues the work it finds — terminating namespaces, owners waiting on
 * dependents, dependents whose owners are gone (also the ones orphaned while nobody watched).
 */
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import type { Storage } from '../../../../libs/storage/src/interface';
import { every, Loop } from '../loop';
import { GarbageCollector } from './garbage-collector';
import { InProcessWorkQueue, WorkQueue } from './work-queue';

export const DEFAULT_GC_SCAN_INTERVAL_MS = 5_000;

export interface GcControllerOptions {
  /** default: in process */
  queue?: WorkQueue;
  scanIntervalMs?: number;
}

export class GcController {
  readonly collector: GarbageCollector;
  readonly queue: WorkQueue;
  private loop?: Loop;

  constructor(
    storage: Storage,
    registry: ResourceRegistry,
    private readonly opts: GcControllerOptions = {},
  ) {
    this.queue = opts.queue ?? new InProcessWorkQueue();
    this.collector = new GarbageCollector(storage, registry, this.queue);
  }

  start(): void {
    if (this.loop) return;
    this.queue.start((kind, job) => this.collector.handle(kind, job));
    this.loop = every(this.opts.scanIntervalMs ?? DEFAULT_GC_SCAN_INTERVAL_MS, async () => void (await this.collector.scan()), {
      onError: (e) => console.warn(`garbage collector: scan failed: ${(e as Error).message}`),
    });
  }

  /** run a scan now (tests) */
  async scanNow(): Promise<void> {
    await this.loop?.trigger();
  }

  async stop(): Promise<void> {
    const loop = this.loop;
    this.loop = undefined;
    await loop?.stop();
    await this.queue.stop();
  }
}
