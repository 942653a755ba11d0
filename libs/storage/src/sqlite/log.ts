/**
 * The key-revision log: every SQL statement the SQLite backend runs, over the `kv` table of
 * schema.ts. Row id = revision. Reads at revision R take, for each name, the row with the largest
 * id <= R and skip it if it is a deletion. All calls are synchronous (better-sqlite3), so a caller
 * sees one consistent state without an explicit read transaction.
 */
import { SqliteDatabase } from './schema';

/** One row of the log, as watchers and the storage see it (name decoded, value as JSON text or bytes). */
export interface LogRow {
  id: number;
  name: string;
  created: boolean;
  deleted: boolean;
  createRevision: number;
  prevRevision: number;
  /** the object's JSON; for a deletion the last state */
  value: Buffer | string;
  /** for a modification: the previous state (at prevRevision) */
  oldValue: Buffer | string | null;
}

/** The latest row of one name. */
export interface KeyState {
  id: number;
  deleted: boolean;
  createRevision: number;
  expiresAt: number | null;
  value: Buffer;
}

export interface NewRow {
  name: string;
  created: boolean;
  deleted: boolean;
  /** for created rows: ignored (the row's own id) */
  createRevision: number;
  prevRevision: number;
  /** epoch ms, null = forever */
  expiresAt: number | null;
  value: string | Buffer;
  oldValue: string | Buffer | null;
}

/** Which names a read covers: one exact name, or [start, end) in byte order. */
export type NameRange = { exact: Buffer } | { start: Buffer; end: Buffer };

interface RawRow {
  id: number;
  name: Buffer;
  created: number;
  deleted: number;
  create_revision: number;
  prev_revision: number;
  value: Buffer | null;
  old_value: Buffer | null;
}

function toLogRow(r: RawRow): LogRow {
  return {
    id: r.id,
    name: r.name.toString('utf8'),
    created: r.created === 1,
    deleted: r.deleted === 1,
    createRevision: r.create_revision,
    prevRevision: r.prev_revision,
    value: r.value ?? Buffer.alloc(0),
    oldValue: r.old_value,
  };
}

const ROW_COLUMNS = 'id, name, created, deleted, create_revision, prev_revision, value, old_value';

/** Live rows at revision :rev over a name range, in name order (streams: the grouped subquery runs as a co-routine). */
function rangeAtSql(where: string): string {
  return (
    `SELECT k.id AS id, k.name AS name, k.value AS value FROM ` +
    `(SELECT name, MAX(id) AS mid FROM kv WHERE ${where} AND id <= @rev GROUP BY name ORDER BY name) AS g ` +
    `JOIN kv AS k ON k.id = g.mid WHERE k.deleted = 0 ORDER BY g.name`
  );
}

export class SqliteLog {
  private readonly st;
  /** the newest revision (kept in memory: this connection is the only writer) */
  private rev: number;
  private compacted: number;

  constructor(private readonly db: SqliteDatabase) {
    const prep = (sql: string) => db.prepare(sql);
    this.st = {
      latest: prep('SELECT id, deleted, create_revision, expires_at, value FROM kv WHERE name = ? ORDER BY id DESC LIMIT 1'),
      insert: prep(
        'INSERT INTO kv (id, name, created, deleted, create_revision, prev_revision, expires_at, value, old_value) ' +
          'VALUES (@id, @name, @created, @deleted, @createRevision, @prevRevision, @expiresAt, @value, @oldValue)',
      ),
      clearExpiry: prep('UPDATE kv SET expires_at = NULL WHERE id = ?'),
      rangeAt: prep(rangeAtSql('name >= @start AND name < @end')),
      exactAt: prep(rangeAtSql('name = @name')),
      countAt: prep(
        'SELECT COUNT(*) AS n FROM (SELECT MAX(id) AS mid FROM kv WHERE name >= @start AND name < @end AND id <= @rev GROUP BY name) AS g ' +
          'JOIN kv AS k ON k.id = g.mid WHERE k.deleted = 0',
      ),
      // '+name': walk the rows after the revision (the history), not every key under the prefix
      afterRange: prep(`SELECT ${ROW_COLUMNS} FROM kv WHERE id > @after AND id <= @upTo AND +name >= @start AND +name < @end ORDER BY id`),
      afterExact: prep(`SELECT ${ROW_COLUMNS} FROM kv WHERE name = @name AND id > @after AND id <= @upTo ORDER BY id`),
      expired: prep('SELECT id, name FROM kv WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, id'),
      nextExpiry: prep('SELECT MIN(expires_at) AS t FROM kv WHERE expires_at IS NOT NULL'),
      seq: prep("SELECT seq FROM sqlite_sequence WHERE name = 'kv'"),
      getMeta: prep('SELECT value FROM meta WHERE key = ?'),
      setMeta: prep('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value'),
      minId: prep('SELECT MIN(id) AS id FROM kv'),
      compactChunk: prep(
        'DELETE FROM kv WHERE id >= @from AND id < @to AND id <= @rev AND ' +
          '((deleted = 1 AND id < @rev) OR EXISTS (SELECT 1 FROM kv AS n WHERE n.name = kv.name AND n.id > kv.id AND n.id <= @rev))',
      ),
    };
    this.rev = (this.st.seq.get() as { seq: number } | undefined)?.seq ?? 0;
    this.compacted = this.meta('compact_revision');
  }

