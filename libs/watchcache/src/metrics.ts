/**
 * Prometheus metrics of the watch-cache service, read from `WatchCacheService.stats()` at scrape
 * time: the cachers' upstream metrics (libs/cacher/src/metrics.ts) plus
 *   kubernest_watch_cache_streams{resource}                 open Watch streams (gauge)
 *   kubernest_watch_cache_dropped_streams_total{resource}   streams the service ended while the
 *                                                           client still wanted them (fell behind,
 *                                                           cache error); not cancels, not shutdown
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { CacherStats } from '../../cacher/src/cacher';
import { registerCacherMetrics, resourceLabel } from '../../cacher/src/metrics';
import type { WatchCacheServiceStats } from './server';

export function watchCacheServiceMetricsRegistry(stats: () => WatchCacheServiceStats): Registry {
  const registry = new Registry();
  registerCacherMetrics(registry, () => stats().cachers);
  new Gauge({
    name: 'kubernest_watch_cache_streams',
    help: 'Number of open Watch streams of the watch-cache service broken by resource type.',
    labelNames: ['resource'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [prefix, s] of Object.entries(stats().streamsByPrefix)) this.set({ resource: resourceLabel(prefix) }, s.open);
    },
  });
  new Counter({
    name: 'kubernest_watch_cache_dropped_streams_total',
    help: 'Counter of Watch streams ended by the watch-cache service (fell behind, cache error) broken by resource type.',
    labelNames: ['resource'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [prefix, s] of Object.entries(stats().streamsByPrefix)) this.inc({ resource: resourceLabel(prefix) }, s.dropped);
    },
  });
  return registry;
}

/**
 * The replica side (RemoteCachedStorage / CachedStorage): the local cachers' upstream metrics plus
 * `kubernest_watch_cache_available` (1 while a watch-cache server answers, when `available` is given).
 */
export function replicaCacheMetricsRegistry(stats: () => Record<string, CacherStats>, available?: () => boolean): Registry {
  const registry = new Registry();
  registerCacherMetrics(registry, stats);
  if (available) {
    new Gauge({
      name: 'kubernest_watch_cache_available',
      help: 'Whether a watch-cache server is reachable (1) or lists and watches are read from etcd (0).',
      registers: [registry],
      collect() {
        this.set(available() ? 1 : 0);
      },
    });
  }
  return registry;
}
