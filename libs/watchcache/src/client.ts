/**
 * Replica side of the watch-cache service: a pool of clients over the `--watch-cache-servers`
 * list (health-checked, with failover), and RemoteSource, a CacheSource reading one resource
 * prefix through the service: one gRPC watch stream per prefix, resumed on another server from
 * the last revision when a server goes away.
 */
import * as grpc from '@grpc/grpc-js';
import { trace } from '@opentelemetry/api';
import { injectContext, SpanKind, tracingEnabled, withSpan } from '../../tracing/src';
import { CacheSource, SourceEvent, SourceListResult, SourceWatchHandler } from '../../cacher/src/source';
import { storageErrors } from '../../storage/src/errors';
import { StorageError } from '../../storage/src/interface';
import {
  decodeObject,
  FreshRequest,
  FreshResponse,
  ListRequest,
  ListResponse,
  RevisionRequest,
  RevisionResponse,
  STORAGE_ERROR_METADATA,
  storageErrorFromJSON,
  WatchEvent,
  watchCacheService,
  WatchRequest,
} from './proto';

export interface WatchCachePoolOptions {
  /** host:port of each watch-cache server */
  servers: string[];
  /** health ping interval (default 1 s) */
  pingIntervalMs?: number;
  /** deadline of unary calls (default 5 s) */
  callTimeoutMs?: number;
  /** called when the pool becomes (un)available */
  onAvailabilityChange?: (available: boolean) => void;
}

const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  'grpc.max_receive_message_length': -1,
  'grpc.keepalive_time_ms': 5_000,
  // generous: a replica busy with thousands of watchers must not drop its streams (every client
  // watch would then end with 410 and relist)
  'grpc.keepalive_timeout_ms': 20_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 100,
  'grpc.max_reconnect_backoff_ms': 2_000,
};

/** A failed unary call as a StorageError when the service sent one, else as is. */
/** gRPC metadata carrying the active trace context (empty while tracing is off). */
function traceMetadata(): grpc.Metadata {
  const md = new grpc.Metadata();
  if (tracingEnabled()) for (const [k, v] of Object.entries(injectContext())) md.set(k, v);
  return md;
}

function fromServiceError(e: grpc.ServiceError): Error {
  const raw = e.metadata?.get(STORAGE_ERROR_METADATA)?.[0];
  if (raw !== undefined) {
    try {
      return storageErrorFromJSON(JSON.parse(String(raw)));
    } catch {
      /* fall through */
    }
  }
  return e;
}

export class WatchCachePool {
  readonly servers: string[];
  private readonly clients: grpc.Client[];
  private readonly up: boolean[];
  private current = 0;
  private availableNow = false;
  private pingTimer: NodeJS.Timeout | undefined;
  private closed = false;
  lastError = 'not checked yet';
  private readonly callTimeoutMs: number;

  constructor(private readonly opts: WatchCachePoolOptions) {
    if (opts.servers.length === 0) throw new Error('no watch-cache servers');
    this.servers = [...opts.servers];
    this.clients = this.servers.map((s) => new grpc.Client(s, grpc.credentials.createInsecure(), CHANNEL_OPTIONS));
    this.up = this.servers.map(() => false);
    this.callTimeoutMs = opts.callTimeoutMs ?? 5000;
    void this.pingAll();
    this.pingTimer = setInterval(() => void this.pingAll(), opts.pingIntervalMs ?? 1000);
    this.pingTimer.unref?.();
  }

  /** some watch-cache server answered the last health ping (or a call since) */
  get available(): boolean {
    return this.availableNow;
  }

  /** the server streams and calls go to first */
  get currentIndex(): number {
    return this.current;
  }

  private setUp(i: number, ok: boolean, err?: string): void {
    this.up[i] = ok;
    if (!ok && err) this.lastError = `${this.servers[i]}: ${err}`;
    if (!this.up[this.current]) {
      const next = this.up.findIndex((u) => u);
      if (next >= 0) this.current = next;
    }
    const avail = this.up.some((u) => u);
    if (avail !== this.availableNow) {
      this.availableNow = avail;
      this.opts.onAvailabilityChange?.(avail);
    }
  }

  /** Marks a server as failed and moves on to the next one (returns the new current index). */
  failover(from: number, err: string): number {
    this.setUp(from, false, err);
    if (this.current === from) this.current = (from + 1) % this.servers.length;
    return this.current;
  }

  markUp(i: number): void {
    this.setUp(i, true);
  }

  async pingAll(): Promise<void> {
    if (this.closed) return;
    await Promise.all(
      this.servers.map((_, i) =>
        this.unaryAt(i, watchCacheService.CurrentRevision, { prefix: '' }, 1000).then(
          () => this.setUp(i, true),
          (e: Error) => this.setUp(i, false, e.message),
        ),
      ),
    );
  }

