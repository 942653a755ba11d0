/**
 * Storage on an embedded SQLite database (better-sqlite3), with the semantics of the etcd backend:
 * objects are JSON under `${prefix}${key}`, resourceVersion is the global revision (the id of the
 * log row that last wrote the key), writes are compare-and-swap on that revision, lists read at one
 * revision with upstream continue tokens, watches replay the log from any uncompacted revision.
 *
 * One process owns the database file (exclusive lock). Every write is one transaction, fsynced
 * (WAL, synchronous = FULL) before the call returns. Nothing compacts by itself: run
 * startPeriodicCompactor (../periodic-compactor) or call compact().
 */
import { KObject } from '../../../apimachinery/src/types';
import {
  CreateOptions,
  DeleteOptions,
  GetOptions,
  ListOptions,
  ListResult,
  Storage,
  StorageError,
  TryUpdate,
  UpdateOptions,
  Watcher,
  WatchOptions,
} from '../interface';
import { encodeContinue } from '../continue-token';
import { EXPIRED_CONTINUE_MESSAGE, EXPIRED_LIST_MESSAGE, InconsistentContinueError, storageErrors } from '../errors';
import { checkPreconditions } from '../preconditions';
import { parseResourceVersion } from '../resource-version';
import { decodeObject, encodeObject, readStoredValue, storedValue } from '../etcd/codec';
import { fullKey, fullPrefix, normalizePrefix, prefixRangeEnd } from '../etcd/keys';
import { KeyState, LogRow, NameRange, SqliteLog } from './log';
import { Notifier } from './notifier';
import { openDatabase, SqliteDatabase } from './schema';
import { SqliteWatch } from './sqlite-watch';
import { SqliteTail, SqliteTailListener } from './sqlite-tail';
import { BackgroundJobs } from './timers';
import { expiryFor, sweepExpired } from './ttl-sweeper';
import { planList } from '../list-plan';

export type { SqliteKeyedEvent, SqliteTailListener } from './sqlite-tail';

export interface SqliteStorageOptions {
  /** database file (its directory is created), or ':memory:' */
  path: string;
  /** key prefix (default '/registry') */
  prefix?: string;
  /** wait this long for a lock held by another process before failing to open, ms (default 5000) */
  busyTimeoutMs?: number;
  /** how often expired TTL keys are deleted, ms (default 1000) */
  ttlSweepIntervalMs?: number;
  /** how often watches with progressNotify get a BOOKMARK, ms (default 5000; 0 = never) */
  progressNotifyIntervalMs?: number;
  /** compare-and-swap attempts before guaranteedUpdate/delete give up (default 100) */
  maxUpdateAttempts?: number;
  /** log rows per watch replay page (default 1000) */
  watchPageSize?: number;
  /** errors of background jobs (TTL sweeper); default: console.error */
  onBackgroundError?: (err: unknown) => void;
}

export class SqliteStorage implements Storage {
  /** the normalised prefix, ending in '/' (e.g. '/registry/') */
  readonly pathPrefix: string;
  readonly path: string;
  private readonly db: SqliteDatabase;
  private readonly log: SqliteLog;
  private readonly notifier = new Notifier();
  private readonly jobs = new BackgroundJobs();
  private readonly watchers = new Set<SqliteWatch>();
  private readonly tails = new Set<SqliteTail>();
  private readonly maxAttempts: number;
  private readonly pageSize: number;
  private closed = false;

  constructor(opts: SqliteStorageOptions) {
    this.path = opts.path;
    this.pathPrefix = normalizePrefix(opts.prefix ?? '/registry');
    this.maxAttempts = opts.maxUpdateAttempts ?? 100;
    this.pageSize = opts.watchPageSize ?? 1000;
    this.db = openDatabase(opts.path, { busyTimeoutMs: opts.busyTimeoutMs });
    this.log = new SqliteLog(this.db);
    const onError = opts.onBackgroundError ?? ((e: unknown) => console.error('sqlite storage:', e));
    sweepExpired(this.log); // keys that expired while nobody had the database open
    this.jobs.every(opts.ttlSweepIntervalMs ?? 1000, () => this.sweep(), onError);
    this.jobs.every(opts.progressNotifyIntervalMs ?? 5000, () => this.sendProgress(), onError);
  }

