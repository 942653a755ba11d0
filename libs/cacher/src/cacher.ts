/**
 * The watch cache for one resource prefix (k8s.io/apiserver/pkg/storage/cacher, simplified):
 * one LIST then one watch of a CacheSource; a store of current objects by key, with a
 * key-segment index (namespace for namespaced resources) and pluggable indexes; a window of recent
 * events; non-blocking fan-out to watchers with bounded buffers.
 *
 * Objects are shared between the store, the window and every watcher: treat them as immutable.
 */
import { KObject } from '../../apimachinery/src/types';
import { encodeContinue } from '../../storage/src/continue-token';
import { storageErrors } from '../../storage/src/errors';
import { ListResult, Storage, StorageEvent } from '../../storage/src/interface';
import { parseResourceVersion } from '../../storage/src/resource-version';
import { CacheWatcher, WatcherFilter } from './cache-watcher';
import { CacheSource, SourceEvent } from './source';
import { SortedKeys } from './sorted-keys';

/** index values of an object (e.g. label values, a field's value) */
export type IndexFunc = (obj: KObject) => string[];

export interface CacherOptions {
  /** event window: initial capacity (default 1000) */
  windowCapacity?: number;
  /** the window grows (doubling) while its oldest event is younger than this (default 75 s) */
  minWindowMs?: number;
  /** hard cap of the window (default 100,000) */
  maxWindowCapacity?: number;
  /** per-watcher buffer of live events (default 100) */
  watcherBufferSize?: number;
  /** a watcher above its buffer size for this long is terminated (default 100 ms) */
  slowWatcherBudgetMs?: number;
  /** a watcher holding this many live events is terminated at once (default 10 × buffer size) */
  watcherMaxBuffered?: number;
  /** how long consistent reads and "not older than N" reads wait for the cache (default 3 s) */
  freshnessTimeoutMs?: number;
  /** first freshness probe after this long, then again at this interval (default 50 ms) */
  probeIntervalMs?: number;
  /** BOOKMARK interval for watchers that asked for progress (default 60 s, as upstream) */
  bookmarkIntervalMs?: number;
  indexers?: Record<string, IndexFunc>;
  /** delay before a relist after a failure (default 100 ms, doubling up to 5 s) */
  relistBackoffMs?: number;
}

export interface CacheListOptions {
  /** recursive: a sub-prefix of the cacher's prefix, ending in '/'; otherwise one key */
  prefix: string;
  recursive?: boolean;
  resourceVersion?: string;
  resourceVersionMatch?: '' | 'NotOlderThan' | 'Exact';
  limit?: number;
  continue?: string;
  predicate?: (obj: KObject) => boolean;
  /** narrow the candidates with an index from `indexers` */
  index?: { name: string; value: string };
}

export interface CacheWatchOptions {
  /** recursive: a sub-prefix ending in '/'; otherwise one key */
  prefix: string;
  recursive?: boolean;
  resourceVersion?: string;
  predicate?: (obj: KObject) => boolean;
  progressNotify?: boolean;
}

export interface CacherStats {
  resourceVersion: number;
  objects: number;
  windowSize: number;
  windowCapacity: number;
  /** the window holds every change after this revision */
  windowStartRev: number;
  /** the source's compaction point as last learned (0: none known) */
  compactedRevision: number;
  watchers: number;
  terminatedWatchers: number;
  eventsReceived: number;
  eventsDispatched: number;
  initializations: number;
}

interface Entry {
  object: KObject;
  segment?: string;
  indexValues?: Map<string, string[]>;
}

interface WindowEvent extends SourceEvent {
  at: number;
}

/** Upstream's cap on one cache-served page. */
const MAX_WINDOW = 100_000;

