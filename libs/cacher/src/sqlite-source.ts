/**
 * A CacheSource over the embedded SQLite backend, reading its log directly (in-process): the list
 * and the change feed carry each object's storage key (no key derivation from objects, unlike
 * StorageSource), and the feed is synchronous: it applies each commit before the write returns and
 * reports rows outside the prefix as progress. The log's current revision is exact and local, so a
 * cache that applied every row up to it is fresh: consistent reads need no progress timer or probe.
 */
import { SqliteStorage } from '../../storage/src/sqlite/sqlite-storage';
import { CacheSource, SourceListResult, SourceWatchHandler } from './source';

export class SqliteSource implements CacheSource {
  constructor(
    private readonly storage: SqliteStorage,
    /** relative resource prefix ending in '/', e.g. '/configmaps/' */
    private readonly prefix: string,
  ) {}

  list(): Promise<SourceListResult> {
    return this.storage.listWithKeys(this.prefix);
  }

  watch(fromRev: number, handler: SourceWatchHandler): { stop(): void } {
    try {
      return this.storage.tailWithKeys(this.prefix, fromRev, {
        onEvents: (evs) => handler.onEvents(evs),
        onProgress: (rev) => handler.onProgress(rev),
        onError: (err) => handler.onError(err),
      });
    } catch (e) {
      // closed storage: report asynchronously, as the other sources do
      const err = e instanceof Error ? e : new Error(String(e));
      let stopped = false;
      queueMicrotask(() => {
        if (!stopped) handler.onError(err);
      });
      return {
        stop: () => {
          stopped = true;
        },
      };
    }
  }

  currentRevision(): Promise<number> {
    return this.storage.currentRevision();
  }

  /** the log knows its compaction point */
  async compactedRevision(): Promise<number> {
    return this.storage.compactRevision;
  }
}