  async get(key: string, opts?: GetOptions): Promise<KObject> {
    const fk = fullKey(this.pathPrefix, key);
    const minRev = parseResourceVersion(opts?.resourceVersion ?? '', key);
    this.ensureOpen(key, fk);
    const current = this.log.currentRevision;
    if (minRev > current) throw storageErrors.tooLarge(key, minRev, current);
    const state = this.log.latest(fk);
    if (state === undefined || state.deleted) throw storageErrors.keyNotFound(key, fk);
    return decodeObject(state.value, String(state.id), fk);
  }

  async create(key: string, obj: KObject, opts?: CreateOptions): Promise<KObject> {
    const fk = fullKey(this.pathPrefix, key);
    const rv = obj.metadata?.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== '0') {
      throw new StorageError('InvalidObj', key, 'resourceVersion should not be set on objects to be created');
    }
    const data = encodeObject(obj);
    this.ensureOpen(key, fk);
    const row = this.log.transaction(() => {
      const prev = this.log.latest(fk);
      if (prev !== undefined && !prev.deleted) return undefined;
      return this.log.append(
        {
          name: fk,
          created: true,
          deleted: false,
          createRevision: 0,
          prevRevision: prev?.id ?? 0,
          expiresAt: expiryFor(opts?.ttlSeconds),
          value: storedValue(data, fk),
          oldValue: null,
        },
        prev,
      );
    });
    if (row === undefined) throw storageErrors.keyExists(key, fk);
    this.publish([row]);
    return decodeObject(data, String(row.id), fk);
  }

  async guaranteedUpdate(key: string, tryUpdate: TryUpdate, opts?: UpdateOptions): Promise<KObject> {
    const fk = fullKey(this.pathPrefix, key);
    const ignoreNotFound = opts?.ignoreNotFound === true;
    this.ensureOpen(key, fk);
    let state = this.log.latest(fk);
    for (let attempt = 1; ; attempt++) {
      const live = state !== undefined && !state.deleted ? state : undefined;
      if (live === undefined && !ignoreNotFound) throw storageErrors.keyNotFound(key, fk);
      const read = live === undefined ? null : readStoredValue(live.value, fk);
      const raw = read === null ? null : read.data;
      const current = raw === null ? null : decodeObject(raw, String((live as KeyState).id), fk);
      checkPreconditions(opts?.preconditions, key, fk, current);
      const updated = await tryUpdate(current);
      const data = encodeObject(updated);
      // as upstream: a write that would not change the stored bytes is skipped
      if (raw !== null && data === raw && !read?.stale) return decodeObject(raw, String((live as KeyState).id), fk);
      this.ensureOpen(key, fk);
      const seen = state?.id ?? 0;
      const result = this.log.transaction((): { row?: LogRow; now?: KeyState } => {
        const now = this.log.latest(fk);
        if ((now?.id ?? 0) !== seen) return { now };
        const nowLive = now !== undefined && !now.deleted ? now : undefined;
        const row = this.log.append(
          {
            name: fk,
            created: nowLive === undefined,
            deleted: false,
            createRevision: nowLive?.createRevision ?? 0,
            prevRevision: now?.id ?? 0,
            expiresAt: expiryFor(opts?.ttlSeconds),
            value: storedValue(data, fk),
            oldValue: nowLive?.value ?? null,
          },
          now,
        );
        return { row };
      });
      if (result.row !== undefined) {
        this.publish([result.row]);
        return decodeObject(data, String(result.row.id), fk);
      }
      if (attempt >= this.maxAttempts) throw storageErrors.conflict(key, fk);
      state = result.now;
    }
  }

  async delete(key: string, opts?: DeleteOptions): Promise<KObject> {
    const fk = fullKey(this.pathPrefix, key);
    this.ensureOpen(key, fk);
    let state = this.log.latest(fk);
    for (let attempt = 1; ; attempt++) {
      if (state === undefined || state.deleted) throw storageErrors.keyNotFound(key, fk);
      const raw = state.value;
      const current = decodeObject(raw, String(state.id), fk);
      checkPreconditions(opts?.preconditions, key, fk, current);
      if (opts?.validateDeletion) await opts.validateDeletion(current);
      this.ensureOpen(key, fk);
      const seen = state.id;
      const result = this.log.transaction((): { row?: LogRow; now?: KeyState } => {
        const now = this.log.latest(fk);
        if (now === undefined || now.id !== seen) return { now };
        const row = this.log.append(
          {
            name: fk,
            created: false,
            deleted: true,
            createRevision: now.createRevision,
            prevRevision: now.id,
            expiresAt: null,
            value: now.value,
            oldValue: null,
          },
          now,
        );
        return { row };
      });
      if (result.row !== undefined) {
        this.publish([result.row]);
        // the last state, stamped with the deletion's revision
        return decodeObject(raw, String(result.row.id), fk);
      }
      if (attempt >= this.maxAttempts) throw storageErrors.conflict(key, fk);
      state = result.now;
    }
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    const plan = planList(this.pathPrefix, prefix, opts);
    const { recursive, keyPrefix, fromRev, limit, startKey, continuing } = plan;
    let withRev = plan.withRev;
    const pred = opts.predicate;

    this.ensureOpen(prefix, keyPrefix);
    const current = this.log.currentRevision;
    if (withRev > current) throw storageErrors.tooLarge(prefix, withRev, current);
    if (fromRev > current) throw storageErrors.tooLarge(prefix, fromRev, current);
    if (withRev > 0 && withRev < this.log.compactRevision) {
      if (!continuing) throw storageErrors.expired(prefix, EXPIRED_LIST_MESSAGE);
      let token: string;
      try {
        token = encodeContinue(startKey, keyPrefix, -1);
      } catch {
        throw storageErrors.expired(prefix, EXPIRED_CONTINUE_MESSAGE);
      }
      throw new InconsistentContinueError(prefix, token);
    }
    const rev = withRev > 0 ? withRev : current;

    const range: NameRange = recursive
      ? { start: Buffer.from(startKey), end: prefixRangeEnd(Buffer.from(keyPrefix)) }
      : { exact: Buffer.from(keyPrefix) };
    const items: KObject[] = [];
    let lastKey: Buffer | undefined;
    let hasMore = false;
    // one synchronous pass over a streaming statement: a consistent read at `rev`
    for (const r of this.log.liveAt(range, rev)) {
      if (limit > 0 && items.length >= limit) {
        hasMore = true;
        break;
      }
      lastKey = r.name;
      const obj = decodeObject(r.value, String(r.id), r.name.toString('utf8'));
      if (pred === undefined || pred(obj)) items.push(obj);
    }

    const result: ListResult = { items, resourceVersion: String(rev) };
    if (hasMore && lastKey !== undefined && 'start' in range) {
      result.continue = encodeContinue(`${lastKey.toString('utf8')}\u0000`, keyPrefix, rev);
      if (pred === undefined) {
        const total = this.log.countAt(range.start, range.end, rev);
        result.remainingItemCount = Math.max(total - items.length, 0);
      }
    }
    return result;
  }

  watch(key: string, opts: WatchOptions = {}): Watcher {
    const recursive = opts.recursive !== false;
    const startRev = parseResourceVersion(opts.resourceVersion ?? '', key, '');
    const fk = recursive ? fullPrefix(this.pathPrefix, key) : fullKey(this.pathPrefix, key);
    this.ensureOpen(key, fk);
    const kb = Buffer.from(fk);
    const w: SqliteWatch = new SqliteWatch({
      log: this.log,
      notifier: this.notifier,
      key,
      fullKey: fk,
      recursive,
      range: recursive ? { start: kb, end: prefixRangeEnd(kb) } : { exact: kb },
      startRev,
      progressNotify: opts.progressNotify === true,
      pageSize: this.pageSize,
      onStop: () => this.watchers.delete(w),
    });
    if (!w.ended) this.watchers.add(w);
    return w;
  }

  /**
   * For in-process caches (libs/cacher SqliteSource): every live object under `prefix` (recursive)
   * with its storage key relative to this storage's prefix, read at the current revision.
   */
  async listWithKeys(prefix: string): Promise<{ revision: number; items: { key: string; object: KObject }[] }> {
    const fp = fullPrefix(this.pathPrefix, prefix);
    this.ensureOpen(prefix, fp);
    const kb = Buffer.from(fp);
    const rev = this.log.currentRevision;
    const strip = this.pathPrefix.length - 1;
    const items: { key: string; object: KObject }[] = [];
    for (const r of this.log.liveAt({ start: kb, end: prefixRangeEnd(kb) }, rev)) {
      const name = r.name.toString('utf8');
      items.push({ key: name.slice(strip), object: decodeObject(r.value, String(r.id), name) });
    }
    return { revision: rev, items };
  }

  /**
   * For in-process caches: the changes under `prefix` (recursive) after `fromRev`, with their keys,
   * delivered synchronously after each commit once caught up; changes elsewhere are reported as
   * progress. See sqlite-tail.ts. Closing the storage ends it with onError (Unreachable).
   */
  tailWithKeys(prefix: string, fromRev: number, listener: SqliteTailListener): { stop(): void } {
    const fp = fullPrefix(this.pathPrefix, prefix);
    this.ensureOpen(prefix, fp);
    const kb = Buffer.from(fp);
    const t: SqliteTail = new SqliteTail({
      log: this.log,
      notifier: this.notifier,
      key: prefix,
      fullPrefix: fp,
      range: { start: kb, end: prefixRangeEnd(kb) },
      strip: this.pathPrefix.length - 1,
      fromRev,
      pageSize: this.pageSize,
      listener,
      onStop: () => this.tails.delete(t),
    });
    this.tails.add(t);
    return { stop: () => t.stop() };
  }

  async count(prefix: string): Promise<number> {
    const fp = fullPrefix(this.pathPrefix, prefix);
    this.ensureOpen(prefix, fp);
    const kb = Buffer.from(fp);
    return this.log.countAt(kb, prefixRangeEnd(kb), this.log.currentRevision);
  }

  async currentRevision(): Promise<number> {
    this.ensureOpen('', this.pathPrefix);
    return this.log.currentRevision;
  }

  /** Reads below `revision` fail (Expired) from now on; history below it is deleted. */
  async compact(revision: number): Promise<void> {
    this.ensureOpen('', this.pathPrefix);
    const current = this.log.currentRevision;
    if (revision > current) throw storageErrors.tooLarge('', revision, current);
    await this.log.compact(revision);
  }

  /** The revision history was compacted to (reads below it are Expired). */
  get compactRevision(): number {
    return this.log.compactRevision;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.jobs.stop();
    for (const w of [...this.watchers]) w.stop();
    this.watchers.clear();
    for (const t of [...this.tails]) t.fail(storageErrors.unreachable('', this.pathPrefix, 'sqlite storage is closed'));
    this.tails.clear();
    this.db.close();
  }

  /** Deletes expired TTL keys now (the sweeper does this every ttlSweepIntervalMs). */
  sweepExpired(now = Date.now()): number {
    if (this.closed) return 0;
    const rows = sweepExpired(this.log, now);
    this.publish(rows);
    return rows.length;
  }

  private sweep(): void {
    this.sweepExpired();
  }

  private sendProgress(): void {
    if (this.closed) return;
    const rev = this.log.currentRevision;
    for (const w of this.watchers) w.progress(rev);
  }

  private publish(rows: LogRow[]): void {
    this.notifier.publish(rows);
  }

  private ensureOpen(key: string, fk: string): void {
    if (this.closed) throw storageErrors.unreachable(key, fk, 'sqlite storage is closed');
  }
}