export class Cacher {
  private readonly o: Required<Omit<CacherOptions, 'indexers'>>;
  private readonly indexers: Record<string, IndexFunc>;
  private objects = new Map<string, Entry>();
  private sorted = new SortedKeys();
  private bySegment = new Map<string, SortedKeys>();
  private indexes = new Map<string, Map<string, Set<string>>>();
  private rev = 0;
  private windowStartRev = 0;
  /** the source's compaction point as last learned (watches from before C - 1 are Expired) */
  private compactRev = 0;
  private compactionChecks = new Map<number, Promise<void>>();
  private window: (WindowEvent | undefined)[];
  private wHead = 0;
  private wSize = 0;
  private watchers = new Set<CacheWatcher>();
  private pending = new Set<CacheWatcher>();
  private revWaiters: { target: number; resolve: (ok: boolean) => void }[] = [];
  private probing = false;
  private ready = false;
  private readyWaiters: (() => void)[] = [];
  private stream: { stop(): void } | undefined;
  private generation = 0;
  private closed = false;
  private relistTimer: NodeJS.Timeout | undefined;
  private bookmarkTimer: NodeJS.Timeout | undefined;
  private backoff: number;
  private counters = { terminatedWatchers: 0, eventsReceived: 0, eventsDispatched: 0, initializations: 0 };

  constructor(
    /** the resource prefix, relative to the backend, ending in '/' (e.g. '/configmaps/') */
    readonly prefix: string,
    private readonly source: CacheSource,
    /** where delegated reads go (Exact, continue, fallbacks) */
    private readonly backend: Storage,
    opts: CacherOptions = {},
  ) {
    const cap = Math.min(opts.maxWindowCapacity ?? MAX_WINDOW, MAX_WINDOW);
    const buf = opts.watcherBufferSize ?? 100;
    this.o = {
      windowCapacity: Math.min(opts.windowCapacity ?? 1000, cap),
      minWindowMs: opts.minWindowMs ?? 75_000,
      maxWindowCapacity: cap,
      watcherBufferSize: buf,
      slowWatcherBudgetMs: opts.slowWatcherBudgetMs ?? 100,
      watcherMaxBuffered: Math.max(opts.watcherMaxBuffered ?? buf * 10, buf + 1),
      freshnessTimeoutMs: opts.freshnessTimeoutMs ?? 3000,
      probeIntervalMs: opts.probeIntervalMs ?? 50,
      bookmarkIntervalMs: opts.bookmarkIntervalMs ?? 60_000,
      relistBackoffMs: opts.relistBackoffMs ?? 100,
    };
    this.indexers = opts.indexers ?? {};
    this.window = new Array(this.o.windowCapacity);
    this.backoff = this.o.relistBackoffMs;
    this.bookmarkTimer = setInterval(() => this.sendBookmarks(), this.o.bookmarkIntervalMs);
    this.bookmarkTimer.unref?.();
    void this.initialize();
  }

  /** the revision the cache is at */
  get resourceVersion(): number {
    return this.rev;
  }

  get isReady(): boolean {
    return this.ready;
  }

  stats(): CacherStats {
    return {
      resourceVersion: this.rev,
      objects: this.objects.size,
      windowSize: this.wSize,
      windowCapacity: this.window.length,
      windowStartRev: this.windowStartRev,
      compactedRevision: this.compactRev,
      watchers: this.watchers.size + this.pending.size,
      ...this.counters,
    };
  }

  // ---- feeding --------------------------------------------------------------------------------

  private async initialize(): Promise<void> {
    if (this.closed) return;
    const gen = ++this.generation;
    this.stream?.stop();
    this.stream = undefined;
    let listed;
    try {
      listed = await this.source.list();
    } catch {
      this.scheduleRelist(gen);
      return;
    }
    if (this.closed || gen !== this.generation) return;
    this.counters.initializations++;
    this.objects = new Map();
    this.sorted = new SortedKeys();
    this.bySegment = new Map();
    this.indexes = new Map();
    for (const { key, object } of listed.items) this.put(key, object);
    this.rev = listed.revision;
    this.windowStartRev = listed.revision;
    this.window = new Array(this.o.windowCapacity);
    this.wHead = 0;
    this.wSize = 0;
    this.stream = this.source.watch(listed.revision, {
      onEvents: (evs) => {
        if (gen === this.generation) this.apply(evs);
      },
      onProgress: (rev) => {
        if (gen === this.generation) this.advance(rev);
      },
      onError: (err) => {
        if (gen === this.generation) this.reinitialize(err);
      },
    });
    this.backoff = this.o.relistBackoffMs;
    this.ready = true;
    const waiting = this.readyWaiters;
    this.readyWaiters = [];
    for (const w of waiting) w();
    for (const w of [...this.pending]) this.registerPending(w);
    this.resolveRevWaiters();
  }

