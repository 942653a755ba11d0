/**
 * The watch-cache service: a gRPC server holding one Cacher (libs/cacher) per resource prefix over
 * EtcdSource, created lazily on the first request for the prefix. Every Watch stream is a Cacher
 * watcher (bounded buffer: a stream that falls behind is ended without ERROR and the client
 * resumes from its last revision). Each event is encoded once and the bytes are shared by every
 * stream that sends it unchanged.
 */
import * as grpc from '@grpc/grpc-js';
import { extractContext, runInContext, SpanKind, tracingEnabled, withSpan } from '../../tracing/src';
import { KObject } from '../../apimachinery/src/types';
import { CacheWatcher } from '../../cacher/src/cache-watcher';
import { firstSegmentPrefix } from '../../cacher/src/cached-storage';
import { Cacher, CacherOptions, CacherStats } from '../../cacher/src/cacher';
import { EtcdSource } from '../../cacher/src/etcd-source';
import { CacheSource, registryKeyFunc, SourceListResult, SourceWatchHandler } from '../../cacher/src/source';
import { EtcdStorage } from '../../storage/src/etcd/etcd-storage';
import { prefixRangeEnd } from '../../storage/src/etcd/keys';
import { isStorageError, StorageEvent } from '../../storage/src/interface';
import {
  encodeObject,
  encodeWatchEvent,
  FreshRequest,
  FreshResponse,
  ListRequest,
  ListResponse,
  RevisionRequest,
  RevisionResponse,
  Selector,
  STORAGE_ERROR_METADATA,
  storageErrorToJSON,
  WatchEvent,
  watchCacheServiceDefinition,
  WatchRequest,
  WireStatus,
} from './proto';
import { compileSelector } from './selector';

export interface WatchCacheServiceOptions extends CacherOptions {
  /** how long a graceful shutdown waits for streams to end before forcing (default 5 s) */
  shutdownGraceMs?: number;
}

/** An EtcdSource that remembers the storage key of every object it hands out. */
class KeyedSource implements CacheSource {
  constructor(
    private readonly inner: EtcdSource,
    readonly keys: WeakMap<KObject, string>,
  ) {}

  async list(): Promise<SourceListResult> {
    const r = await this.inner.list();
    for (const i of r.items) this.keys.set(i.object, i.key);
    return r;
  }

