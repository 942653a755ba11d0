/**
 * Decoding a kubelet stats/v1alpha1 Summary (`/stats/summary`) into metric points, as
 * metrics-server's summary decoder did: node and container CPU from `usageCoreNanoSeconds` at
 * `cpu.time`, memory from `workingSetBytes`. Entries missing a number are skipped.
 */
import type { ContainerPoint, MetricsPoint, PodPoint } from './storage';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function time(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

function uint(v: unknown): bigint | undefined {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return undefined;
  return BigInt(Math.trunc(v));
}

/** A point from an entry with `startTime`, `cpu` and `memory` (node or container stats). */
export function decodePoint(stats: J | undefined): MetricsPoint | undefined {
  if (!stats || typeof stats !== 'object') return undefined;
  const cpu = stats.cpu as J | undefined;
  const mem = stats.memory as J | undefined;
  const timestamp = time(cpu?.time);
  const cumulativeCpu = uint(cpu?.usageCoreNanoSeconds);
  const memory = uint(mem?.workingSetBytes);
  if (timestamp === undefined || cumulativeCpu === undefined || memory === undefined) return undefined;
  return { startTime: time(stats.startTime) ?? 0, timestamp, cumulativeCpu, memory };
}

export interface DecodedSummary {
  node?: MetricsPoint;
  pods: PodPoint[];
}

export function decodeSummary(summary: J): DecodedSummary {
  const node = decodePoint(summary?.node);
  const pods: PodPoint[] = [];
  for (const p of Array.isArray(summary?.pods) ? (summary.pods as J[]) : []) {
    const ref = p?.podRef as J | undefined;
    if (!ref || typeof ref.name !== 'string' || typeof ref.namespace !== 'string') continue;
    const containers: ContainerPoint[] = [];
    for (const c of Array.isArray(p.containers) ? (p.containers as J[]) : []) {
      const point = decodePoint(c);
      if (point && typeof c.name === 'string') containers.push({ name: c.name, ...point });
    }
    if (containers.length > 0) pods.push({ namespace: ref.namespace, name: ref.name, containers });
  }
  return { node, pods };
}
