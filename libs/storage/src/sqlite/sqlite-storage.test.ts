import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runStorageSuite } from '../testing/storage-suite';
import { isStorageError, StorageEvent } from '../interface';
import { SqliteStorage } from './sqlite-storage';
import { SQLITE_SCHEMA_VERSION, SqliteLockedError, SqliteSchemaVersionError } from './schema';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'kubernest-sqlite-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

runStorageSuite(
  'sqlite',
  async () => {
    const storage = new SqliteStorage({ path: join(tempDir(), 'suite', 'state.db'), progressNotifyIntervalMs: 200, ttlSweepIntervalMs: 200 });
    return { storage, teardown: () => storage.close() };
  },
  { progressNotify: true },
);

runStorageSuite(
  'sqlite :memory:',
  async () => {
    const storage = new SqliteStorage({ path: ':memory:', progressNotifyIntervalMs: 200, ttlSweepIntervalMs: 200 });
    return { storage, teardown: () => storage.close() };
  },
  { progressNotify: true },
);

async function collect(w: AsyncIterable<StorageEvent>, n: number, timeoutMs = 5000): Promise<StorageEvent[]> {
  const out: StorageEvent[] = [];
  const it = w[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const next = await Promise.race([it.next(), sleep(Math.max(deadline - Date.now(), 0)).then(() => 'timeout' as const)]);
    if (next === 'timeout') throw new Error(`expected ${n} events, got ${out.length}`);
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describe('SqliteStorage specifics', () => {
  const open: SqliteStorage[] = [];
  const make = (file: string, extra: Partial<ConstructorParameters<typeof SqliteStorage>[0]> = {}) => {
    const s = new SqliteStorage({ path: file, prefix: '/registry', ...extra });
    open.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  it('keeps values, resourceVersions, history and the compaction point across close and reopen', async () => {
    const file = join(tempDir(), 'state.db');
    const s1 = make(file);
    const a = await s1.create('/configmaps/ns/a', { metadata: { name: 'a' }, data: { v: '1' } });
    const a2 = await s1.guaranteedUpdate('/configmaps/ns/a', (cur) => ({ ...cur!, data: { v: '2' } }));
    const b = await s1.create('/configmaps/ns/b', { metadata: { name: 'b' } });
    const gone = await s1.create('/configmaps/ns/gone', { metadata: { name: 'gone' } });
    const del = await s1.delete('/configmaps/ns/gone');
    await s1.compact(Number(a2.metadata.resourceVersion));
    const rev = await s1.currentRevision();
    await s1.close();

    const s2 = make(file);
    expect(await s2.currentRevision()).toBe(rev);
    expect(s2.compactRevision).toBe(Number(a2.metadata.resourceVersion));
    expect(await s2.get('/configmaps/ns/a')).toEqual(a2);
    expect(await s2.get('/configmaps/ns/b')).toEqual(b);
    await expect(s2.get('/configmaps/ns/gone')).rejects.toThrow(/key not found/);
    const list = await s2.list('/configmaps/');
    expect(list.items.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect(list.resourceVersion).toBe(String(rev));
    // history after the compaction point is still there for watches
    const evs = await collect(s2.watch('/configmaps/', { resourceVersion: a2.metadata.resourceVersion }), 3);
    expect(evs.map((e) => `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`)).toEqual([
      `ADDED b ${b.metadata.resourceVersion}`,
      `ADDED gone ${gone.metadata.resourceVersion}`,
      `DELETED gone ${del.metadata.resourceVersion}`,
    ]);
    await expect(s2.list('/configmaps/', { resourceVersion: a.metadata.resourceVersion, resourceVersionMatch: 'Exact' })).rejects.toThrow(
      'The resourceVersion for the provided list is too old.',
    );
    // revisions go on from where they were
    const c = await s2.create('/configmaps/ns/c', { metadata: { name: 'c' } });
    expect(Number(c.metadata.resourceVersion)).toBe(rev + 1);
  });

  it('refuses a database written by a newer schema version with SqliteSchemaVersionError', async () => {
    const file = join(tempDir(), 'state.db');
    await make(file).close();
    const raw = new Database(file);
    raw.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(SQLITE_SCHEMA_VERSION + 1);
    raw.close();
    let err: unknown;
    try {
      make(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SqliteSchemaVersionError);
    expect((err as SqliteSchemaVersionError).found).toBe(SQLITE_SCHEMA_VERSION + 1);
    expect((err as Error).message).toMatch(/written by a newer Kubernest/);
    // the refusal did not leave the file locked
    const again = new Database(file);
    expect((again.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: number }).value).toBe(SQLITE_SCHEMA_VERSION + 1);
    again.close();
  });

  it('lets only one storage use a database file at a time', async () => {
    const file = join(tempDir(), 'state.db');
    const s1 = make(file);
    await s1.create('/a', { metadata: { name: 'a' } });
    expect(() => make(file, { busyTimeoutMs: 50 })).toThrow(SqliteLockedError);
    await s1.close();
    const s2 = make(file);
    expect((await s2.get('/a')).metadata.name).toBe('a');
  });

  it('opens in WAL mode with synchronous FULL', async () => {
    const file = join(tempDir(), 'state.db');
    const s = make(file);
    const db = (s as unknown as { db: Database.Database }).db;
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('compaction deletes superseded history but keeps the latest row of every live key', async () => {
    const s = make(':memory:');
    await s.create('/k/a', { metadata: { name: 'a' }, data: { v: '0' } });
    for (let i = 1; i <= 20; i++) await s.guaranteedUpdate('/k/a', (cur) => ({ ...cur!, data: { v: String(i) } }));
    await s.create('/k/b', { metadata: { name: 'b' } });
    await s.delete('/k/b');
    const keep = await s.create('/k/c', { metadata: { name: 'c' } });
    const rev = await s.currentRevision();
    await s.compact(rev);
    const db = (s as unknown as { db: Database.Database }).db;
    const rows = db.prepare('SELECT id FROM kv ORDER BY id').all() as { id: number }[];
    // a's latest and c; b's tombstone is below the compaction revision
    expect(rows.map((r) => r.id)).toEqual([rev - 3, Number(keep.metadata.resourceVersion)]);
    expect((await s.get('/k/a')).data).toEqual({ v: '20' });
    expect((await s.list('/k/', { resourceVersion: String(rev), resourceVersionMatch: 'Exact' })).items).toHaveLength(2);
    // compacting again, or below, is a no-op; past the current revision is TooLarge
    await s.compact(rev - 5);
    await expect(s.compact(rev + 10)).rejects.toSatisfy((e: unknown) => isStorageError(e, 'TooLargeResourceVersion'));
  });

  it('a watch replaying a long history pages through it and continues live without gap or duplicate', async () => {
    const s = make(':memory:', { watchPageSize: 7 });
    const start = await s.currentRevision();
    for (let i = 0; i < 50; i++) await s.create(`/w/${String(i).padStart(3, '0')}`, { metadata: { name: String(i) } });
    const w = s.watch('/w/', { resourceVersion: String(start) });
    const pending = collect(w, 100, 10_000);
    // writes while the replay is still paging
    for (let i = 50; i < 100; i++) await s.create(`/w/${String(i).padStart(3, '0')}`, { metadata: { name: String(i) } });
    const evs = await pending;
    expect(evs.map((e) => e.object.metadata.name)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    const rvs = evs.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual(Array.from({ length: 100 }, (_, i) => start + 1 + i));
    w.stop();
  });

  it('expires TTL keys at the sweep, also ones that expired while the database was closed', async () => {
    const file = join(tempDir(), 'state.db');
    const s1 = make(file, { ttlSweepIntervalMs: 0 });
    await s1.create('/ttl/a', { metadata: { name: 'a' } }, { ttlSeconds: 1 });
    await s1.create('/ttl/b', { metadata: { name: 'b' } }, { ttlSeconds: 1 });
    // an update without ttlSeconds makes the key permanent, as an etcd put without a lease
    await s1.guaranteedUpdate('/ttl/b', (cur) => ({ ...cur!, data: { x: 'y' } }));
    expect(s1.sweepExpired(Date.now() + 60_000)).toBe(1);
    await s1.create('/ttl/c', { metadata: { name: 'c' } }, { ttlSeconds: 1 });
    await s1.close();
    await sleep(1100);
    const s2 = make(file);
    await expect(s2.get('/ttl/c')).rejects.toThrow(/key not found/);
    expect((await s2.list('/ttl/')).items.map((o) => o.metadata.name)).toEqual(['b']);
  });

  it('refuses calls after close()', async () => {
    const s = make(':memory:');
    await s.close();
    await expect(s.get('/a')).rejects.toSatisfy((e: unknown) => isStorageError(e, 'Unreachable'));
  });

  it('keeps every acknowledged write when the writing process is killed with SIGKILL', async () => {
    const file = join(tempDir(), 'crash', 'state.db');
    const child = spawn(process.execPath, [join(__dirname, 'testing', 'crash-writer.cjs'), file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Map<number, string>();
    const updated = new Set<number>();
    let stderr = '';
    let buf = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (line[0] === 'ack') acked.set(Number(line[1]), line[2]);
        if (line[0] === 'upd') updated.add(Number(line[1]));
      }
    });
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    try {
      const deadline = Date.now() + 20_000;
      while (acked.size < 150) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`writer made ${acked.size} writes; stderr: ${stderr}`);
        await sleep(10);
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(child.signalCode).toBe('SIGKILL');

    const s = make(file, { prefix: '/crash' });
    for (const [n, rv] of acked) {
      const got = await s.get(`/items/${String(n).padStart(8, '0')}`);
      expect(got.metadata.name).toBe(`item-${n}`);
      const wasUpdated = (got.data as Record<string, string>).updated === 'yes';
      // an acknowledged update is there; an update that committed but was not printed yet may be too
      if (updated.has(n)) expect(wasUpdated).toBe(true);
      if (wasUpdated) expect(Number(got.metadata.resourceVersion)).toBeGreaterThan(Number(rv));
      else expect(got.metadata.resourceVersion).toBe(rv);
    }
    const max = Math.max(...[...acked.values()].map(Number));
    expect(await s.currentRevision()).toBeGreaterThanOrEqual(max);
    // the store is fully usable afterwards
    const next = await s.create('/after-crash', { metadata: { name: 'x' } });
    expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(max);
  }, 60_000);
});
