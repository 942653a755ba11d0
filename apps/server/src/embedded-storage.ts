/** Opens the embedded SQLite store, turning its start-up failures into one-line messages. */
import type { Storage } from '../../../libs/storage/src/interface';
import { SqliteStorage } from '../../../libs/storage/src/sqlite/sqlite-storage';

export function openEmbeddedStorage(path: string, prefix: string): Storage {
  return new SqliteStorage({ path, prefix });
}
