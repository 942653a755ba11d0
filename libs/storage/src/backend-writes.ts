/**
 * The write side of a Storage that serves reads its own way (the watch caches): every write,
 * count, revision and compaction goes straight to the backend. Subclasses add get/list/watch/close.
 */
import type { KObject } from '../../apimachinery/src/types';
import type { CreateOptions, DeleteOptions, Storage, TryUpdate, UpdateOptions } from './interface';

export abstract class BackendWrites {
  constructor(readonly backend: Storage) {}

  create(key: string, obj: KObject, opts?: CreateOptions): Promise<KObject> {
    return this.backend.create(key, obj, opts);
  }
  guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts?: UpdateOptions): Promise<KObject> {
    return this.backend.guaranteedUpdate(key, tryUpdate, opts);
  }
  delete(key: string, opts?: DeleteOptions): Promise<KObject> {
    return this.backend.delete(key, opts);
  }
  count(prefix: string): Promise<number> {
    return this.backend.count(prefix);
  }
  currentRevision(): Promise<number> {
    return this.backend.currentRevision();
  }
  compact(revision: number): Promise<void> {
    return this.backend.compact(revision);
  }
}