  unaryAt<Req, Res>(i: number, m: grpc.MethodDefinition<Req, Res>, req: Req, timeoutMs = this.callTimeoutMs): Promise<Res> {
    const call = () =>
      new Promise<Res>((resolve, reject) => {
        this.clients[i].makeUnaryRequest<Req, Res>(
          m.path,
          m.requestSerialize,
          m.responseDeserialize,
          req,
          traceMetadata(),
          { deadline: Date.now() + timeoutMs },
          (err, res) => (err ? reject(fromServiceError(err)) : resolve(res as Res)),
        );
      });
    // only calls made for a traced request (health pings would start traces of their own)
    if (!tracingEnabled() || !trace.getActiveSpan()) return call();
    return withSpan(`watchcache${m.path.replace(/^\/[^/]+/, '')}`, { 'rpc.system': 'grpc', 'rpc.method': m.path, 'net.peer.name': this.servers[i] }, call, SpanKind.CLIENT);
  }

  /** A unary call on the current server, then on the others on transport errors. */
  async unary<Req, Res>(m: grpc.MethodDefinition<Req, Res>, req: Req, timeoutMs?: number): Promise<Res> {
    let last: unknown;
    for (let n = 0; n < this.servers.length; n++) {
      const i = this.current;
      try {
        const res = await this.unaryAt(i, m, req, timeoutMs);
        this.setUp(i, true);
        return res;
      } catch (e) {
        last = e;
        const code = (e as grpc.ServiceError).code;
        if (code !== grpc.status.UNAVAILABLE && code !== grpc.status.DEADLINE_EXCEEDED) throw e;
        this.failover(i, (e as Error).message);
      }
    }
    throw last;
  }

  list(req: ListRequest): Promise<ListResponse> {
    return this.unary(watchCacheService.List, req);
  }
  waitFreshAt(i: number, req: FreshRequest, timeoutMs: number): Promise<FreshResponse> {
    return this.unaryAt(i, watchCacheService.WaitFresh, req, timeoutMs);
  }
  currentRevisionAt(i: number, req: RevisionRequest): Promise<RevisionResponse> {
    return this.unaryAt(i, watchCacheService.CurrentRevision, req);
  }

  watchAt(i: number, req: WatchRequest): grpc.ClientReadableStream<WatchEvent> {
    const m = watchCacheService.Watch;
    return this.clients[i].makeServerStreamRequest<WatchRequest, WatchEvent>(
      m.path,
      m.requestSerialize,
      m.responseDeserialize as (b: Buffer) => WatchEvent,
      req,
    );
  }

  close(): void {
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    for (const c of this.clients) c.close();
  }
}

export interface RemoteSourceOptions {
  /** freshness handshake deadline (default 3 s) */
  freshTimeoutMs?: number;
  /** pause before reconnecting a stream (default 50 ms, doubling to 1 s across consecutive failures) */
  reconnectDelayMs?: number;
  /**
   * the storage's compaction point for a watch of `prefix` after `afterRev` (see
   * CacheSource.compactedRevision); the replica asks its own etcd client
   */
  compactedRevision?: (prefix: string, afterRev: number) => Promise<number>;
}

/**
 * A CacheSource over the watch-cache service for one resource prefix. The watch is one gRPC
 * stream; when it breaks it is reopened (on the next server after a transport error) from the last
 * revision seen, so the cacher above sees no gap. A 410 from the service, or every server failing
 * in turn, ends the watch with an error: the cacher then ends its watchers with 410 and relists.
 */
export class RemoteSource implements CacheSource {
  /** server the live stream is on (-1: none) */
  private streamServer = -1;
  private warmed = new Set<number>();

  constructor(
    private readonly pool: WatchCachePool,
    readonly prefix: string,
    private readonly opts: RemoteSourceOptions = {},
  ) {}

  async list(): Promise<SourceListResult> {
    const res = await this.pool.list({ key: this.prefix, recursive: true, cacheOnly: true });
    return { revision: Number(res.resourceVersion), items: res.items.map((i) => ({ key: i.key, object: decodeObject(i.object) })) };
  }

  /**
   * Consistent-read handshake on the stream's server: it waits until its cache caught up with etcd,
   * bookmarks this replica's stream at that revision (after every event up to it) and answers it.
   */
  async currentRevision(): Promise<number> {
    const i = this.streamServer;
    if (i < 0) throw new Error('no watch-cache stream');
    const timeout = this.opts.freshTimeoutMs ?? 3000;
    const res = await this.pool.waitFreshAt(i, { prefix: this.prefix, timeoutMs: timeout }, timeout + 1000);
    if (!res.fresh) throw new Error(`watch cache of ${this.prefix} is not fresh`);
    return res.revision;
  }