  private scheduleRelist(gen: number): void {
    if (this.closed || gen !== this.generation) return;
    const delay = this.backoff;
    this.backoff = Math.min(this.backoff * 2, 5000);
    this.relistTimer = setTimeout(() => void this.initialize(), delay);
    this.relistTimer.unref?.();
  }

  /** The backend watch failed: every watcher ends with 410, and the cache relists. */
  private reinitialize(err: Error): void {
    this.ready = false;
    this.stream?.stop();
    this.stream = undefined;
    for (const w of [...this.watchers]) {
      w.fail(storageErrors.watchExpired(this.prefix, w.lastRev || w.startRev, this.windowStartRev));
    }
    // watches from N still waiting for their compaction check end the same way (as they would have
    // had they been registered at once)
    for (const w of [...this.pending]) {
      if (!w.wantInitial && w.startRev > 0) {
        this.pending.delete(w);
        w.fail(storageErrors.watchExpired(this.prefix, w.startRev, this.windowStartRev));
      }
    }
    void err;
    this.generation++;
    this.scheduleRelist(this.generation);
  }

  private put(key: string, object: KObject): void {
    const old = this.objects.get(key);
    if (old) this.unindex(key, old);
    else this.sorted.add(key);
    const e: Entry = { object };
    const rest = key.slice(this.prefix.length);
    const slash = rest.indexOf('/');
    if (slash > 0) {
      e.segment = rest.slice(0, slash);
      let s = this.bySegment.get(e.segment);
      if (!s) this.bySegment.set(e.segment, (s = new SortedKeys()));
      s.add(key);
    }
    for (const [name, fn] of Object.entries(this.indexers)) {
      const values = fn(object);
      if (values.length === 0) continue;
      (e.indexValues ??= new Map()).set(name, values);
      let idx = this.indexes.get(name);
      if (!idx) this.indexes.set(name, (idx = new Map()));
      for (const v of values) {
        let set = idx.get(v);
        if (!set) idx.set(v, (set = new Set()));
        set.add(key);
      }
    }
    this.objects.set(key, e);
  }

  private remove(key: string): void {
    const old = this.objects.get(key);
    if (!old) return;
    this.unindex(key, old);
    this.sorted.delete(key);
    this.objects.delete(key);
  }

  private unindex(key: string, e: Entry): void {
    if (e.segment !== undefined) {
      const s = this.bySegment.get(e.segment);
      s?.delete(key);
      if (s && s.size === 0) this.bySegment.delete(e.segment);
    }
    if (e.indexValues) {
      for (const [name, values] of e.indexValues) {
        const idx = this.indexes.get(name);
        for (const v of values) {
          const set = idx?.get(v);
          set?.delete(key);
          if (set && set.size === 0) idx?.delete(v);
        }
      }
    }
  }

  private apply(evs: SourceEvent[]): void {
    const now = Date.now();
    for (const ev of evs) {
      if (ev.rev <= this.rev) continue; // already reflected (e.g. replayed after a relist race)
      this.counters.eventsReceived++;
      if (ev.type === 'DELETED') this.remove(ev.key);
      else this.put(ev.key, ev.object);
      this.pushWindow({ ...ev, at: now });
      for (const w of this.watchers) {
        if (ev.rev > w.startRev) {
          w.offer(ev);
          this.counters.eventsDispatched++;
        }
      }
    }
    const last = evs[evs.length - 1];
    if (last) this.advance(last.rev);
  }

  /** every change up to `rev` is reflected */
  private advance(rev: number): void {
    if (rev > this.rev) this.rev = rev;
    this.resolveRevWaiters();
  }

