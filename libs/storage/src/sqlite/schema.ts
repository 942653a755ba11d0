/**
 * Opening the SQLite database file: pragmas (WAL, fsync on every commit, one process at a time)
 * and the schema, modelled on kine's single "kv" log table:
 *
 *   kv(id = the revision, name, created, deleted, create_revision, prev_revision, expires_at,
 *      value, old_value)
 *
 * Every write appends one row, so the history from any revision can be replayed for watches. A
 * deletion is a row with deleted = 1 whose value is the last state. `meta` holds the schema
 * version and the compacted revision.
 */
import * as fs from 'fs';
import * as path from 'path';
import Database from 'better-sqlite3';

/** The schema this code writes. A database with a higher version is refused (SqliteSchemaVersionError). */
export const SQLITE_SCHEMA_VERSION = 1;

export type SqliteDatabase = Database.Database;

/** The database was written by a newer Kubernest (a schema this version does not know). */
export class SqliteSchemaVersionError extends Error {
  constructor(
    readonly path: string,
    readonly found: number,
    readonly supported: number,
  ) {
    super(
      `storage database ${path} has schema version ${found}, but this Kubernest supports schema version ${supported} at most: ` +
        'it was written by a newer Kubernest. Run that version, or start with another data directory',
    );
    this.name = 'SqliteSchemaVersionError';
  }
}

/** Another process (or another SqliteStorage in this one) holds the database. */
export class SqliteLockedError extends Error {
  constructor(
    readonly path: string,
    cause: string,
  ) {
    super(`storage database ${path} is in use by another process (${cause}); only one Kubernest may use a data directory at a time`);
    this.name = 'SqliteLockedError';
  }
}

const SCHEMA = `
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE kv (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  name            BLOB    NOT NULL,
  created         INTEGER NOT NULL,
  deleted         INTEGER NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision   INTEGER NOT NULL,
  expires_at      INTEGER,
  value           BLOB,
  old_value       BLOB
);
CREATE INDEX kv_name_id ON kv (name, id);
CREATE INDEX kv_expires_at ON kv (expires_at) WHERE expires_at IS NOT NULL;
`;

export interface OpenOptions {
  /** how long to wait for a lock held by someone else, ms (default 5000) */
  busyTimeoutMs?: number;
}

function isBusy(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** Opens (creating if needed) the database at `file` (or ':memory:'), checking its schema version. */
export function openDatabase(file: string, opts: OpenOptions = {}): SqliteDatabase {
  const inMemory = file === ':memory:' || file === '';
  if (!inMemory) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file, { timeout: opts.busyTimeoutMs ?? 5000 });
  try {
    // One connection owns the file: the in-process watch fan-out only sees this process's writes.
    // Exclusive locking before WAL also means no shared-memory index (-shm) is used.
    db.pragma('locking_mode = EXCLUSIVE');
    try {
      db.pragma('journal_mode = WAL');
      db.exec('BEGIN EXCLUSIVE; COMMIT;'); // take (and, in exclusive mode, keep) the write lock now
    } catch (e) {
      if (isBusy(e)) throw new SqliteLockedError(file, (e as Error).message);
      throw e;
    }
    db.pragma('synchronous = FULL'); // fsync the WAL on every commit: acknowledged writes survive a crash
    db.pragma('foreign_keys = OFF');
    ensureSchema(db, file);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

function ensureSchema(db: SqliteDatabase, file: string): void {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined;
  if (!hasMeta) {
    db.transaction(() => {
      db.exec(SCHEMA);
      const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
      put.run('schema_version', SQLITE_SCHEMA_VERSION);
      put.run('compact_revision', 0);
    })();
    return;
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: number } | undefined;
  const found = row?.value ?? 0;
  if (found > SQLITE_SCHEMA_VERSION) throw new SqliteSchemaVersionError(file, found, SQLITE_SCHEMA_VERSION);
  if (found < 1) throw new Error(`storage database ${file} has no schema version: not a Kubernest database`);
  // found === SQLITE_SCHEMA_VERSION: nothing to migrate yet (future versions migrate here)
}