  compactedRevision(afterRev: number): Promise<number> {
    const fn = this.opts.compactedRevision;
    return fn ? fn(this.prefix, afterRev) : Promise.resolve(0);
  }

  /** re-triggers the bookmark (a full stream buffer drops one); never advances by itself */
  async probe(): Promise<number | undefined> {
    const i = this.streamServer;
    if (i >= 0) await this.pool.waitFreshAt(i, { prefix: this.prefix, timeoutMs: 1000 }, 2000).catch(() => undefined);
    return undefined;
  }

  /** make the other servers hold a cache (and its window) of this prefix, for a gapless failover */
  private warmOthers(except: number): void {
    this.pool.servers.forEach((_, i) => {
      if (i === except || this.warmed.has(i)) return;
      this.pool.waitFreshAt(i, { prefix: this.prefix, timeoutMs: 1000 }, 2000).then(
        () => this.warmed.add(i),
        () => undefined,
      );
    });
  }

  watch(fromRev: number, handler: SourceWatchHandler): { stop(): void } {
    let lastRev = fromRev;
    let stopped = false;
    let call: grpc.ClientReadableStream<WatchEvent> | undefined;
    let failures = 0;
    let timer: NodeJS.Timeout | undefined;
    const baseDelay = this.opts.reconnectDelayMs ?? 50;

    const giveUp = (err: Error) => {
      if (stopped) return;
      stopped = true;
      this.streamServer = -1;
      call?.cancel();
      handler.onError(err);
    };

    const open = (i: number) => {
      if (stopped) return;
      const c = this.pool.watchAt(i, { key: this.prefix, recursive: true, resourceVersion: String(lastRev), progressNotify: true });
      call = c;
      let ended = false;
      const again = (next: number, why: string, transport: boolean) => {
        if (ended || stopped) return;
        ended = true;
        if (this.streamServer === i) this.streamServer = -1;
        if (transport) {
          failures++;
          next = this.pool.failover(i, why);
        }
        // every server failed in turn, and the first one twice more (a dropped connection to a
        // server that is still up must not end every client watch with 410)
        if (failures >= this.pool.servers.length + 2) {
          console.warn(`watch-cache: stream of ${this.prefix} lost (${why}): its watchers end with 410 and relist`);
          giveUp(new StorageError('Unreachable', this.prefix, `no watch-cache server reachable (last: ${why})`));
          return;
        }
        const delay = Math.min(baseDelay * 2 ** Math.max(failures - 1, 0), 1000);
        timer = setTimeout(() => open(next), delay);
        timer.unref?.();
      };
      c.on('metadata', () => {
        if (stopped || ended) return;
        failures = 0;
        this.streamServer = i;
        this.pool.markUp(i);
        this.warmOthers(i);
      });
      c.on('data', (ev: WatchEvent) => {
        if (stopped || ended) return;
        if (ev.type === 'ERROR') {
          const e = ev.error;
          ended = true;
          c.cancel();
          giveUp(
            e?.code === 410
              ? storageErrors.watchExpired(this.prefix, e.requested ?? lastRev, e.current ?? 0)
              : new Error(`watch-cache stream error: ${e?.message ?? 'unknown'}`),
          );
          return;
        }
        if (ev.type === 'BOOKMARK') {
          if (ev.revision > lastRev) lastRev = ev.revision;
          handler.onProgress(ev.revision);
          return;
        }
        if (ev.revision <= lastRev) return; // already delivered (resumed stream)
        lastRev = ev.revision;
        const out: SourceEvent = { type: ev.type, key: ev.key, object: decodeObject(ev.object ?? Buffer.from('{}')), rev: ev.revision };
        if (ev.prevObject) out.prevObject = decodeObject(ev.prevObject);
        handler.onEvents([out]);
      });
      c.on('error', () => undefined); // handled through 'status'
      c.on('status', (st: grpc.StatusObject) => {
        if (stopped || ended) return;
        if (st.code === grpc.status.OK) {
          // ended cleanly (the stream was too slow, or the server is draining): resume
          again(i, 'stream ended', false);
          return;
        }
        // the server went away or refused: resume from lastRev on the next server
        again(i, st.details || `status ${st.code}`, true);
      });
    };

    open(this.pool.currentIndex);
    return {
      stop: () => {
        stopped = true;
        if (timer) clearTimeout(timer);
        this.streamServer = -1;
        call?.cancel();
      },
    };
  }
}
