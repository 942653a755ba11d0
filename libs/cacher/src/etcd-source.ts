/**
 * A CacheSource reading etcd directly through an EtcdStorage's client: keys come with the data,
 * the watch has prevKV and progress notifications, and `probe` confirms freshness with one
 * keys-only range (min_mod_revision) instead of trusting progress notifications, which etcd
 * before 3.4.31/3.5.13 may send ahead of pending events (etcd #15220).
 */
import { IDuplexStream, IEvent, IRangeRequest, IWatchRequest, IWatchResponse } from 'etcd3';
import { EtcdStorage } from '../../storage/src/etcd/etcd-storage';
import { decodeObject } from '../../storage/src/etcd/codec';
import { prefixRangeEnd } from '../../storage/src/etcd/keys';
import { isCompactedError, isFutureRevisionError } from '../../storage/src/etcd/etcd-errors';
import { storageErrors } from '../../storage/src/errors';
import { CacheSource, SourceEvent, SourceListResult, SourceWatchHandler } from './source';

type WatchStream = IDuplexStream<IWatchRequest, IWatchResponse>;

export class EtcdSource implements CacheSource {
  private readonly full: string;
  private readonly keyBuf: Buffer;
  private readonly rangeEnd: Buffer;
  /** length of the backend prefix minus its trailing '/' (full key -> relative key) */
  private readonly strip: number;

  constructor(
    private readonly storage: EtcdStorage,
    /** relative resource prefix ending in '/', e.g. '/configmaps/' */
    private readonly prefix: string,
    private readonly pageSize = 1000,
  ) {
    this.full = storage.pathPrefix + prefix.slice(1);
    this.keyBuf = Buffer.from(this.full);
    this.rangeEnd = prefixRangeEnd(this.keyBuf);
    this.strip = storage.pathPrefix.length - 1;
  }

  private rel(k: Buffer): string {
    return k.toString('utf8').slice(this.strip);
  }

  async list(): Promise<SourceListResult> {
    const req: IRangeRequest = { key: this.keyBuf, range_end: this.rangeEnd, limit: this.pageSize };
    const items: SourceListResult['items'] = [];
    let rev = 0;
    for (;;) {
      const resp = await this.storage.client.kv.range(req);
      if (rev === 0) {
        rev = Number(resp.header.revision);
        req.revision = rev;
      }
      for (const kv of resp.kvs) items.push({ key: this.rel(kv.key), object: decodeObject(kv.value, kv.mod_revision, kv.key.toString('utf8')) });
      if (!resp.more || resp.kvs.length === 0) return { revision: rev, items };
      req.key = Buffer.concat([resp.kvs[resp.kvs.length - 1].key, Buffer.from([0])]);
    }
  }

