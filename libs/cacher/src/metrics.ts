/**
 * The watch cache's Prometheus metrics (upstream names, k8s.io/apiserver/pkg/storage/cacher/metrics),
 * read from `Cacher.stats()` at scrape time: nothing is counted twice and the hot path is untouched.
 * `resource` is the cacher's prefix without slashes (`/configmaps/` → `configmaps`).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { CacherStats } from './cacher';

/** '/configmaps/' → 'configmaps' */
export function resourceLabel(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

type StatsFn = () => Record<string, CacherStats>;

/** A counter whose value per resource is a total read from stats at scrape time. */
function statCounter(registry: Registry, name: string, help: string, stats: StatsFn, pick: (s: CacherStats) => number): Counter<'resource'> {
  return new Counter({
    name,
    help,
    labelNames: ['resource'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [prefix, s] of Object.entries(stats())) this.inc({ resource: resourceLabel(prefix) }, pick(s));
    },
  });
}

/**
 * Registers in `registry`:
 *   apiserver_watch_cache_events_received_total{resource}
 *   apiserver_watch_cache_events_dispatched_total{resource}
 *   apiserver_watch_cache_initializations_total{resource}
 *   apiserver_watch_cache_resource_version{resource}
 *   apiserver_terminated_watchers_total{resource}
 * for every cacher `stats()` returns (keyed by resource prefix, as CachedStorage.stats()).
 */
export function registerCacherMetrics(registry: Registry, stats: StatsFn): void {
  statCounter(registry, 'apiserver_watch_cache_events_received_total', 'Counter of events received in watch cache broken by resource type.', stats, (s) => s.eventsReceived);
  statCounter(registry, 'apiserver_watch_cache_events_dispatched_total', 'Counter of events dispatched in watch cache broken by resource type.', stats, (s) => s.eventsDispatched);
  statCounter(registry, 'apiserver_watch_cache_initializations_total', 'Counter of watch cache initializations broken by resource type.', stats, (s) => s.initializations);
  statCounter(registry, 'apiserver_terminated_watchers_total', 'Counter of watchers closed due to unresponsiveness broken by resource type.', stats, (s) => s.terminatedWatchers);
  new Gauge({
    name: 'apiserver_watch_cache_resource_version',
    help: 'Current resource version of watch cache broken by resource type.',
    labelNames: ['resource'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [prefix, s] of Object.entries(stats())) this.set({ resource: resourceLabel(prefix) }, s.resourceVersion);
    },
  });
}

/** A registry of its own holding the cacher metrics of `stats` (to join a MetricsRegistry). */
export function cacherMetricsRegistry(stats: StatsFn): Registry {
  const r = new Registry();
  registerCacherMetrics(r, stats);
  return r;
}
