/**
 * One storage watch on etcd, over its own gRPC Watch stream (etcd3's raw WatchClient: the
 * high-level Watcher of the etcd3 package hides compaction revisions and progress notifications).
 *
 * - startRev 0: the current state is read first (paged, at one revision) and sent as ADDED events,
 *   then changes after that revision follow.
 * - startRev N: changes after N (etcd watch from N+1, with prevKV).
 * - Compaction -> one ERROR event (StorageError 'Expired'), then the stream ends.
 * - Stream failures are retried from the last delivered revision (so nothing is lost or repeated);
 *   after `maxRetryMs` of failing, one ERROR (StorageError 'Unreachable') ends the stream.
 */
import { Etcd3, IDuplexStream, IEvent, IRangeRequest, IWatchRequest, IWatchResponse } from 'etcd3';
import { KObject } from '../../../apimachinery/src/types';
import { StorageEvent, Watcher } from '../interface';
import { EventQueue } from '../event-queue';
import { errorStatusObject, storageErrors } from '../errors';
import { decodeObject } from './codec';
import { isCompactedError, isUnreachableError } from './etcd-errors';

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

export interface EtcdWatchParams {
  client: Etcd3;
  /** the caller's key (for errors) */
  key: string;
  /** full key, or full prefix when rangeEnd is set */
  fullKey: string;
  rangeEnd?: Buffer;
  /** 0 = send the current state first */
  startRev: number;
  /** initial state may be read serializably (resourceVersion '0') */
  serializableInitialRead: boolean;
  progressNotify: boolean;
  /** page size for the initial state read */
  pageSize: number;
  /** give up after failing to (re)connect for this long (default 30s) */
  maxRetryMs?: number;
  onStop?: () => void;
}

const MIN_BACKOFF_MS = 50;
const MAX_BACKOFF_MS = 2000;

