/**
 * Runs the GarbageCollector: a worker on the work queues (bullmq on Redis, or in process), the
 * watches that queue work as objects change (gc-watcher.ts), and a periodic scan as a slower
 * backstop that queues the work it finds — terminating namespaces, owners waiting on dependents,
 * dependents whose owners are gone (also the ones orphaned while nobody watched). Custom
 * resources are covered: the registry follows the CRDs (custom-resources.ts); the worker, scan
 * and watches start once the CRDs present at start are registered.
 */
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import type { Storage } from '../../../../libs/storage/src/interface';
import { every, Loop } from '../loop';
import { CustomResourceDefinitions } from './custom-resources';
import { GarbageCollector } from './garbage-collector';
import { GcWatcher } from './gc-watcher';
import { InProcessWorkQueue, WorkQueue } from './work-queue';

/** the backstop scan; changes are seen through watches */
export const DEFAULT_GC_SCAN_INTERVAL_MS = 30_000;

export interface GcControllerOptions {
  /** default: in process */
  queue?: WorkQueue;
  scanIntervalMs?: number;
  /** queue work from watches (default true); false: only the periodic scan finds work */
  watch?: boolean;
  /** keep the registry in step with the CustomResourceDefinitions (default true; false when someone else does) */
  customResources?: boolean;
}

export class GcController {
  readonly collector: GarbageCollector;
  readonly queue: WorkQueue;
  readonly watcher?: GcWatcher;
  readonly crds?: CustomResourceDefinitions;
  private loop?: Loop;
  private starting?: Promise<void>;
  private stopped = false;
  private generation = 0;

  constructor(
    storage: Storage,
    registry: ResourceRegistry,
    private readonly opts: GcControllerOptions = {},
  ) {
    this.queue = opts.queue ?? new InProcessWorkQueue();
    if (opts.customResources !== false) this.crds = new CustomResourceDefinitions(storage, registry);
    const crds = this.crds;
    this.collector = new GarbageCollector(storage, registry, this.queue, crds && (() => crds.refresh()));
    if (opts.watch !== false) this.watcher = new GcWatcher(this.collector, registry, this.queue);
  }

  start(): void {
    if (this.starting) return;
    this.stopped = false;
    const gen = ++this.generation;
    this.crds?.start();
    // no namespace is finalized before the custom resources in it are known
    this.starting = (this.crds?.waitForSync() ?? Promise.resolve()).then(() => {
      if (this.stopped || gen !== this.generation) return;
      this.queue.start((kind, job) => this.collector.handle(kind, job));
      this.watcher?.start();
      this.loop = every(this.opts.scanIntervalMs ?? DEFAULT_GC_SCAN_INTERVAL_MS, async () => void (await this.collector.scan()), {
        onError: (e) => console.warn(`garbage collector: scan failed: ${(e as Error).message}`),
      });
    });
  }

  /** resolves once the worker, watches and scan run */
  async started(): Promise<void> {
    await this.starting;
  }

  /** run a scan now (tests) */
  async scanNow(): Promise<void> {
    await this.loop?.trigger();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.starting = undefined;
    this.crds?.stop();
    this.watcher?.stop();
    const loop = this.loop;
    this.loop = undefined;
    await loop?.stop();
    await this.queue.stop();
  }
}