  private pushWindow(ev: WindowEvent): void {
    let cap = this.window.length;
    if (this.wSize === cap) {
      const oldest = this.window[this.wHead] as WindowEvent;
      if (ev.at - oldest.at < this.o.minWindowMs && cap < this.o.maxWindowCapacity) {
        const next = Math.min(cap * 2, this.o.maxWindowCapacity);
        const grown: (WindowEvent | undefined)[] = new Array(next);
        for (let i = 0; i < this.wSize; i++) grown[i] = this.window[(this.wHead + i) % cap];
        this.window = grown;
        this.wHead = 0;
        cap = next;
      } else {
        this.windowStartRev = oldest.rev;
        this.window[this.wHead] = undefined;
        this.wHead = (this.wHead + 1) % cap;
        this.wSize--;
      }
    }
    this.window[(this.wHead + this.wSize) % cap] = ev;
    this.wSize++;
  }

  private sendBookmarks(): void {
    if (!this.ready) return;
    for (const w of this.watchers) w.bookmark(this.rev);
  }

  // ---- freshness ------------------------------------------------------------------------------

  /** resolves true once the cache is initialised (false after the timeout) */
  whenReady(timeoutMs: number = this.o.freshnessTimeoutMs): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.readyWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** Waits (bounded) until the cache has reached `target`. */
  waitForRevision(target: number, timeoutMs = this.o.freshnessTimeoutMs): Promise<boolean> {
    if (this.ready && this.rev >= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        target,
        resolve: (ok: boolean) => {
          clearTimeout(t);
          resolve(ok);
        },
      };
      const t = setTimeout(() => {
        this.revWaiters = this.revWaiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.revWaiters.push(waiter);
      void this.probeLoop();
    });
  }

  /** Consistent read: the cache has caught up with the backend's current revision (bounded wait). */
  async waitFresh(timeoutMs = this.o.freshnessTimeoutMs): Promise<boolean> {
    const start = Date.now();
    if (!(await this.whenReady(timeoutMs))) return false;
    let target: number;
    try {
      target = await this.source.currentRevision();
    } catch {
      return false;
    }
    return this.waitForRevision(target, Math.max(timeoutMs - (Date.now() - start), 1));
  }

  private resolveRevWaiters(): void {
    if (!this.ready || this.revWaiters.length === 0) return;
    const keep: typeof this.revWaiters = [];
    for (const w of this.revWaiters) {
      if (this.rev >= w.target) w.resolve(true);
      else keep.push(w);
    }
    this.revWaiters = keep;
  }

