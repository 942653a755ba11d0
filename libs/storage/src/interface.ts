/**
 * The storage interface every backend implements (etcd3 now; the embedded SQLite backend and the
 * watch-cache-backed reader later). Modelled on k8s.io/apiserver/pkg/storage.Interface, but on
 * plain JSON objects. Backends own resourceVersion: they set metadata.resourceVersion on every
 * object they return (the backend revision at which that object was last written) and clear it
 * before persisting.
 */
import { KObject } from '../../apimachinery/src/types';

export type StorageErrorCode =
  | 'KeyNotFound'
  | 'KeyExists'
  | 'ResourceVersionConflicts'
  | 'InvalidObj'
  | 'InvalidResourceVersion'
  /** a revision older than the backend's compaction point was requested */
  | 'Expired'
  /** a revision newer than the backend has reached was requested, and waiting did not help */
  | 'TooLargeResourceVersion'
  | 'Unreachable';

export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message: string,
    /** for Expired: the revision asked for and the compacted revision; for TooLarge: asked and current */
    readonly revisions?: { requested: number; current: number },
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export function isStorageError(e: unknown, code?: StorageErrorCode): e is StorageError {
  return e instanceof StorageError && (code === undefined || e.code === code);
}

export interface Preconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface CreateOptions {
  /** time to live in seconds (etcd lease); 0 or unset means forever */
  ttlSeconds?: number;
}

export interface GetOptions {
  /** '' (unset) = latest (quorum read); '0' = any; 'N' = at least N */
  resourceVersion?: string;
}

export type ResourceVersionMatch = '' | 'NotOlderThan' | 'Exact';

export interface ListOptions {
  /** '' = consistent latest; '0' = any; 'N' with match NotOlderThan (default) or Exact */
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
  /** maximum number of matching items to return; 0/undefined = all (still read in bounded pages) */
  limit?: number;
  /** opaque continue token from a previous page */
  continue?: string;
  /** items not matching are skipped (selector filtering); pages are filled up to `limit` matches */
  predicate?: (obj: KObject) => boolean;
  /** true (default) lists everything under the prefix; false treats it as a single key */
  recursive?: boolean;
}

export interface ListResult {
  items: KObject[];
  /** the revision the list was read at */
  resourceVersion: string;
  /** set when more items remain */
  continue?: string;
  /** when known: how many items remain after this page (before predicate filtering) */
  remainingItemCount?: number;
}

export interface DeleteOptions {
  preconditions?: Preconditions;
  /** called with the current object before deleting; throw to abort */
  validateDeletion?: (current: KObject) => Promise<void> | void;
}

/**
 * Called with the current object (deep copy, resourceVersion set) and must return the new object,
 * or throw. For ignoreNotFound updates `current` is null when the key is absent.
 * May be called several times when compare-and-swap loses a race.
 */
export type TryUpdate = (current: KObject | null) => Promise<KObject> | KObject;

export interface UpdateOptions {
  preconditions?: Preconditions;
  /** allow the update function to create the object (current === null) */
  ignoreNotFound?: boolean;
  ttlSeconds?: number;
}

export type StorageEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface StorageEvent {
  type: StorageEventType;
  /** for DELETED: the last state, with resourceVersion set to the deletion's revision */
  object: KObject;
  /** the previous state (MODIFIED and DELETED), with its own resourceVersion */
  prevObject?: KObject;
  /** for ERROR: the error (typically StorageError 'Expired') */
  error?: Error;
  /**
   * A watch cache's change, the same object for every watcher that gets this event unchanged
   * (same type): `object` equals `shared.object` (possibly a copy). Lets the serving side encode
   * the change once and write the same bytes to every watcher. Treat it as immutable.
   */
  shared?: SharedStorageEvent;
}

/** see StorageEvent.shared */
export interface SharedStorageEvent {
  readonly type: StorageEventType;
  readonly object: KObject;
  readonly prevObject?: KObject;
}

export interface WatchOptions {
  /** '' or '0' = synthetic ADDED events for the current state, then changes; 'N' = changes after N */
  resourceVersion?: string;
  /** watch everything under the key as a prefix (default true) */
  recursive?: boolean;
  /** emit BOOKMARK events with the current revision when the backend reports progress */
  progressNotify?: boolean;
  /**
   * A hint: the selection the caller filters the events by. A backend may pre-filter with it
   * (the watch-cache service does, with upstream's transitions: MODIFIED becomes ADDED / DELETED
   * when an object enters / leaves the selection) or ignore it; the caller still applies its own
   * predicate. Only selectors that mean the same on every version of a resource belong here.
   */
  selector?: WatchSelector;
}

export interface WatchSelector {
  labelSelector?: string;
  /** only on metadata.name / metadata.namespace */
  fieldSelector?: string;
  /** objects of this namespace only */
  namespace?: string;
}

/** An event stream. Iterate it; call stop() to end it (iteration then finishes). */
export interface Watcher extends AsyncIterable<StorageEvent> {
  stop(): void;
  /**
   * Optional push delivery (watch caches): from now on, events are handed to `sink`
   * synchronously as they happen, instead of through the iterator. Only possible while nobody
   * waits on the iterator and nothing is buffered; returns false when it cannot switch (keep
   * iterating). After an ERROR event, or when the watcher ends, `sink.end()` is called once.
   */
  push?(sink: WatchSink<StorageEvent>): boolean;
}

export interface WatchSink<E> {
  event(ev: E): void;
  end(): void;
}

export interface Storage {
  /** create-if-absent; throws StorageError KeyExists */
  create(key: string, obj: KObject, opts?: CreateOptions): Promise<KObject>;
  /** throws StorageError KeyNotFound */
  get(key: string, opts?: GetOptions): Promise<KObject>;
  list(prefix: string, opts?: ListOptions): Promise<ListResult>;
  /** read-modify-write with compare-and-swap, retried on conflicts */
  guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts?: UpdateOptions): Promise<KObject>;
  /** returns the deleted object (resourceVersion = the deletion revision); throws KeyNotFound */
  delete(key: string, opts?: DeleteOptions): Promise<KObject>;
  watch(key: string, opts?: WatchOptions): Watcher;
  /** number of keys under the prefix */
  count(prefix: string): Promise<number>;
  /** the backend's current revision */
  currentRevision(): Promise<number>;
  /** compact history up to (not including) this revision */
  compact(revision: number): Promise<void>;
  close(): Promise<void>;
}
