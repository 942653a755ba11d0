/**
 * One process's Prometheus metrics: an own prom-client Registry (with prom-client's default Node
 * metrics) plus the registries other modules join (the bootstrap controller's repair counters,
 * the watch cache's collectors, ...). `metrics()` renders all of them as one text exposition
 * (format 0.0.4), each metric family once.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

/** The Content-Type of the Prometheus text format 0.0.4 (what /metrics answers with). */
export const PROMETHEUS_TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** prom-client default metrics that are gauges with a `_total` suffix */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

export interface MetricsRegistryOptions {
  /** register prom-client's default process/Node metrics in the own registry (default true) */
  defaultMetrics?: boolean;
}

export class MetricsRegistry {
  /** this holder's own registry: add metrics with `registers: [holder.registry]` */
  readonly registry = new Registry();
  private readonly joined = new Set<Registry>();

  constructor(opts: MetricsRegistryOptions = {}) {
    if (opts.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      // gauges named *_total fail `promtool check metrics`; the same numbers are in
      // nodejs_active_handles / nodejs_active_requests / nodejs_active_resources (by type)
      for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  /** Adds another module's registry to the exposition; returns a function that removes it again. */
  join(registry: Registry): () => void {
    if (registry !== this.registry) this.joined.add(registry);
    return () => {
      this.joined.delete(registry);
    };
  }

  /** the registries rendered, own first */
  registries(): Registry[] {
    return [this.registry, ...this.joined];
  }

  /** The text exposition of every registry (see `mergeMetrics`). */
  metrics(): Promise<string> {
    return mergeMetrics(this.registries());
  }
}

/**
 * Renders several registries as one Prometheus text exposition. A metric family registered in
 * more than one of them is rendered once, from the first registry that has it (two families of
 * one name would make the exposition invalid).
 */
export async function mergeMetrics(registries: readonly Registry[]): Promise<string> {
  const seen = new Set<string>();
  const parts: Promise<string>[] = [];
  for (const r of registries) {
    for (const m of r.getMetricsAsArray()) {
      const name = m.name;
      if (seen.has(name)) continue;
      seen.add(name);
      parts.push(r.getSingleMetricAsString(name));
    }
  }
  const texts = (await Promise.all(parts)).filter((t) => t.length > 0);
  return texts.length ? `${texts.join('\n\n')}\n` : '';
}

/**
 * Nest injection token: `Registry[]` that a module imported into an app exports so the app's
 * /metrics includes them (the bootstrap controller's repair counters in `kubernest server`).
 */
export const EXTRA_METRICS_REGISTRIES = 'KUBERNEST_EXTRA_METRICS_REGISTRIES';
