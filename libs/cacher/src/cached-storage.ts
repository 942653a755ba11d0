/**
 * Storage served through watch caches: writes go to the backing Storage; get/list/watch go to a
 * per-resource Cacher (created on first use) where upstream's cacher would serve them, else to
 * the backend. The resource of a key is its first segment ('/configmaps/ns1/a' -> '/configmaps/'),
 * so one cacher serves every namespace of a resource.
 */
import { KObject } from '../../apimachinery/src/types';
import { isEtcdStorage } from '../../storage/src/etcd/load';
import { SqliteStorage } from '../../storage/src/sqlite/sqlite-storage';
import {
  GetOptions,
  ListOptions,
  ListResult,
  SharedStorageEvent,
  Storage,
  StorageEvent,
  Watcher,
  WatchOptions,
} from '../../storage/src/interface';
import { Cacher, CacherOptions, CacherStats } from './cacher';
import { EtcdSource } from './etcd-source';
import { CacheSource, StorageSource } from './source';
import { SqliteSource } from './sqlite-source';
import { BackendWrites } from '../../storage/src/backend-writes';

export interface CachedStorageOptions extends CacherOptions {
  /**
   * The cacher prefix serving a key (ending in '/'), or undefined to bypass the cache.
   * Default: the first path segment.
   */
  resourcePrefixOf?: (key: string) => string | undefined;
  /**
   * Default: EtcdSource for an EtcdStorage backend, SqliteSource for a SqliteStorage backend,
   * StorageSource (registry key layout) otherwise.
   */
  sourceFor?: (prefix: string) => CacheSource;
  /** return deep copies to callers (the registry mutates what storage returns; default true) */
  cloneObjects?: boolean;
  /** watches from before the cache window go to the backend instead of ending with 410 (default true) */
  oldWatchesFromBackend?: boolean;
}

const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;

export function firstSegmentPrefix(key: string): string | undefined {
  const k = key.startsWith('/') ? key.slice(1) : key;
  const slash = k.indexOf('/');
  if (k === '' || DOT_SEGMENT.test(k)) return undefined;
  return `/${slash < 0 ? k : k.slice(0, slash)}/`;
}

function clone<T>(o: T): T {
  return JSON.parse(JSON.stringify(o)) as T;
}

/** A cache event whose objects are deep-copied on first read (callers may mutate the copies). */
class CopiedEvent implements StorageEvent {
  readonly type: StorageEvent['type'];
  readonly shared: SharedStorageEvent | undefined;
  error?: Error;
  private obj: KObject | undefined;
  private prev: KObject | undefined;
  private prevRead = false;

  constructor(private readonly src: StorageEvent) {
    this.type = src.type;
    this.shared = src.shared;
    if (src.error) this.error = src.error;
  }

  get object(): KObject {
    return (this.obj ??= clone(this.src.object));
  }
  set object(o: KObject) {
    this.obj = o;
  }
  get prevObject(): KObject | undefined {
    if (!this.prevRead) {
      this.prevRead = true;
      if (this.src.prevObject) this.prev = clone(this.src.prevObject);
    }
    return this.prev;
  }
  set prevObject(o: KObject | undefined) {
    this.prevRead = true;
    this.prev = o;
  }
}

export class CachedStorage extends BackendWrites implements Storage {
  private readonly cachers = new Map<string, Cacher>();
  private readonly prefixOf: (key: string) => string | undefined;
  private readonly copy: boolean;

  constructor(
    backend: Storage,
    private readonly opts: CachedStorageOptions = {},
  ) {
    super(backend);
    this.prefixOf = opts.resourcePrefixOf ?? firstSegmentPrefix;
    this.copy = opts.cloneObjects !== false;
  }

  /** The cacher for a resource prefix (created on first use). */
  cacherFor(prefix: string): Cacher {
    let c = this.cachers.get(prefix);
    if (!c) {
      const source = this.opts.sourceFor?.(prefix) ?? this.defaultSource(prefix);
      c = new Cacher(prefix, source, this.backend, this.opts);
      this.cachers.set(prefix, c);
    }
    return c;
  }

  private defaultSource(prefix: string): CacheSource {
    if (isEtcdStorage(this.backend)) return new EtcdSource(this.backend, prefix);
    if (this.backend instanceof SqliteStorage) return new SqliteSource(this.backend, prefix);
    return new StorageSource(this.backend, prefix);
  }

