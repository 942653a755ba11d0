/**
 * The last two scrapes per node and per container, and the usage computed from them, as
 * metrics-server's pkg/storage: CPU is the rate of the cumulative counter between the two points
 * (nanocores), memory the working set of the last point, window = the time between the points.
 */
import { cpuQuantity, memoryQuantity } from './quantity';

export interface MetricsPoint {
  /** when the node / container started (ms since epoch) */
  startTime: number;
  /** when the sample was taken (ms since epoch) */
  timestamp: number;
  /** usageCoreNanoSeconds */
  cumulativeCpu: bigint;
  /** working set bytes */
  memory: bigint;
}

export interface ContainerPoint extends MetricsPoint {
  name: string;
}

export interface PodPoint {
  namespace: string;
  name: string;
  containers: ContainerPoint[];
}

export interface MetricsBatch {
  nodes: Map<string, MetricsPoint>;
  pods: PodPoint[];
}

export interface Usage {
  cpu: string;
  memory: string;
}

export interface TimeInfo {
  timestamp: number;
  windowMs: number;
}

/** fresh containers: start time may serve as the previous point when this old, and younger than the resolution */
const FRESH_CONTAINER_MIN_MS = 10_000;

/** resourceUsage: the usage between two points of one node or container. */
export function resourceUsage(last: MetricsPoint, prev: MetricsPoint): { usage: Usage; time: TimeInfo } {
  if (last.cumulativeCpu < prev.cumulativeCpu) throw new Error('unexpected decrease in cumulative CPU usage value');
  const windowMs = last.timestamp - prev.timestamp;
  if (windowMs <= 0) throw new Error('points are not ordered in time');
  // nano-core-seconds per second = nanocores; BigInt keeps the large counters exact
  const nanoCores = ((last.cumulativeCpu - prev.cumulativeCpu) * 1000n) / BigInt(windowMs);
  return { usage: { cpu: cpuQuantity(nanoCores), memory: memoryQuantity(last.memory) }, time: { timestamp: last.timestamp, windowMs } };
}

const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

export class MetricsStorage {
  private lastNodes = new Map<string, MetricsPoint>();
  private prevNodes = new Map<string, MetricsPoint>();
  private lastPods = new Map<string, Map<string, ContainerPoint>>();
  private prevPods = new Map<string, Map<string, ContainerPoint>>();

  constructor(private readonly metricResolutionMs: number) {}

  /** Ready once some usage can be computed (two points of something). */
  ready(): boolean {
    return this.prevNodes.size > 0 || this.prevPods.size > 0;
  }

  store(batch: MetricsBatch): void {
    this.storeNodes(batch.nodes);
    this.storePods(batch.pods);
  }

  private storeNodes(nodes: Map<string, MetricsPoint>): void {
    const last = new Map<string, MetricsPoint>();
    const prev = new Map<string, MetricsPoint>();
    for (const [name, point] of nodes) {
      last.set(name, point);
      const stored = this.lastNodes.get(name);
      if (!stored) continue;
      if (point.timestamp > stored.timestamp) prev.set(name, stored);
      else {
        const before = this.prevNodes.get(name);
        if (before && before.timestamp < point.timestamp) prev.set(name, before);
      }
    }
    this.lastNodes = last;
    this.prevNodes = prev;
  }

  private storePods(pods: PodPoint[]): void {
    const last = new Map<string, Map<string, ContainerPoint>>();
    const prev = new Map<string, Map<string, ContainerPoint>>();
    for (const pod of pods) {
      const key = podKey(pod.namespace, pod.name);
      if (last.has(key)) continue; // duplicate
      const lastContainers = new Map<string, ContainerPoint>();
      const prevContainers = new Map<string, ContainerPoint>();
      for (const c of pod.containers) {
        if (lastContainers.has(c.name)) continue;
        lastContainers.set(c.name, c);
        const age = c.timestamp - c.startTime;
        if (c.startTime < c.timestamp && age < this.metricResolutionMs && age >= FRESH_CONTAINER_MIN_MS) {
          prevContainers.set(c.name, { ...c, timestamp: c.startTime, cumulativeCpu: 0n });
          continue;
        }
        const stored = this.lastPods.get(key)?.get(c.name);
        // a container that restarted since the stored point starts over
        if (!stored || !(c.startTime < stored.timestamp)) continue;
        if (c.timestamp > stored.timestamp) prevContainers.set(c.name, stored);
        else {
          const before = this.prevPods.get(key)?.get(c.name);
          if (before && before.timestamp < c.timestamp) prevContainers.set(c.name, before);
        }
      }
      if (prevContainers.size > 0) prev.set(key, prevContainers);
      last.set(key, lastContainers);
    }
    this.lastPods = last;
    this.prevPods = prev;
  }

  nodeMetrics(name: string): { usage: Usage; time: TimeInfo } | undefined {
    const last = this.lastNodes.get(name);
    const prev = this.prevNodes.get(name);
    if (!last || !prev) return undefined;
    try {
      return resourceUsage(last, prev);
    } catch {
      return undefined;
    }
  }

  /** Containers sorted by name; undefined unless every container has two points. */
  podMetrics(namespace: string, name: string): { containers: { name: string; usage: Usage }[]; time: TimeInfo } | undefined {
    const last = this.lastPods.get(podKey(namespace, name));
    const prev = this.prevPods.get(podKey(namespace, name));
    if (!last || !prev) return undefined;
    const containers: { name: string; usage: Usage }[] = [];
    let earliest: TimeInfo | undefined;
    for (const [cname, point] of last) {
      const before = prev.get(cname);
      if (!before) return undefined;
      let r: { usage: Usage; time: TimeInfo };
      try {
        r = resourceUsage(point, before);
      } catch {
        continue;
      }
      containers.push({ name: cname, usage: r.usage });
      if (!earliest || earliest.timestamp > r.time.timestamp) earliest = r.time;
    }
    if (!earliest) return undefined;
    containers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { containers, time: earliest };
  }
}
