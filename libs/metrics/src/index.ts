/** Public surface of libs/metrics: a process's Prometheus registry holder (see README.md). */
export { EXTRA_METRICS_REGISTRIES, MetricsRegistry, mergeMetrics, PROMETHEUS_TEXT_CONTENT_TYPE } from './metrics-registry';
export type { MetricsRegistryOptions } from './metrics-registry';
