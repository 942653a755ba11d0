/**
 * A keyed change feed of the SQLite log for in-process caches (libs/cacher SqliteSource): like a
 * recursive SqliteWatch, but each event carries its storage key (relative to the backend prefix),
 * and delivery is synchronous: once live, the listener is called from the notifier right after each
 * commit, before the write returns. Rows outside the prefix are reported as progress, so a consumer
 * that applied everything it was given is at the log's current revision (exact freshness).
 *
 * Replay of the rows after `fromRev` starts in a microtask (never inside the tail() call), in
 * windows of `pageSize` revisions per tick; the switch to live happens in the same synchronous step
 * as the last replay read (no gap, no duplicate). A start below the compaction point (fromRev < C - 1)
 * or an exception thrown by the listener ends the tail with onError.
 */
import { StorageEvent } from '../interface';
import { storageErrors } from '../errors';
import { rowToEvent } from './events';
import { LogRow, NameRange, SqliteLog } from './log';
import { Notifier } from './notifier';

export interface SqliteKeyedEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  /** storage key relative to the backend prefix, e.g. '/configmaps/ns/a' */
  key: string;
  object: StorageEvent['object'];
  prevObject?: StorageEvent['object'];
  /** the revision (log row id) of this change */
  rev: number;
}

export interface SqliteTailListener {
  /** changes under the prefix, in revision order */
  onEvents(events: SqliteKeyedEvent[]): void;
  /** every change under the prefix up to `rev` has been delivered */
  onProgress(rev: number): void;
  /** the tail is over (compacted start, listener failure, storage closed) */
  onError(err: Error): void;
}

export interface SqliteTailParams {
  log: SqliteLog;
  notifier: Notifier;
  /** the caller's prefix (for errors) */
  key: string;
  /** full prefix, ending in '/' */
  fullPrefix: string;
  range: NameRange;
  /** characters to drop from a full name to get the relative key (backend prefix minus its '/') */
  strip: number;
  fromRev: number;
  pageSize: number;
  listener: SqliteTailListener;
  onStop?: () => void;
}

export class SqliteTail {
  private readonly unsubscribe: () => void;
  private stopped = false;
  private live = false;
  /** every row up to this revision has been seen */
  private lastRev: number;

  constructor(private readonly p: SqliteTailParams) {
    this.lastRev = p.fromRev;
    this.unsubscribe = p.notifier.subscribe((row) => this.onRow(row));
    queueMicrotask(() => this.step());
  }

  get ended(): boolean {
    return this.stopped;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.unsubscribe();
    this.p.onStop?.();
  }

  /** Ends the tail with an error (e.g. the storage is closing). */
  fail(err: unknown): void {
    if (this.stopped) return;
    this.stop();
    try {
      this.p.listener.onError(err instanceof Error ? err : new Error(String(err)));
    } catch {
      /* the listener's problem; never the writer's */
    }
  }

  private toEvent(row: LogRow): SqliteKeyedEvent {
    const ev = rowToEvent(row);
    const out: SqliteKeyedEvent = { type: ev.type as SqliteKeyedEvent['type'], key: row.name.slice(this.p.strip), object: ev.object, rev: row.id };
    if (ev.prevObject) out.prevObject = ev.prevObject;
    return out;
  }

  private step(): void {
    try {
      this.catchUp();
    } catch (e) {
      this.fail(e);
    }
  }

  private catchUp(): void {
    if (this.stopped) return;
    const log = this.p.log;
    const compacted = log.compactRevision;
    if (this.lastRev < compacted - 1) {
      this.fail(storageErrors.watchExpired(this.p.key, this.lastRev, compacted));
      return;
    }
    const current = log.currentRevision;
    const upTo = Math.min(this.lastRev + this.p.pageSize, current);
    if (upTo > this.lastRev) {
      const events = log.rowsBetween(this.p.range, this.lastRev, upTo).map((r) => this.toEvent(r));
      this.lastRev = upTo;
      if (events.length > 0) this.p.listener.onEvents(events);
      if (this.stopped) return;
      if (events.length === 0 || events[events.length - 1].rev < upTo) this.p.listener.onProgress(upTo);
      if (this.stopped) return;
    }
    if (this.lastRev >= log.currentRevision) {
      this.live = true;
      return;
    }
    setImmediate(() => this.step());
  }

  private onRow(row: LogRow): void {
    if (this.stopped || !this.live || row.id <= this.lastRev) return;
    this.lastRev = row.id;
    try {
      if (row.name.startsWith(this.p.fullPrefix)) this.p.listener.onEvents([this.toEvent(row)]);
      else this.p.listener.onProgress(row.id);
    } catch (e) {
      this.fail(e);
    }
  }
}
