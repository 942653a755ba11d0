/**
 * A replica's Storage when watch-cache servers are configured (`--watch-cache-servers`):
 * writes, GET without resourceVersion, Exact lists and continues go to etcd; every other read is
 * served by a local Cacher per resource prefix fed by ONE gRPC watch stream from the watch-cache
 * service (RemoteSource), which fans out to the replica's client watchers with bounded buffers.
 * The replica itself opens no etcd watch for cached resources.
 *
 * When no watch-cache server answers, reads go to etcd directly (degraded) and `readyCheck`
 * fails, so /readyz shows `[-]watch-cache failed`.
 */
import { CachedStorage, CachedStorageOptions, firstSegmentPrefix } from '../../cacher/src/cached-storage';
import { CacherStats } from '../../cacher/src/cacher';
import { etcdCompactedRevision } from '../../cacher/src/etcd-source';
import { isEtcdStorage } from '../../storage/src/etcd/load';
import { KObject } from '../../apimachinery/src/types';
import {
  GetOptions,
  ListOptions,
  ListResult,
  Storage,
  Watcher,
  WatchOptions,
} from '../../storage/src/interface';
import { RemoteSource, RemoteSourceOptions, WatchCachePool } from './client';
import { selectorWatch } from './selector-watch';
import { BackendWrites } from '../../storage/src/backend-writes';

export interface RemoteCachedStorageOptions extends Omit<CachedStorageOptions, 'sourceFor'>, RemoteSourceOptions {
  /** host:port of the watch-cache servers, in failover order */
  servers: string[];
  /** health ping interval (default 1 s) */
  pingIntervalMs?: number;
  onAvailabilityChange?: (available: boolean) => void;
  /**
   * watches from a revision carrying a label or field selector (WatchOptions.selector) get their
   * own gRPC stream filtered by the service, instead of the local cache's fan-out (default false:
   * the replica holds ONE stream per resource and filters locally, see the README)
   */
  selectorWatchesOnService?: boolean;
}

export class RemoteCachedStorage extends BackendWrites implements Storage {
  readonly pool: WatchCachePool;
  private readonly cached: CachedStorage;
  private readonly selectorOnService: boolean;
  private readonly reconnectDelayMs: number | undefined;

  constructor(
    /** etcd (any Storage over the same data): writes and the reads upstream sends to etcd */
    backend: Storage,
    opts: RemoteCachedStorageOptions,
  ) {
    super(backend);
    this.selectorOnService = opts.selectorWatchesOnService === true;
    this.reconnectDelayMs = opts.reconnectDelayMs;
    this.pool = new WatchCachePool({ servers: opts.servers, pingIntervalMs: opts.pingIntervalMs, onAvailabilityChange: opts.onAvailabilityChange });
    const sourceOpts: RemoteSourceOptions = { freshTimeoutMs: opts.freshTimeoutMs, reconnectDelayMs: opts.reconnectDelayMs };
    if (opts.compactedRevision) sourceOpts.compactedRevision = opts.compactedRevision;
    else if (isEtcdStorage(backend)) {
      // compactions are learned from etcd itself: watches from compacted revisions end with 410
      // even while the local window still holds the events
      sourceOpts.compactedRevision = (prefix, afterRev) => etcdCompactedRevision(backend, afterRev, Buffer.from(backend.pathPrefix + prefix.slice(1)));
    }
    this.cached = new CachedStorage(backend, { ...opts, sourceFor: (prefix) => new RemoteSource(this.pool, prefix, sourceOpts) });
  }

  /** some watch-cache server is reachable (else reads go to etcd) */
  get available(): boolean {
    return this.pool.available;
  }

  /** the /readyz check `watch-cache` */
  readyCheck(): { name: string; check: () => Promise<void> } {
    return {
      name: 'watch-cache',
      check: async () => {
        if (!this.pool.available) throw new Error(`no watch-cache server reachable, reading from etcd (${this.pool.lastError})`);
      },
    };
  }

  /** waits until a watch-cache server answered (tests, startup) */
  async waitAvailable(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.pool.available) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  stats(): Record<string, CacherStats> {
    return this.cached.stats();
  }

  private get reader(): Storage {
    return this.pool.available ? this.cached : this.backend;
  }

  get(key: string, opts?: GetOptions): Promise<KObject> {
    return this.reader.get(key, opts);
  }
  list(prefix: string, opts?: ListOptions): Promise<ListResult> {
    return this.reader.list(prefix, opts);
  }
  watch(key: string, opts?: WatchOptions): Watcher {
    const sel = opts?.selector;
    const rv = opts?.resourceVersion ?? '';
    if (
      this.selectorOnService &&
      sel &&
      (sel.labelSelector || sel.fieldSelector) &&
      /^[0-9]+$/.test(rv) &&
      Number(rv) > 0 &&
      this.pool.available &&
      firstSegmentPrefix(key.startsWith('/') ? key : `/${key}`) !== undefined
    ) {
      // the service filters: only the selection's events cross the wire (the caller filters too)
      return selectorWatch(this.pool, {
        key,
        recursive: opts?.recursive !== false,
        resourceVersion: rv,
        selector: sel,
        progressNotify: opts?.progressNotify === true,
        reconnectDelayMs: this.reconnectDelayMs,
      });
    }
    return this.reader.watch(key, opts);
  }

  async close(): Promise<void> {
    await this.cached.close(); // closes the backend too
    this.pool.close();
  }
}