  get currentRevision(): number {
    return this.rev;
  }

  get compactRevision(): number {
    return this.compacted;
  }

  /** Runs `fn` in one write transaction (committed, with fsync, before this returns). */
  transaction<T>(fn: () => T): T {
    const before = this.rev;
    try {
      return this.db.transaction(fn).immediate();
    } catch (e) {
      this.rev = before;
      throw e;
    }
  }

  latest(name: string): KeyState | undefined {
    const r = this.st.latest.get(Buffer.from(name)) as
      | { id: number; deleted: number; create_revision: number; expires_at: number | null; value: Buffer | null }
      | undefined;
    if (r === undefined) return undefined;
    return { id: r.id, deleted: r.deleted === 1, createRevision: r.create_revision, expiresAt: r.expires_at, value: r.value ?? Buffer.alloc(0) };
  }

  /** Appends a row at the next revision (inside transaction()). `prev` is the name's latest row, if any. */
  append(row: NewRow, prev: KeyState | undefined): LogRow {
    const id = this.rev + 1;
    this.st.insert.run({
      id,
      name: Buffer.from(row.name),
      created: row.created ? 1 : 0,
      deleted: row.deleted ? 1 : 0,
      createRevision: row.created ? id : row.createRevision,
      prevRevision: row.prevRevision,
      expiresAt: row.expiresAt,
      value: typeof row.value === 'string' ? Buffer.from(row.value) : row.value,
      oldValue: row.oldValue === null || typeof row.oldValue !== 'string' ? row.oldValue : Buffer.from(row.oldValue),
    });
    // only a name's latest row carries an expiry, so the sweeper needs no "is it the latest" check
    if (prev !== undefined && prev.expiresAt !== null) this.st.clearExpiry.run(prev.id);
    this.rev = id;
    return {
      id,
      name: row.name,
      created: row.created,
      deleted: row.deleted,
      createRevision: row.created ? id : row.createRevision,
      prevRevision: row.prevRevision,
      value: row.value,
      oldValue: row.oldValue,
    };
  }

  /** Live objects at `rev` in name order, lazily. Stop early with the iterator's return(). */
  *liveAt(range: NameRange, rev: number): Generator<{ id: number; name: Buffer; value: Buffer }> {
    const it =
      'exact' in range
        ? this.st.exactAt.iterate({ name: range.exact, rev })
        : this.st.rangeAt.iterate({ start: range.start, end: range.end, rev });
    yield* it as IterableIterator<{ id: number; name: Buffer; value: Buffer }>;
  }

  countAt(start: Buffer, end: Buffer, rev: number): number {
    return (this.st.countAt.get({ start, end, rev }) as { n: number }).n;
  }

  /** Rows with after < id <= upTo over the range, in revision order. */
  rowsBetween(range: NameRange, after: number, upTo: number): LogRow[] {
    const raw =
      'exact' in range
        ? this.st.afterExact.all({ name: range.exact, after, upTo })
        : this.st.afterRange.all({ start: range.start, end: range.end, after, upTo });
    return (raw as RawRow[]).map(toLogRow);
  }

  /** Names whose latest row expired at or before `now` (epoch ms). */
  expired(now: number): string[] {
    return (this.st.expired.all(now) as { name: Buffer }[]).map((r) => r.name.toString('utf8'));
  }

  /** The earliest expiry of any live key (epoch ms), or undefined. */
  nextExpiry(): number | undefined {
    return (this.st.nextExpiry.get() as { t: number | null }).t ?? undefined;
  }

  /**
   * Marks `rev` compacted (reads below it fail from now on), then deletes superseded rows and
   * deletion rows below it in chunks of ids, one transaction each, yielding between chunks.
   */
  async compact(rev: number, chunk = 5000): Promise<void> {
    if (rev <= this.compacted) return;
    this.transaction(() => this.st.setMeta.run('compact_revision', rev));
    this.compacted = rev;
    const min = (this.st.minId.get() as { id: number | null }).id ?? rev + 1;
    for (let from = min; from <= rev; from += chunk) {
      if (!this.db.open) return;
      const to = Math.min(from + chunk, rev + 1);
      this.transaction(() => this.st.compactChunk.run({ from, to, rev }));
      if (to <= rev) await new Promise((r) => setImmediate(r));
    }
  }

  private meta(key: string): number {
    return (this.st.getMeta.get(key) as { value: number } | undefined)?.value ?? 0;
  }
}