  stats(): Record<string, CacherStats> {
    const out: Record<string, CacherStats> = {};
    for (const [p, c] of this.cachers) out[p] = c.stats();
    return out;
  }

  /** '/a/x' (recursive) -> { cacher prefix '/a/', request prefix '/a/x/' }; undefined = backend */
  private route(key: string, recursive: boolean): { cacher: Cacher; key: string } | undefined {
    const k = key.startsWith('/') ? key : `/${key}`;
    const p = this.prefixOf(k);
    if (p === undefined) return undefined;
    if (recursive) {
      const rk = k.endsWith('/') ? k : `${k}/`;
      if (!rk.startsWith(p)) return undefined;
      return { cacher: this.cacherFor(p), key: rk };
    }
    if (!k.startsWith(p) || k.length === p.length) return undefined;
    return { cacher: this.cacherFor(p), key: k };
  }

  async get(key: string, opts?: GetOptions): Promise<KObject> {
    const rv = opts?.resourceVersion ?? '';
    const r = this.route(key, false);
    if (!r) return this.backend.get(key, opts);
    const obj = await r.cacher.get(r.key, rv);
    return this.copy ? clone(obj) : obj;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const recursive = opts.recursive !== false;
    const r = this.route(prefix, recursive);
    if (!r) return this.backend.list(prefix, opts);
    const res = await r.cacher.list({ ...opts, prefix: r.key, recursive });
    return this.copy ? { ...res, items: res.items.map(clone) } : res;
  }

  watch(key: string, opts: WatchOptions = {}): Watcher {
    const recursive = opts.recursive !== false;
    const r = this.route(key, recursive);
    if (!r) return this.backend.watch(key, opts);
    const rv = opts.resourceVersion ?? '';
    const n = /^[0-9]+$/.test(rv) ? Number(rv) : 0;
    const cacher = r.cacher;
    const fromCache = () => cacher.watch({ prefix: r.key, recursive, resourceVersion: rv, progressNotify: opts.progressNotify });
    if (n === 0 || this.opts.oldWatchesFromBackend === false) return this.wrap(() => fromCache());
    // a watch from N: served from the window when it reaches back to N, else by the backend
    return this.wrap(async () => {
      await cacher.whenReady();
      return cacher.isReady && cacher.canServeWatchFrom(n) ? fromCache() : this.backend.watch(key, opts);
    });
  }

  /** A Watcher over a (possibly later) inner watcher, copying objects out when configured. */
  private wrap(make: () => Watcher | Promise<Watcher>): Watcher {
    let stopped = false;
    let inner: Watcher | undefined;
    const ready = Promise.resolve(make()).then((w) => {
      inner = w;
      if (stopped) w.stop();
      return w;
    });
    const copy = this.copy;
    const copied = (ev: StorageEvent): StorageEvent => {
      if (!copy || ev.type === 'ERROR') return ev;
      if (ev.shared) return new CopiedEvent(ev);
      const out: StorageEvent = { type: ev.type, object: clone(ev.object) };
      if (ev.prevObject) out.prevObject = clone(ev.prevObject);
      return out;
    };
    return {
      stop: () => {
        stopped = true;
        inner?.stop();
      },
      push: (sink) => {
        if (stopped || !inner?.push) return false;
        return inner.push({ event: (ev) => sink.event(copied(ev)), end: () => sink.end() });
      },
      [Symbol.asyncIterator]: () => {
        let it: AsyncIterator<StorageEvent> | undefined;
        return {
          next: async (): Promise<IteratorResult<StorageEvent>> => {
            if (stopped) return { value: undefined, done: true };
            it ??= (await ready)[Symbol.asyncIterator]();
            const res = await it.next();
            if (res.done || !copy) return res;
            // a shared event is copied only if the caller reads the objects (serving it from its
            // shared encoding never does)
            return { value: copied(res.value), done: false };
          },
          return: async (): Promise<IteratorResult<StorageEvent>> => {
            stopped = true;
            inner?.stop();
            return { value: undefined, done: true };
          },
        };
      },
    };
  }

  async close(): Promise<void> {
    for (const c of this.cachers.values()) await c.close();
    this.cachers.clear();
    await this.backend.close();
  }
}
