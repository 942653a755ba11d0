/**
 * A replica's client watch filtered by the watch-cache service: one gRPC Watch stream carrying the
 * watch's Selector (label selector, metadata field selector, namespace), so the service sends only
 * the events of the selection (with upstream's ADDED/DELETED transitions). The stream always asks
 * for progress, so its last revision moves on even while the selection hides every change; when
 * the stream ends (fell behind, server draining) it is reopened from that revision, after a
 * transport error on the next server; every server failing in turn ends the watch with ERROR
 * Unreachable, a 410 from the service with ERROR Expired (the client relists).
 */
import * as grpc from '@grpc/grpc-js';
import { KObject } from '../../apimachinery/src/types';
import { storageErrors } from '../../storage/src/errors';
import { StorageError, StorageEvent, Watcher, WatchSelector } from '../../storage/src/interface';
import { WatchCachePool } from './client';
import { decodeObject, WatchEvent } from './proto';

export interface SelectorWatchOptions {
  /** resource key (sub-)prefix or one key, relative to the etcd prefix */
  key: string;
  recursive: boolean;
  /** changes after this revision ('' / '0': the current state first) */
  resourceVersion: string;
  selector: WatchSelector;
  /** hand BOOKMARKs to the caller */
  progressNotify: boolean;
  /** pause before reconnecting (default 50 ms, doubling to 1 s) */
  reconnectDelayMs?: number;
}

/** gRPC streams pause above this many undelivered events (resume below a tenth of it) */
const HIGH_WATER = 1000;

export function selectorWatch(pool: WatchCachePool, o: SelectorWatchOptions): Watcher {
  const queue: StorageEvent[] = [];
  let waiter: ((r: IteratorResult<StorageEvent>) => void) | undefined;
  let finished = false;
  let stopped = false;
  let call: grpc.ClientReadableStream<WatchEvent> | undefined;
  let paused = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let rv = o.resourceVersion;
  const baseDelay = o.reconnectDelayMs ?? 50;

  const push = (ev: StorageEvent) => {
    if (finished) return;
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w({ value: ev, done: false });
      return;
    }
    queue.push(ev);
    if (queue.length >= HIGH_WATER && call && !paused) {
      paused = true;
      call.pause();
    }
  };
  const finish = (err?: Error) => {
    if (finished) return;
    if (err) push({ type: 'ERROR', object: { metadata: {} }, error: err });
    finished = true;
    if (timer) clearTimeout(timer);
    call?.cancel();
    if (waiter && queue.length === 0) {
      const w = waiter;
      waiter = undefined;
      w({ value: undefined, done: true });
    }
  };

  const open = (i: number) => {
    if (finished) return;
    const c = pool.watchAt(i, { key: o.key, recursive: o.recursive, resourceVersion: rv, progressNotify: true, selector: o.selector });
    call = c;
    paused = false;
    let ended = false;
    const again = (why: string, transport: boolean) => {
      if (ended || finished) return;
      ended = true;
      let next = i;
      if (transport) {
        failures++;
        next = pool.failover(i, why);
      }
      if (failures >= pool.servers.length) {
        finish(new StorageError('Unreachable', o.key, `no watch-cache server reachable (last: ${why})`));
        return;
      }
      const delay = Math.min(baseDelay * 2 ** Math.max(failures - 1, 0), 1000);
      timer = setTimeout(() => open(next), delay);
      timer.unref?.();
    };
    c.on('metadata', () => {
      if (ended || finished) return;
      failures = 0;
      pool.markUp(i);
    });
    c.on('data', (ev: WatchEvent) => {
      if (ended || finished) return;
      if (ev.type === 'ERROR') {
        ended = true;
        const e = ev.error;
        const n = /^[0-9]+$/.test(rv) ? Number(rv) : 0;
        finish(
          e?.code === 410
            ? storageErrors.watchExpired(o.key, e.requested ?? n, e.current ?? 0)
            : new Error(`watch-cache stream error: ${e?.message ?? 'unknown'}`),
        );
        return;
      }
      if (ev.type === 'BOOKMARK') {
        if (!/^[0-9]+$/.test(rv) || ev.revision > Number(rv)) rv = String(ev.revision);
        if (o.progressNotify) push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(ev.revision) } } });
        return;
      }
      if (/^[0-9]+$/.test(rv) && Number(rv) > 0 && ev.revision <= Number(rv)) return; // resumed: already delivered
      rv = String(ev.revision);
      const out: StorageEvent = { type: ev.type, object: decodeObject(ev.object ?? Buffer.from('{}')) as KObject };
      if (ev.prevObject) out.prevObject = decodeObject(ev.prevObject) as KObject;
      push(out);
    });
    c.on('error', () => undefined); // handled through 'status'
    c.on('status', (st: grpc.StatusObject) => {
      if (ended || finished) return;
      if (st.code === grpc.status.OK) again('stream ended', false);
      else if (st.code === grpc.status.INVALID_ARGUMENT) {
        ended = true;
        finish(new Error(`watch-cache refused the watch: ${st.details}`));
      } else again(st.details || `status ${st.code}`, true);
    });
  };

  open(pool.currentIndex);

  const stop = () => {
    stopped = true;
    queue.length = 0;
    finish();
  };
  return {
    stop,
    [Symbol.asyncIterator]: () => ({
      next: (): Promise<IteratorResult<StorageEvent>> => {
        const ev = queue.shift();
        if (ev) {
          if (paused && queue.length < HIGH_WATER / 10) {
            paused = false;
            call?.resume();
          }
          return Promise.resolve({ value: ev, done: false });
        }
        if (finished || stopped) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (waiter = resolve));
      },
      return: async (): Promise<IteratorResult<StorageEvent>> => {
        stop();
        return { value: undefined, done: true };
      },
    }),
  };
}