  watch(fromRev: number, handler: SourceWatchHandler): { stop(): void } {
    let stream: WatchStream | undefined;
    let stopped = false;
    const fail = (err: Error) => {
      if (stopped) return;
      stopped = true;
      if (stream) closeStream(stream);
      handler.onError(err);
    };
    void (async () => {
      try {
        stream = await this.storage.client.watchClient.watch();
      } catch (e) {
        fail(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      if (stopped) {
        closeStream(stream);
        return;
      }
      const s = stream;
      s.on('data', (res: IWatchResponse) => {
        if (stopped) return;
        const compactRev = Number(res.compact_revision ?? 0);
        if (compactRev > 0) return fail(storageErrors.watchExpired(this.prefix, fromRev, compactRev));
        if (res.canceled) return fail(new Error(`etcd watch canceled: ${res.cancel_reason || 'unknown reason'}`));
        if (res.created) return;
        const evs = res.events;
        if (evs === undefined || evs.length === 0) {
          handler.onProgress(Number(res.header.revision));
          return;
        }
        let out: SourceEvent[];
        try {
          out = evs.map((ev) => this.toEvent(ev));
        } catch (e) {
          return fail(e as Error);
        }
        handler.onEvents(out);
      });
      s.on('error', (err: Error) => fail(err));
      s.on('end', () => fail(new Error('etcd watch stream ended')));
      s.write({
        create_request: { key: this.keyBuf, range_end: this.rangeEnd, start_revision: fromRev + 1, prev_kv: true, progress_notify: true },
      });
    })();
    return {
      stop: () => {
        stopped = true;
        if (stream) closeStream(stream);
      },
    };
  }

  private toEvent(ev: IEvent): SourceEvent {
    const kv = ev.kv;
    const prev = ev.prev_kv;
    const key = this.rel(kv.key);
    const full = kv.key.toString('utf8');
    const rev = Number(kv.mod_revision);
    if (ev.type === 'Put' || (ev.type as unknown) === 0) {
      const object = decodeObject(kv.value, kv.mod_revision, full);
      if (kv.create_revision === kv.mod_revision) return { type: 'ADDED', key, object, rev };
      const out: SourceEvent = { type: 'MODIFIED', key, object, rev };
      if (prev) out.prevObject = decodeObject(prev.value, prev.mod_revision, full);
      return out;
    }
    if (!prev) throw new Error(`etcd event received with PrevKv=nil (key=${JSON.stringify(key)}, modRevision=${kv.mod_revision}, type=DELETE)`);
    return {
      type: 'DELETED',
      key,
      object: decodeObject(prev.value, kv.mod_revision, full),
      prevObject: decodeObject(prev.value, prev.mod_revision, full),
      rev,
    };
  }

  async currentRevision(): Promise<number> {
    return this.storage.currentRevision();
  }

  compactedRevision(afterRev: number): Promise<number> {
    return etcdCompactedRevision(this.storage, afterRev, this.keyBuf);
  }

  /**
   * One keys-only range at the latest revision R returning only keys modified after `sinceRev`:
   * none, and as many keys as the cache held at `sinceRev` (so nothing was deleted), means the
   * prefix is unchanged in (sinceRev, R].
   */
  async probe(sinceRev: number, count: number): Promise<number | undefined> {
    const resp = await this.storage.client.kv.range({
      key: this.keyBuf,
      range_end: this.rangeEnd,
      keys_only: true,
      min_mod_revision: sinceRev + 1,
    });
    if (resp.kvs.length > 0 || Number(resp.count) !== count) return undefined;
    return Number(resp.header.revision);
  }
}

/**
 * etcd's compaction point as it matters for a watch of changes after `afterRev` (start revision
 * afterRev + 1): 0 when that history is still there, else the compacted revision C (> afterRev + 1).
 * One count-only range at afterRev + 1; only when it fails as compacted, a short-lived watch from
 * revision 1 learns the exact C (etcd reports it in `compact_revision`).
 */
export async function etcdCompactedRevision(storage: EtcdStorage, afterRev: number, key: Buffer = Buffer.from(storage.pathPrefix)): Promise<number> {
  try {
    await storage.client.kv.range({ key, range_end: prefixRangeEnd(key), revision: afterRev + 1, count_only: true, limit: 1 });
    return 0;
  } catch (e) {
    if (isFutureRevisionError(e)) return 0;
    if (!isCompactedError(e)) throw e;
  }
  const atLeast = afterRev + 2;
  let stream: WatchStream | undefined;
  try {
    stream = await storage.client.watchClient.watch();
    const s = stream;
    const exact = await new Promise<number>((resolve) => {
      const t = setTimeout(() => resolve(atLeast), 2000);
      const done = (v: number) => {
        clearTimeout(t);
        resolve(v);
      };
      s.on('data', (res: IWatchResponse) => {
        const c = Number(res.compact_revision ?? 0);
        if (c > 0) done(c);
        else if (res.canceled) done(atLeast);
      });
      s.on('error', () => done(atLeast));
      s.on('end', () => done(atLeast));
      s.write({ create_request: { key, start_revision: 1 } });
    });
    return Math.max(exact, atLeast);
  } catch {
    return atLeast;
  } finally {
    if (stream) closeStream(stream);
  }
}

function closeStream(s: WatchStream): void {
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
