/**
 * One client watch on a Cacher: first its initial events (synthetic ADDED or replayed history,
 * held as a snapshot array), then live events through a bounded buffer.
 *
 * The cacher never waits for a watcher: `offer` only appends. A buffer above `bufferSize` starts a
 * time budget; still above it when the budget runs out, or ever reaching `maxBuffered`, the
 * watcher is terminated (buffered events dropped, iteration ends without an ERROR, as upstream
 * closes an unresponsive watcher; the client resumes from the last resourceVersion it saw).
 * Bookmarks are only added while the buffer is below `bufferSize`.
 */
import { KObject } from '../../apimachinery/src/types';
import { errorStatusObject } from '../../storage/src/errors';
import { StorageEvent, Watcher, WatchSink } from '../../storage/src/interface';
import { SourceEvent } from './source';

export interface WatcherFilter {
  /** recursive: keys starting with this prefix (ends in '/') */
  prefix?: string;
  /** non-recursive: exactly this key */
  key?: string;
  predicate?: (obj: KObject) => boolean;
}

export interface CacheWatcherLimits {
  bufferSize: number;
  maxBuffered: number;
  budgetMs: number;
}

export class CacheWatcher implements Watcher, AsyncIterator<StorageEvent> {
  /** events after this revision are delivered */
  startRev = 0;
  /** revision of the last event or bookmark offered */
  lastRev = 0;
  registered = false;
  /** starts with synthetic ADDED events for the current state */
  wantInitial = false;
  private initial: StorageEvent[] = [];
  private ii = 0;
  private buf: (StorageEvent | undefined)[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<StorageEvent>) => void) | undefined;
  /** no more events will be added (buffered ones are still delivered) */
  private finished = false;
  private stopped = false;
  private budgetTimer: NodeJS.Timeout | undefined;
  /** push mode (see push()): live events go straight to the sink */
  private sink: WatchSink<StorageEvent> | undefined;

  constructor(
    readonly filter: WatcherFilter,
    readonly progressNotify: boolean,
    private readonly limits: CacheWatcherLimits,
    /** called once when the watcher leaves (stop, terminate, fail) */
    private readonly onClose: (w: CacheWatcher, terminated: boolean) => void,
  ) {}

  get closed(): boolean {
    return this.finished;
  }

  /** live events buffered and not yet consumed */
  get buffered(): number {
    return this.buf.length - this.head;
  }

  matchesKey(key: string): boolean {
    const f = this.filter;
    return f.key !== undefined ? key === f.key : key.startsWith(f.prefix ?? '');
  }

  /** The event this watcher should see for a change (selector transitions applied), or null. */
  translate(ev: SourceEvent): StorageEvent | null {
    if (!this.matchesKey(ev.key)) return null;
    const pred = this.filter.predicate;
    // `shared`: the same source event for every watcher, so the serving side encodes it once
    const out: StorageEvent = { type: ev.type, object: ev.object, shared: ev };
    if (ev.prevObject) out.prevObject = ev.prevObject;
    if (!pred) return out;
    const cur = pred(ev.object);
    if (ev.type === 'ADDED') return cur ? out : null;
    const prev = ev.prevObject ? pred(ev.prevObject) : false;
    if (ev.type === 'DELETED') return prev || cur ? out : null;
    if (cur && prev) return out;
    if (cur) return { type: 'ADDED', object: ev.object };
    if (prev) return { type: 'DELETED', object: ev.object, prevObject: ev.prevObject };
    return null;
  }

  setInitial(events: StorageEvent[]): void {
    this.initial = events;
    this.ii = 0;
    this.wake();
  }

  /** A live change (already known to be after startRev). */
  offer(ev: SourceEvent): void {
    if (this.finished) return;
    this.lastRev = ev.rev;
    const out = this.translate(ev);
    if (out) this.enqueue(out);
  }

  bookmark(rev: number): void {
    if (this.finished || !this.progressNotify || rev < this.startRev) return;
    if (this.buffered >= this.limits.bufferSize) return; // dropped, never blocks
    this.lastRev = rev;
    this.enqueue({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(rev) } } });
  }

  /** One ERROR event after what is buffered, then the end. */
  fail(err: Error): void {
    if (this.finished) return;
    const ev: StorageEvent = { type: 'ERROR', object: errorStatusObject(err), error: err };
    if (this.sink) this.sink.event(ev);
    else this.buf.push(ev);
    this.finish();
  }

  /**
   * Push mode: once the initial events were consumed, nothing is buffered and nobody waits on the
   * iterator, live events are handed to `sink` synchronously (no buffer, no promise per event).
   */
  push(sink: WatchSink<StorageEvent>): boolean {
    if (this.sink || this.waiter || this.ii < this.initial.length || this.buffered > 0) return false;
    if (this.finished) {
      sink.end();
      return true;
    }
    this.sink = sink;
    return true;
  }

  private enqueue(ev: StorageEvent): void {
    if (this.sink) {
      this.sink.event(ev);
      return;
    }
    if (this.waiter && this.ii >= this.initial.length && this.buffered === 0) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: ev, done: false });
      return;
    }
    this.buf.push(ev);
    const n = this.buffered;
    if (n >= this.limits.maxBuffered) {
      this.terminate();
      return;
    }
    if (n > this.limits.bufferSize && this.budgetTimer === undefined) {
      this.budgetTimer = setTimeout(() => {
        this.budgetTimer = undefined;
        if (this.buffered > this.limits.bufferSize) this.terminate();
      }, this.limits.budgetMs);
      this.budgetTimer.unref?.();
    }
  }

  /** Forced close of an unresponsive watcher: buffered events are dropped. */
  terminate(): void {
    if (this.finished) return;
    this.dropAll();
    this.finish(true);
  }

  stop(): void {
    if (this.stopped) return;
    this.dropAll();
    this.finish();
  }

  private dropAll(): void {
    this.initial = [];
    this.ii = 0;
    this.buf = [];
    this.head = 0;
  }

  private finish(terminated = false): void {
    if (this.budgetTimer !== undefined) clearTimeout(this.budgetTimer);
    this.budgetTimer = undefined;
    const first = !this.finished;
    this.finished = true;
    const sink = this.sink;
    this.sink = undefined;
    sink?.end();
    if (this.ii >= this.initial.length && this.buffered === 0) this.stopped = true;
    this.wake();
    if (first) this.onClose(this, terminated);
  }

  private wake(): void {
    const w = this.waiter;
    if (!w) return;
    const r = this.take();
    if (r === undefined && !this.finished) return;
    this.waiter = undefined;
    w(r === undefined ? { value: undefined, done: true } : { value: r, done: false });
  }

  private take(): StorageEvent | undefined {
    if (this.ii < this.initial.length) {
      const ev = this.initial[this.ii];
      this.initial[this.ii++] = undefined as unknown as StorageEvent;
      if (this.ii === this.initial.length) {
        this.initial = [];
        this.ii = 0;
      }
      return ev;
    }
    if (this.head < this.buf.length) {
      const ev = this.buf[this.head];
      this.buf[this.head++] = undefined;
      if (this.head === this.buf.length) {
        this.buf = [];
        this.head = 0;
      } else if (this.head >= 256 && this.head * 2 >= this.buf.length) {
        this.buf = this.buf.slice(this.head);
        this.head = 0;
      }
      if (this.budgetTimer !== undefined && this.buffered <= this.limits.bufferSize) {
        clearTimeout(this.budgetTimer);
        this.budgetTimer = undefined;
      }
      return ev;
    }
    return undefined;
  }

  next(): Promise<IteratorResult<StorageEvent>> {
    const ev = this.take();
    if (ev !== undefined) return Promise.resolve({ value: ev, done: false });
    if (this.finished) {
      this.stopped = true;
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<StorageEvent>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<StorageEvent> {
    return this;
  }
}
