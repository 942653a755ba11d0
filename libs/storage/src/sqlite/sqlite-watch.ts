/**
 * One storage watch on the SQLite log.
 *
 * - startRev 0: the current state is sent first as ADDED events (read at the current revision),
 *   then changes after that revision.
 * - startRev N: the rows after N are replayed from the table in pages, then the watch goes live on
 *   the in-process notifier. Each page is read synchronously and the switch to live happens in the
 *   same tick as the last (short) page, so no commit can fall between replay and live; live rows
 *   at or below the last delivered revision are dropped. Nothing is lost or repeated.
 * - A start revision below the compaction point: one ERROR event (StorageError 'Expired'), then
 *   the end, as the etcd backend.
 */
import { StorageEvent, Watcher } from '../interface';
import { EventQueue } from '../event-queue';
import { errorStatusObject, storageErrors } from '../errors';
import { decodeObject } from '../etcd/codec';
import { rowToEvent } from './events';
import { LogRow, NameRange, SqliteLog } from './log';
import { Notifier } from './notifier';

export interface SqliteWatchParams {
  log: SqliteLog;
  notifier: Notifier;
  /** the caller's key (for errors) */
  key: string;
  /** full key, or full prefix (ending in '/') when recursive */
  fullKey: string;
  recursive: boolean;
  range: NameRange;
  /** 0 = send the current state first */
  startRev: number;
  progressNotify: boolean;
  /** revisions per replay page */
  pageSize: number;
  onStop?: () => void;
}

export class SqliteWatch implements Watcher {
  private readonly queue: EventQueue<StorageEvent>;
  private readonly unsubscribe: () => void;
  private stopped = false;
  private live = false;
  /** every event up to this revision has been delivered */
  private lastRev = 0;

  constructor(private readonly p: SqliteWatchParams) {
    this.queue = new EventQueue<StorageEvent>(() => this.stop());
    this.unsubscribe = p.notifier.subscribe((row) => this.onRow(row));
    try {
      if (p.startRev === 0) this.sendInitialState();
      else this.lastRev = p.startRev;
      this.catchUp();
    } catch (e) {
      this.fail(e);
    }
  }

  /** true once stopped or ended by an ERROR */
  get ended(): boolean {
    return this.stopped;
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

  /** A progress notification: everything up to `rev` was delivered (only live watches get one). */
  progress(rev: number): void {
    if (this.stopped || !this.live || !this.p.progressNotify) return;
    if (rev > this.lastRev) this.lastRev = rev;
    this.queue.push({ type: 'BOOKMARK', object: { metadata: { resourceVersion: String(this.lastRev) } } });
  }

  private shutdown(): void {
    this.unsubscribe();
    this.p.onStop?.();
  }

  private matches(name: string): boolean {
    return this.p.recursive ? name.startsWith(this.p.fullKey) : name === this.p.fullKey;
  }

  private sendInitialState(): void {
    const rev = this.p.log.currentRevision;
    for (const r of this.p.log.liveAt(this.p.range, rev)) {
      this.queue.push({ type: 'ADDED', object: decodeObject(r.value, String(r.id), r.name.toString('utf8')) });
    }
    this.lastRev = rev;
  }

  /** Replays the next window of revisions after lastRev; goes live once caught up, else continues next tick. */
  private catchUp(): void {
    if (this.stopped) return;
    const log = this.p.log;
    const compacted = log.compactRevision;
    // rows <= the compaction revision may be gone; the row at it is always kept
    if (this.lastRev < compacted - 1) {
      this.fail(storageErrors.watchExpired(this.p.key, this.lastRev, compacted));
      return;
    }
    // a window of at most pageSize revisions per tick, however few of them match
    const current = log.currentRevision;
    const upTo = Math.min(this.lastRev + this.p.pageSize, current);
    if (upTo > this.lastRev) {
      for (const row of log.rowsBetween(this.p.range, this.lastRev, upTo)) this.queue.push(rowToEvent(row));
      this.lastRev = upTo;
    }
    if (this.lastRev >= current) {
      this.live = true;
      return;
    }
    setImmediate(() => {
      try {
        this.catchUp();
      } catch (e) {
        this.fail(e);
      }
    });
  }

  private onRow(row: LogRow): void {
    if (this.stopped || !this.live || row.id <= this.lastRev) return;
    this.lastRev = row.id;
    if (!this.matches(row.name)) return;
    try {
      this.queue.push(rowToEvent(row));
    } catch (e) {
      this.fail(e);
    }
  }

  /** One ERROR event, then the end. */
  private fail(err: unknown): void {
    if (this.stopped) return;
    const error = err instanceof Error ? err : new Error(String(err));
    this.queue.push({ type: 'ERROR', object: errorStatusObject(error), error });
    this.queue.finish();
    this.stopped = true;
    this.shutdown();
  }
}