export class EtcdWatch implements Watcher {
  private readonly queue: EventQueue<StorageEvent>;
  private readonly keyBuf: Buffer;
  private stream: WatchStream | undefined;
  private stopped = false;
  /** last revision whose events were all delivered; the next stream starts after it */
  private lastRev = 0;
  private failingSince = 0;
  private backoffMs = MIN_BACKOFF_MS;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly p: EtcdWatchParams) {
    this.queue = new EventQueue<StorageEvent>(() => this.stop());
    this.keyBuf = Buffer.from(p.fullKey);
    void this.start();
  }

  [Symbol.asyncIterator](): AsyncIterator<StorageEvent> {
    return this.queue;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.queue.abort();
    this.shutdown();
  }

  private shutdown(): void {
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const s = this.stream;
    this.stream = undefined;
    if (s) closeStream(s);
    this.p.onStop?.();
  }

  private async start(): Promise<void> {
    try {
      if (this.p.startRev === 0) await this.sendInitialState();
      else this.lastRev = this.p.startRev;
      if (!this.stopped) await this.connect();
    } catch (e) {
      this.fail(e);
    }
  }

  /** Current state as ADDED events, read in pages at one revision. */
  private async sendInitialState(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const events: StorageEvent[] = [];
      try {
        const rev = await this.readAll(events);
        if (this.stopped) return;
        for (const ev of events) this.queue.push(ev);
        this.lastRev = rev;
        return;
      } catch (e) {
        // the pinned revision got compacted between pages: read again from the latest
        if (!isCompactedError(e) || attempt >= 3) throw e;
      }
    }
  }

  private async readAll(out: StorageEvent[]): Promise<number> {
    const req: IRangeRequest = {
      key: this.keyBuf,
      range_end: this.p.rangeEnd,
      limit: this.p.rangeEnd ? this.p.pageSize : 0,
      serializable: this.p.serializableInitialRead,
    };
    let rev = 0;
    for (;;) {
      const resp = await this.p.client.kv.range(req);
      if (this.stopped) return rev;
      if (rev === 0) {
        rev = Number(resp.header.revision);
        req.revision = rev;
        req.serializable = false;
      }
      for (const kv of resp.kvs) {
        out.push({ type: 'ADDED', object: decodeObject(kv.value, kv.mod_revision, kv.key.toString('utf8')) });
      }
      if (!resp.more || resp.kvs.length === 0) return rev;
      req.key = Buffer.concat([resp.kvs[resp.kvs.length - 1].key, Buffer.from([0])]);
    }
  }

  private async connect(): Promise<void> {
    this.retryTimer = undefined;
    let stream: WatchStream;
    try {
      stream = await this.p.client.watchClient.watch();
    } catch (e) {
      this.retry(e);
      return;
    }
    if (this.stopped) {
      closeStream(stream);
      return;
    }
    this.stream = stream;
    stream.on('data', (res) => {
      if (stream === this.stream) this.onResponse(stream, res);
    });
    stream.on('error', (err) => {
      if (stream === this.stream) this.onStreamFailure(stream, err);
    });
    stream.on('end', () => {
      if (stream === this.stream) this.onStreamFailure(stream, new Error('etcd watch stream ended'));
    });
    stream.write({
      create_request: {
        key: this.keyBuf,
        range_end: this.p.rangeEnd,
        start_revision: this.lastRev + 1,
        prev_kv: true,
        progress_notify: this.p.progressNotify,
      },
    });
  }

  private onResponse(stream: WatchStream, res: IWatchResponse): void {
    const compactRev = Number(res.compact_revision ?? 0);
    if (compactRev > 0) {
      this.fail(storageErrors.watchExpired(this.p.key, this.lastRev, compactRev));
      return;
    }
    if (res.canceled) {
      this.onStreamFailure(stream, new Error(`etcd watch canceled: ${res.cancel_reason || 'unknown reason'}`));
      return;
    }
    if (res.created) {
      this.failingSince = 0;
      this.backoffMs = MIN_BACKOFF_MS;
      return;
    }
    const events = res.events;
    if (events === undefined || events.length === 0) {
      // progress notification: every event up to header.revision has been sent
      const rev = Number(res.header.revision);
      if (rev > this.lastRev) this.lastRev = rev;
      if (this.p.progressNotify) {
        this.queue.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: res.header.revision } } });
      }
      return;
    }
    try {
      for (const ev of events) this.queue.push(this.toStorageEvent(ev));
    } catch (e) {
      this.fail(e);
      return;
    }
    const rev = Number(events[events.length - 1].kv.mod_revision);
    if (rev > this.lastRev) this.lastRev = rev;
  }

  private toStorageEvent(ev: IEvent): StorageEvent {
    const kv = ev.kv;
    const prev = ev.prev_kv;
    const where = kv.key.toString('utf8');
    if (ev.type === 'Put' || (ev.type as unknown) === 0) {
      const object = decodeObject(kv.value, kv.mod_revision, where);
      if (kv.create_revision === kv.mod_revision) return { type: 'ADDED', object };
      const out: StorageEvent = { type: 'MODIFIED', object };
      if (prev) out.prevObject = decodeObject(prev.value, prev.mod_revision, where);
      return out;
    }
    if (!prev) {
      throw new Error(`etcd event received with PrevKv=nil (key=${JSON.stringify(where)}, modRevision=${kv.mod_revision}, type=DELETE)`);
    }
    const object: KObject = decodeObject(prev.value, kv.mod_revision, where);
    return { type: 'DELETED', object, prevObject: decodeObject(prev.value, prev.mod_revision, where) };
  }

  private onStreamFailure(stream: WatchStream, err: unknown): void {
    if (this.stopped) return;
    this.stream = undefined;
    closeStream(stream);
    this.retry(err);
  }

  private retry(err: unknown): void {
    if (this.stopped) return;
    if (isCompactedError(err)) {
      this.fail(err);
      return;
    }
    const now = Date.now();
    if (this.failingSince === 0) this.failingSince = now;
    if (now - this.failingSince > (this.p.maxRetryMs ?? 30_000)) {
      const msg = err instanceof Error ? err.message : String(err);
      this.fail(isUnreachableError(err) ? storageErrors.unreachable(this.p.key, this.p.fullKey, msg) : err);
      return;
    }
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  /** One ERROR event, then the end. */
  private fail(err: unknown): void {
    if (this.stopped) return;
    const error = err instanceof Error ? err : new Error(String(err));
    const wrapped = isCompactedError(error) ? storageErrors.watchExpired(this.p.key, this.lastRev, 0) : error;
    this.queue.push({ type: 'ERROR', object: errorStatusObject(wrapped), error: wrapped });
    this.queue.finish();
    this.stopped = true;
    this.shutdown();
  }
}

function closeStream(s: WatchStream): void {
  // end() first: the etcd3 pool only marks the host failed for errors on still-writable streams.
  try {
    s.end();
  } catch {
    /* already closed */
  }
  try {
    s.cancel();
  } catch {
    /* already closed */
  }
}
