/** Public surface of libs/storage (the shared suite lives in ./testing/storage-suite; it imports vitest). */
export * from './interface';
export {
  storageErrors,
  errorStatusObject,
  InconsistentContinueError,
  EXPIRED_LIST_MESSAGE,
  EXPIRED_CONTINUE_MESSAGE,
  INCONSISTENT_CONTINUE_MESSAGE,
} from './errors';
export { encodeContinue, decodeContinue, cleanPath, ContinueTokenError } from './continue-token';
export { parseResourceVersion, resourceVersionParseError } from './resource-version';
export { checkPreconditions } from './preconditions';
export { EventQueue } from './event-queue';
export { EtcdStorage, DEFAULT_GRPC_OPTIONS } from './etcd/etcd-storage';
export type { EtcdStorageOptions } from './etcd/etcd-storage';
export { startCompactor, compactOnce, COMPACT_REV_KEY } from './etcd/compactor';
export type { CompactorOptions } from './etcd/compactor';
export type { LeaseManagerConfig } from './etcd/lease-manager';
export { SqliteStorage } from './sqlite/sqlite-storage';
export type { SqliteStorageOptions } from './sqlite/sqlite-storage';
export { SqliteSchemaVersionError, SqliteLockedError, SQLITE_SCHEMA_VERSION } from './sqlite/schema';
