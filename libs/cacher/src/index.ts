/** Public surface of libs/cacher: the watch cache core (see README.md). */
export { Cacher } from './cacher';
export type { CacherOptions, CacheListOptions, CacheWatchOptions, CacherStats, IndexFunc } from './cacher';
export { CacheWatcher } from './cache-watcher';
export type { WatcherFilter, CacheWatcherLimits } from './cache-watcher';
export { CachedStorage, firstSegmentPrefix } from './cached-storage';
export type { CachedStorageOptions } from './cached-storage';
export { StorageSource, registryKeyFunc } from './source';
export type { CacheSource, SourceEvent, SourceListResult, SourceWatchHandler } from './source';
export { EtcdSource } from './etcd-source';
export { SqliteSource } from './sqlite-source';
export { registerCacherMetrics, cacherMetricsRegistry, resourceLabel } from './metrics';
