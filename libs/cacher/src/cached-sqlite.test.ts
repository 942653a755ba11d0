/** The shared storage suite over the watch cache in front of the embedded SQLite backend (the embedded server's stack). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteStorage } from '../../storage/src/sqlite/sqlite-storage';
import { runStorageSuite } from '../../storage/src/testing/storage-suite';
import { CachedStorage } from './cached-storage';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

runStorageSuite(
  'cached-sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubernest-cached-sqlite-'));
    dirs.push(dir);
    const backend = new SqliteStorage({ path: join(dir, 'state.db'), progressNotifyIntervalMs: 200, ttlSweepIntervalMs: 200 });
    const storage = new CachedStorage(backend);
    return { storage, teardown: () => storage.close() };
  },
);