  watch(fromRev: number, handler: SourceWatchHandler): { stop(): void } {
    return this.inner.watch(fromRev, {
      onEvents: (evs) => {
        for (const e of evs) this.keys.set(e.object, e.key);
        handler.onEvents(evs);
      },
      onProgress: (r) => handler.onProgress(r),
      onError: (e) => handler.onError(e),
    });
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  probe(sinceRev: number, count: number): Promise<number | undefined> {
    return this.inner.probe(sinceRev, count);
  }
}

interface Entry {
  prefix: string;
  cacher: Cacher;
  keys: WeakMap<KObject, string>;
  /** encoded events by object (an object belongs to one change; the type tells synthetic ADDED apart) */
  encoded: WeakMap<KObject, Partial<Record<string, Buffer>>>;
  /** progress-notify streams of this prefix, bookmarked after a successful WaitFresh */
  streams: Set<CacheWatcher>;
  /** open Watch streams of this prefix */
  openStreams: number;
  /** streams the service ended while the client still wanted them (fell behind, cache error) */
  droppedStreams: number;
  keyOf(obj: KObject): string;
}

export interface WatchCacheServiceStats {
  streams: number;
  cachers: Record<string, CacherStats>;
  /** events encoded (each encoding shared by every stream sending it) */
  encodedEvents: number;
  /** change events (not bookmarks) written to streams */
  sentEvents: number;
  /** per resource prefix: open streams and streams the service ended (not the client, not a shutdown) */
  streamsByPrefix: Record<string, { open: number; dropped: number }>;
}

function grpcError(code: grpc.status, message: string, metadata?: grpc.Metadata): grpc.ServiceError {
  return Object.assign(new Error(message), { code, details: message, metadata: metadata ?? new grpc.Metadata() });
}

function toServiceError(e: unknown): grpc.ServiceError {
  if (e instanceof Error && typeof (e as grpc.ServiceError).code === 'number' && (e as grpc.ServiceError).metadata instanceof grpc.Metadata) {
    return e as grpc.ServiceError; // already a gRPC status (INVALID_ARGUMENT, UNAVAILABLE, ...)
  }
  if (isStorageError(e)) {
    const md = new grpc.Metadata();
    md.set(STORAGE_ERROR_METADATA, JSON.stringify(storageErrorToJSON(e)));
    const code = e.code === 'Unreachable' ? grpc.status.UNAVAILABLE : grpc.status.FAILED_PRECONDITION;
    return grpcError(code, e.message, md);
  }
  return grpcError(grpc.status.INTERNAL, e instanceof Error ? e.message : String(e));
}

/** the request's Selector as a predicate (undefined: everything); a malformed one is INVALID_ARGUMENT */
function selectorPredicate(sel: Selector | undefined): ((o: KObject) => boolean) | undefined {
  try {
    return compileSelector(sel);
  } catch (e) {
    throw grpcError(grpc.status.INVALID_ARGUMENT, `invalid selector: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export class WatchCacheService {
  private readonly entries = new Map<string, Entry>();
  private readonly streams = new Set<{ watcher: CacheWatcher; call: grpc.ServerWritableStream<WatchRequest, WatchEvent | Buffer> }>();
  private server: grpc.Server | undefined;
  private closing = false;
  private counters = { encodedEvents: 0, sentEvents: 0 };

  constructor(
    readonly backend: EtcdStorage,
    private readonly opts: WatchCacheServiceOptions = {},
  ) {}

  /** Binds the gRPC server; returns the port (0 picks a free one). */
  async listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = new grpc.Server({
      'grpc.keepalive_time_ms': 10_000,
      // generous: a replica busy with thousands of client watchers may answer pings late, and a
      // dropped stream ends every client watch of the resource on it with 410
      'grpc.keepalive_timeout_ms': 20_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 1_000,
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
    });
    server.addService(watchCacheServiceDefinition, {
      Watch: (call: grpc.ServerWritableStream<WatchRequest, WatchEvent | Buffer>) => void this.watch(call),
      List: (call: grpc.ServerUnaryCall<ListRequest, ListResponse>, cb: grpc.sendUnaryData<ListResponse>) =>
        traced('List', call, () => this.list(call.request)).then((r) => cb(null, r), (e) => cb(toServiceError(e))),
      CurrentRevision: (call: grpc.ServerUnaryCall<RevisionRequest, RevisionResponse>, cb: grpc.sendUnaryData<RevisionResponse>) =>
        traced('CurrentRevision', call, () => this.currentRevision(call.request)).then((r) => cb(null, r), (e) => cb(toServiceError(e))),
      WaitFresh: (call: grpc.ServerUnaryCall<FreshRequest, FreshResponse>, cb: grpc.sendUnaryData<FreshResponse>) =>
        traced('WaitFresh', call, () => this.waitFresh(call.request)).then((r) => cb(null, r), (e) => cb(toServiceError(e))),
    });
    const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const bound = await new Promise<number>((resolve, reject) =>
      server.bindAsync(addr, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    return bound;
  }

  stats(): WatchCacheServiceStats {
    const cachers: Record<string, CacherStats> = {};
    const streamsByPrefix: Record<string, { open: number; dropped: number }> = {};
    for (const [p, e] of this.entries) {
      cachers[p] = e.cacher.stats();
      streamsByPrefix[p] = { open: e.openStreams, dropped: e.droppedStreams };
    }
    return { streams: this.streams.size, cachers, ...this.counters, streamsByPrefix };
  }

  /** The entry of a resource prefix (created on first use). */
  private entryFor(prefix: string): Entry {
    let e = this.entries.get(prefix);
    if (!e) {
      const keys = new WeakMap<KObject, string>();
      const source = new KeyedSource(new EtcdSource(this.backend, prefix), keys);
      const fallbackKey = registryKeyFunc(prefix);
      e = {
        prefix,
        cacher: new Cacher(prefix, source, this.backend, this.opts),
        keys,
        encoded: new WeakMap(),
        streams: new Set(),
        openStreams: 0,
        droppedStreams: 0,
        keyOf: (obj) => keys.get(obj) ?? fallbackKey(obj),
      };
      this.entries.set(prefix, e);
    }
    return e;
  }

  /** '/a/x' (recursive) -> the '/a/' entry and request key '/a/x/' */
  private route(key: string, recursive: boolean): { entry: Entry; key: string } {
    if (this.closing) throw grpcError(grpc.status.UNAVAILABLE, 'watch-cache server is shutting down');
    const k = key.startsWith('/') ? key : `/${key}`;
    const p = firstSegmentPrefix(k);
    if (p !== undefined) {
      if (recursive) {
        const rk = k.endsWith('/') ? k : `${k}/`;
        if (rk.startsWith(p)) return { entry: this.entryFor(p), key: rk };
      } else if (k.startsWith(p) && k.length > p.length) {
        return { entry: this.entryFor(p), key: k };
      }
    }
    throw grpcError(grpc.status.INVALID_ARGUMENT, `key ${JSON.stringify(key)} is not served by a watch cache`);
  }

  // ---- unary calls -----------------------------------------------------------------------------

  private async list(req: ListRequest): Promise<ListResponse> {
    const recursive = req.recursive !== false;
    const { entry, key } = this.route(req.key, recursive);
    const predicate = selectorPredicate(req.selector);
    const c = entry.cacher;
    if (req.cacheOnly && !(await c.whenReady())) throw grpcError(grpc.status.UNAVAILABLE, `cache of ${entry.prefix} is not ready`);
    const res = await c.list({
      prefix: key,
      recursive,
      resourceVersion: req.cacheOnly ? '0' : req.resourceVersion,
      resourceVersionMatch: req.cacheOnly ? '' : ((req.resourceVersionMatch ?? '') as '' | 'NotOlderThan' | 'Exact'),
      limit: req.cacheOnly ? 0 : Number(req.limit ?? 0),
      continue: req.cacheOnly ? undefined : req.continue || undefined,
      predicate,
    });
    const out: ListResponse = {
      items: res.items.map((o) => ({ key: entry.keyOf(o), object: encodeObject(o) })),
      resourceVersion: res.resourceVersion,
    };
    if (res.continue) out.continue = res.continue;
    if (res.remainingItemCount !== undefined) {
      out.remainingItemCount = res.remainingItemCount;
      out.hasRemainingItemCount = true;
    }
    return out;
  }

  private async currentRevision(req: RevisionRequest): Promise<RevisionResponse> {
    if (this.closing) throw grpcError(grpc.status.UNAVAILABLE, 'watch-cache server is shutting down');
    if (!req.prefix) return { revision: 0, ready: true }; // ping
    const { entry } = this.route(req.prefix, true);
    return { revision: entry.cacher.resourceVersion, ready: entry.cacher.isReady };
  }

  private async waitFresh(req: FreshRequest): Promise<FreshResponse> {
    const { entry } = this.route(req.prefix, true);
    const c = entry.cacher;
    const fresh = await c.waitFresh(req.timeoutMs && req.timeoutMs > 0 ? req.timeoutMs : undefined);
    const revision = c.resourceVersion;
    if (fresh) {
      // every event up to `revision` has been offered to the streams: a bookmark now is in order
      for (const w of entry.streams) if (w.registered && !w.closed) w.bookmark(revision);
    }
    return { fresh, revision };
  }

  // ---- watch streams ---------------------------------------------------------------------------

  /**
   * A watch from N older than the window: if nothing under the prefix changed in (N, W] (no key
   * modified after N as of W, and as many keys at N as at W), it is the same as a watch from W.
   * This lets a replica fail over to a cache that started after its last revision.
   */
  private async unchangedSince(entry: Entry, n: number, w: number): Promise<boolean> {
    const full = this.backend.pathPrefix + entry.prefix.slice(1);
    const key = Buffer.from(full);
    const range_end = prefixRangeEnd(key);
    try {
      const kv = this.backend.client.kv;
      const atW = await kv.range({ key, range_end, revision: w, keys_only: true, min_mod_revision: n + 1 });
      if (atW.kvs.length > 0) return false;
      const atN = await kv.range({ key, range_end, revision: n, count_only: true });
      return Number(atN.count) === Number(atW.count);
    } catch {
      return false; // compacted, unreachable: cannot prove it
    }
  }

  private async watch(call: grpc.ServerWritableStream<WatchRequest, WatchEvent | Buffer>): Promise<void> {
    const req = call.request;
    const recursive = req.recursive !== false;
    let route;
    try {
      route = this.route(req.key, recursive);
    } catch (e) {
      call.emit('error', e);
      return;
    }
    const { entry, key } = route;
    let predicate;
    try {
      predicate = selectorPredicate(req.selector);
    } catch (e) {
      call.emit('error', e);
      return;
    }
    const c = entry.cacher;
    let rv = req.resourceVersion ?? '';
    const n = /^[0-9]+$/.test(rv) ? Number(rv) : 0;
    if (n > 0) {
      await c.whenReady();
      if (c.isReady && !c.canServeWatchFrom(n)) {
        const w = c.stats().windowStartRev;
        if (await this.unchangedSince(entry, n, w)) rv = String(w);
      }
    }
    if (call.cancelled || this.closing) {
      call.end();
      return;
    }
    const watcher = c.watch({ prefix: key, recursive, resourceVersion: rv, progressNotify: req.progressNotify === true, predicate });
    call.sendMetadata(new grpc.Metadata()); // tells the client the stream is established
    const rec = { watcher, call };
    this.streams.add(rec);
    entry.openStreams++;
    if (req.progressNotify) entry.streams.add(watcher);
    let gone = false;
    const onGone = () => {
      gone = true;
      watcher.stop();
    };
    call.on('cancelled', onGone);
    call.on('error', onGone);
    try {
      const it = watcher[Symbol.asyncIterator]();
      for (;;) {
        const r = await it.next();
        if (r.done || gone) break;
        if (r.value.type !== 'BOOKMARK') this.counters.sentEvents++;
        if (!call.write(this.encode(entry, r.value))) await this.drained(call, watcher);
        if (gone) break;
      }
    } catch {
      /* stream torn down */
    } finally {
      this.streams.delete(rec);
      entry.openStreams--;
      entry.streams.delete(watcher);
      if (!gone && !this.closing) entry.droppedStreams++;
      watcher.stop();
      if (!gone) {
        // shutting down: an error status sends the client to another server at once
        if (this.closing) call.emit('error', grpcError(grpc.status.UNAVAILABLE, 'watch-cache server is shutting down'));
        else call.end();
      }
    }
  }

  /** waits for the stream to take more, or for the watcher to be closed (terminated as too slow) */
  private drained(call: grpc.ServerWritableStream<WatchRequest, WatchEvent | Buffer>, watcher: CacheWatcher): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearInterval(t);
        call.off('drain', done);
        call.off('cancelled', done);
        resolve();
      };
      const t = setInterval(() => {
        if (watcher.closed) done();
      }, 100);
      call.once('drain', done);
      call.once('cancelled', done);
    });
  }

  private encode(entry: Entry, ev: StorageEvent): WatchEvent | Buffer {
    if (ev.type === 'BOOKMARK') return { type: 'BOOKMARK', key: '', revision: Number(ev.object.metadata?.resourceVersion ?? 0) };
    if (ev.type === 'ERROR') {
      const e = ev.error;
      const status: WireStatus = isStorageError(e)
        ? { code: e.code === 'Expired' ? 410 : 500, reason: e.code, message: e.message, requested: e.revisions?.requested, current: e.revisions?.current }
        : { code: 500, reason: 'InternalError', message: e?.message ?? 'watch error' };
      return { type: 'ERROR', key: '', revision: 0, error: status };
    }
    let hits = entry.encoded.get(ev.object);
    const hit = hits?.[ev.type];
    if (hit) return hit;
    const msg: WatchEvent = {
      type: ev.type,
      key: entry.keyOf(ev.object),
      revision: Number(ev.object.metadata?.resourceVersion ?? 0),
      object: encodeObject(ev.object),
    };
    if (ev.prevObject) msg.prevObject = encodeObject(ev.prevObject);
    const bytes = encodeWatchEvent(msg);
    this.counters.encodedEvents++;
    if (!hits) entry.encoded.set(ev.object, (hits = {}));
    hits[ev.type] = bytes;
    return bytes;
  }

  /** Graceful: refuse new calls, end every stream (clients resume elsewhere), then stop. */
  async shutdown(graceMs = this.opts.shutdownGraceMs ?? 5000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const s of this.streams) s.watcher.stop();
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        t.unref?.();
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    for (const e of this.entries.values()) await e.cacher.close();
    this.entries.clear();
    await this.backend.close();
  }

  /** Abrupt stop (tests: a crashed instance). */
  async kill(): Promise<void> {
    this.closing = true;
    this.server?.forceShutdown();
    for (const e of this.entries.values()) await e.cacher.close();
    this.entries.clear();
    await this.backend.close();
  }
}

/** A unary call as a server span, a child of the caller's trace context from the gRPC metadata. */
function traced<T>(method: string, call: grpc.ServerUnaryCall<unknown, unknown>, fn: () => Promise<T>): Promise<T> {
  if (!tracingEnabled()) return fn();
  return runInContext(extractContext(call.metadata.getMap()), () =>
    withSpan(`watchcache.WatchCache/${method}`, { 'rpc.system': 'grpc', 'rpc.method': method, 'net.peer.name': call.getPeer() }, fn, SpanKind.SERVER),
  );
}
