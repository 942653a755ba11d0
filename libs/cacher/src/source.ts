/**
 * Where a Cacher gets its data: one full read of the resource prefix at a revision, then one
 * stream of changes after that revision. Events carry their storage key (objects alone do not
 * say where they are stored).
 */
import { KObject } from '../../apimachinery/src/types';
import { Storage } from '../../storage/src/interface';

export interface SourceEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** storage key, relative to the backend prefix (e.g. '/configmaps/ns/a') */
  key: string;
  /** for DELETED: the last state, resourceVersion = the deletion's revision */
  object: KObject;
  prevObject?: KObject;
  /** the revision of this change */
  rev: number;
}

export interface SourceListResult {
  revision: number;
  items: { key: string; object: KObject }[];
}

export interface SourceWatchHandler {
  /** changes, in revision order */
  onEvents(events: SourceEvent[]): void;
  /** every change up to `revision` has been delivered */
  onProgress(revision: number): void;
  /** the stream failed (compaction, cancel, transport): it is over; the cacher relists */
  onError(err: Error): void;
}

export interface CacheSource {
  list(): Promise<SourceListResult>;
  /** changes after `fromRev` (exclusive) */
  watch(fromRev: number, handler: SourceWatchHandler): { stop(): void };
  currentRevision(): Promise<number>;
  /**
   * Optional freshness probe not relying on progress notifications: returns a revision R >=
   * `sinceRev` at which the prefix holds exactly the same keys/revisions as at `sinceRev` (given
   * that it held `count` keys then), or undefined when something changed in between.
   */
  probe?(sinceRev: number, count: number): Promise<number | undefined>;
  /**
   * Optional: the storage's compaction point as far as it matters for a watch of changes after
   * `afterRev`: a revision C > afterRev + 1 when that history was compacted (a watch from
   * `afterRev` would end with 410 on the storage itself), else 0 (or any C <= afterRev + 1).
   * Lets the cache refuse watches its window could still serve but the storage could not.
   */
  compactedRevision?(afterRev: number): Promise<number>;
}

/** Registry key layout (libs/registry/src/keys.ts): <prefix><namespace>/<name> or <prefix><name>. */
export function registryKeyFunc(prefix: string): (obj: KObject) => string {
  return (obj) => {
    const ns = obj.metadata?.namespace;
    return `${prefix}${ns ? `${ns}/` : ''}${obj.metadata?.name ?? ''}`;
  };
}

/**
 * A source over any Storage. Keys are derived from objects with `keyFunc` (default: the registry
 * layout), so it only suits backends holding objects where the registry puts them.
 */
export class StorageSource implements CacheSource {
  private readonly keyOf: (obj: KObject) => string;

  constructor(
    private readonly storage: Storage,
    private readonly prefix: string,
    keyFunc?: (obj: KObject) => string,
  ) {
    this.keyOf = keyFunc ?? registryKeyFunc(prefix);
  }

  async list(): Promise<SourceListResult> {
    const res = await this.storage.list(this.prefix, { resourceVersion: '' });
    return { revision: Number(res.resourceVersion), items: res.items.map((object) => ({ key: this.keyOf(object), object })) };
  }

  watch(fromRev: number, handler: SourceWatchHandler): { stop(): void } {
    const w = this.storage.watch(this.prefix, { resourceVersion: String(fromRev), recursive: true, progressNotify: true });
    let stopped = false;
    void (async () => {
      try {
        for await (const ev of w) {
          if (stopped) return;
          const rev = Number(ev.object.metadata?.resourceVersion ?? 0);
          if (ev.type === 'BOOKMARK') handler.onProgress(rev);
          else if (ev.type === 'ERROR') {
            stopped = true;
            handler.onError(ev.error ?? new Error('watch error'));
            return;
          } else {
            handler.onEvents([{ type: ev.type, key: this.keyOf(ev.object), object: ev.object, prevObject: ev.prevObject, rev }]);
          }
        }
        if (!stopped) handler.onError(new Error('backend watch ended'));
      } catch (e) {
        if (!stopped) handler.onError(e instanceof Error ? e : new Error(String(e)));
      }
    })();
    return {
      stop: () => {
        stopped = true;
        w.stop();
      },
    };
  }

  currentRevision(): Promise<number> {
    return this.storage.currentRevision();
  }
}
