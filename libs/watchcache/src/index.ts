/** Public surface of libs/watchcache: the watch-cache gRPC service and its replica-side client. */
export { WatchCacheService } from './server';
export type { WatchCacheServiceOptions, WatchCacheServiceStats } from './server';
export { WatchCachePool, RemoteSource } from './client';
export type { WatchCachePoolOptions, RemoteSourceOptions } from './client';
export { RemoteCachedStorage } from './remote-cached-storage';
export type { RemoteCachedStorageOptions } from './remote-cached-storage';
export { protoPath, watchCacheService, SERVICE_PATH } from './proto';
export { watchCacheServiceMetricsRegistry, replicaCacheMetricsRegistry } from './metrics';