  /** While someone waits, confirm freshness with the source's probe (if it has one). */
  private async probeLoop(): Promise<void> {
    const probe = this.source.probe?.bind(this.source);
    if (!probe || this.probing) return;
    this.probing = true;
    try {
      while (this.revWaiters.length > 0 && !this.closed) {
        await new Promise((r) => setTimeout(r, this.o.probeIntervalMs));
        if (this.revWaiters.length === 0 || !this.ready) continue;
        const gen = this.generation;
        const since = this.rev;
        const count = this.objects.size;
        let r: number | undefined;
        try {
          r = await probe(since, count);
        } catch {
          r = undefined;
        }
        if (r !== undefined && gen === this.generation && this.rev === since) this.advance(r);
      }
    } finally {
      this.probing = false;
    }
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** GET from the cache ('0' = any state, 'N' = at least N); misses go to the backend. */
  async get(key: string, resourceVersion = '0'): Promise<KObject> {
    const n = parseResourceVersion(resourceVersion, key);
    if (resourceVersion === '') {
      // a consistent read from the cache once it has caught up with the source's current
      // revision (the same check as a consistent LIST); else, or on a miss, from the backend
      if (!(await this.waitFresh())) return this.backend.get(key, { resourceVersion });
      const hit = this.objects.get(key);
      return hit ? hit.object : this.backend.get(key, { resourceVersion });
    }
    if (!(await this.whenReady(this.o.freshnessTimeoutMs))) {
      return this.backend.get(key, { resourceVersion });
    }
    if (n > 0 && !(await this.waitForRevision(n))) throw storageErrors.tooLarge(key, n, this.rev);
    const e = this.objects.get(key);
    if (!e) return this.backend.get(key, { resourceVersion });
    return e.object;
  }

  async list(opts: CacheListOptions): Promise<ListResult> {
    const rv = opts.resourceVersion ?? '';
    const match = opts.resourceVersionMatch ?? '';
    const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : 0;
    const recursive = opts.recursive !== false;
    const n = parseResourceVersion(rv, opts.prefix);
    const delegate = () =>
      this.backend.list(opts.prefix, {
        resourceVersion: opts.resourceVersion,
        resourceVersionMatch: opts.resourceVersionMatch,
        limit: opts.limit,
        continue: opts.continue,
        predicate: opts.predicate,
        recursive: opts.recursive,
      });
    if (opts.continue || match === 'Exact' || (n > 0 && match === '' && limit > 0 && recursive)) return delegate();
    if (rv === '') {
      if (!(await this.waitFresh())) return delegate();
    } else if (!(await this.whenReady(this.o.freshnessTimeoutMs))) {
      return delegate();
    } else if (n > 0 && !(await this.waitForRevision(n))) {
      throw storageErrors.tooLarge(opts.prefix, n, this.rev);
    }
    return this.snapshotList(opts.prefix, recursive, limit, opts.predicate, opts.index);
  }

  private snapshotList(
    prefix: string,
    recursive: boolean,
    limit: number,
    pred: ((o: KObject) => boolean) | undefined,
    index: { name: string; value: string } | undefined,
  ): ListResult {
    const rev = this.rev;
    const items: KObject[] = [];
    if (!recursive) {
      const e = this.objects.get(prefix);
      if (e && (!pred || pred(e.object))) items.push(e.object);
      return { items, resourceVersion: String(rev) };
    }
    let keys: string[] | undefined;
    let from: SortedKeys = this.sorted;
    if (index) {
      keys = [...(this.indexes.get(index.name)?.get(index.value) ?? [])].filter((k) => k.startsWith(prefix)).sort();
    } else if (prefix.length > this.prefix.length) {
      const seg = prefix.slice(this.prefix.length).split('/')[0];
      const s = this.bySegment.get(seg);
      if (!s) return { items, resourceVersion: String(rev) };
      from = s;
    }
    const total = keys ? keys.length : from.size;
    const keyAt = (i: number) => (keys ? keys[i] : from.at(i));
    let i = keys ? 0 : from.lowerBound(prefix);
    let lastKey: string | undefined;
    let more = false;
    for (; i < total; i++) {
      const k = keyAt(i) as string;
      if (!k.startsWith(prefix)) break;
      if (limit > 0 && items.length >= limit) {
        more = true;
        break;
      }
      const obj = (this.objects.get(k) as Entry).object;
      lastKey = k;
      if (!pred || pred(obj)) items.push(obj);
    }
    const res: ListResult = { items, resourceVersion: String(rev) };
    if (more && lastKey !== undefined) {
      res.continue = encodeContinue(`${lastKey}\u0000`, prefix, rev);
      if (!pred) {
        let remaining = 0;
        for (let j = i; j < total && (keyAt(j) as string).startsWith(prefix); j++) remaining++;
        res.remainingItemCount = remaining;
      }
    }
    return res;
  }

  // ---- watch ----------------------------------------------------------------------------------

  watch(opts: CacheWatchOptions): CacheWatcher {
    const rv = opts.resourceVersion ?? '';
    const filter: WatcherFilter = opts.recursive === false ? { key: opts.prefix } : { prefix: opts.prefix };
    if (opts.predicate) filter.predicate = opts.predicate;
    const w = new CacheWatcher(
      filter,
      opts.progressNotify === true,
      { bufferSize: this.o.watcherBufferSize, maxBuffered: this.o.watcherMaxBuffered, budgetMs: this.o.slowWatcherBudgetMs },
      (cw, terminated) => {
        this.watchers.delete(cw);
        this.pending.delete(cw);
        if (terminated) this.counters.terminatedWatchers++;
      },
    );
    let n: number;
    try {
      n = parseResourceVersion(rv, opts.prefix, '');
    } catch (e) {
      w.fail(e as Error);
      return w;
    }
    w.startRev = n;
    w.wantInitial = n === 0;
    this.pending.add(w);
    if (rv === '') {
      void this.waitFresh().then(() => this.registerPending(w));
    } else if (this.ready && n > 0 && n >= this.compactRev - 1 && this.source.compactedRevision) {
      // the window may hold changes after N that the source has compacted (or the cache may not
      // have seen them yet): ask the source first, as a storage watch from N would fail
      void this.learnCompaction(n).then(() => this.registerPending(w));
    } else if (this.ready) {
      this.registerPending(w);
    }
    return w;
  }

  /**
   * Asks the source whether history after `afterRev` was compacted (one check per revision at a
   * time); a compaction trims the window, so watches from before it end with 410 as on the
   * storage itself. A failed check leaves the window as it is.
   */
  learnCompaction(afterRev: number): Promise<void> {
    const fn = this.source.compactedRevision?.bind(this.source);
    if (!fn) return Promise.resolve();
    let p = this.compactionChecks.get(afterRev);
    if (!p) {
      p = fn(afterRev).then(
        (c) => this.noteCompaction(c),
        () => undefined,
      );
      void p.finally(() => this.compactionChecks.delete(afterRev));
      this.compactionChecks.set(afterRev, p);
    }
    return p;
  }

  /** the source was compacted at `c`: only changes after c - 1 can still be watched */
  noteCompaction(c: number): void {
    if (!(c > this.compactRev)) return;
    this.compactRev = c;
    const keepAfter = c - 1;
    if (keepAfter <= this.windowStartRev) return;
    const cap = this.window.length;
    while (this.wSize > 0) {
      const ev = this.window[this.wHead] as WindowEvent;
      if (ev.rev > keepAfter) break;
      this.window[this.wHead] = undefined;
      this.wHead = (this.wHead + 1) % cap;
      this.wSize--;
    }
    this.windowStartRev = keepAfter;
  }

  /** Registers a watcher at the cache's current state (synchronously: nothing can slip between). */
  private registerPending(w: CacheWatcher): void {
    if (!this.pending.has(w) || w.closed || !this.ready) return;
    this.pending.delete(w);
    const initial: StorageEvent[] = [];
    if (w.wantInitial) {
      const pred = w.filter.predicate;
      if (w.filter.key !== undefined) {
        const e = this.objects.get(w.filter.key);
        if (e && (!pred || pred(e.object))) initial.push({ type: 'ADDED', object: e.object });
      } else {
        const prefix = w.filter.prefix as string;
        let from = this.sorted;
        if (prefix.length > this.prefix.length) from = this.bySegment.get(prefix.slice(this.prefix.length).split('/')[0]) ?? new SortedKeys();
        for (let i = from.lowerBound(prefix); i < from.size; i++) {
          const k = from.at(i) as string;
          if (!k.startsWith(prefix)) break;
          const obj = (this.objects.get(k) as Entry).object;
          if (!pred || pred(obj)) initial.push({ type: 'ADDED', object: obj });
        }
      }
      w.startRev = this.rev;
    } else if (w.startRev < this.windowStartRev) {
      const m = w.startRev < this.compactRev - 1 ? this.compactRev : this.windowStartRev;
      w.fail(storageErrors.watchExpired(this.prefix, w.startRev, m));
      return;
    } else {
      const cap = this.window.length;
      for (let i = 0; i < this.wSize; i++) {
        const ev = this.window[(this.wHead + i) % cap] as WindowEvent;
        if (ev.rev <= w.startRev) continue;
        const out = w.translate(ev);
        if (out) initial.push(out);
      }
      w.startRev = Math.max(w.startRev, this.rev);
    }
    w.lastRev = w.startRev;
    w.setInitial(initial);
    w.registered = true;
    this.watchers.add(w);
  }

  /** can a watch from `rev` be served from the window? */
  canServeWatchFrom(rev: number): boolean {
    return rev === 0 || rev >= this.windowStartRev;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.generation++;
    this.stream?.stop();
    if (this.relistTimer) clearTimeout(this.relistTimer);
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    for (const w of [...this.watchers, ...this.pending]) w.stop();
    for (const w of this.revWaiters) w.resolve(false);
    this.revWaiters = [];
  }
}
