/**
 * One repair pass of the ClusterIP and NodePort allocators (upstream ipallocator/controller and
 * portallocator/controller Repair.runOnce), as functions over plain data: the stored
 * RangeAllocation, the listed Services and the leak counters in; the rebuilt bitmap, the events to
 * record, the metric increments and the next leak counters out. Scheduling, the Service list,
 * writing the result (CAS; redo on conflict), events and metrics belong to the caller.
 */
import { AllocationBitmap } from './bitmap';
import { parseIP } from './ip';
import { AllocationRange, IPRange, PortRange } from './ranges';

/** Passes a stored-but-unused value survives before it is freed (freed on the 3rd pass). */
export const NUM_REPAIRS_BEFORE_LEAK_CLEANUP = 3;

/** value (IP text or port number as text) -> passes left; JSON-serialisable. */
export type LeakCounters = Record<string, number>;

export type RepairErrorType = 'leak' | 'repair' | 'full' | 'outOfRange' | 'duplicate' | 'invalid' | 'unknown';

export interface ServiceRef {
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

export interface RepairEvent {
  type: 'Warning';
  reason: string;
  /** events.k8s.io action */
  action: string;
  message: string;
  /** the involved Service */
  service: ServiceRef;
}

export interface StoredRange {
  range: string;
  /** the bitmap: raw bytes, or the base64 text of RangeAllocation.data */
  data?: Uint8Array | string;
}

export interface RepairResult {
  /** false: the pass aborted (range full); write nothing, report `error` */
  ok: boolean;
  error?: string;
  /** the RangeAllocation.range to write */
  range: string;
  /** the rebuilt bitmap; write bitmap.toBytes() */
  bitmap: AllocationBitmap;
  /** the counters to keep for the next pass */
  leaks: LeakCounters;
  events: RepairEvent[];
  /** increments of apiserver_clusterip_repair_ip_errors_total / apiserver_nodeport_repair_port_errors_total by type */
  metrics: Partial<Record<RepairErrorType, number>>;
}

export interface ServiceLike {
  metadata?: { namespace?: string; name?: string; uid?: string; resourceVersion?: string };
  spec?: unknown;
}

function refOf(svc: ServiceLike): ServiceRef {
  const m = svc.metadata ?? {};
  const ref: ServiceRef = { namespace: m.namespace ?? '', name: m.name ?? '' };
  if (m.uid) ref.uid = m.uid;
  if (m.resourceVersion) ref.resourceVersion = m.resourceVersion;
  return ref;
}

function specOf(svc: ServiceLike): Record<string, unknown> {
  return svc.spec && typeof svc.spec === 'object' ? (svc.spec as Record<string, unknown>) : {};
}

function dataBytes(d: StoredRange['data']): Uint8Array {
  if (d === undefined) return new Uint8Array(0);
  return typeof d === 'string' ? Buffer.from(d, 'base64') : d;
}

/** Values set in a stored snapshot, decoded with the snapshot's own range. */
function storedValues<V>(stored: StoredRange | null, parse: (spec: string) => AllocationRange<V>): V[] {
  if (!stored || !stored.range) return [];
  const r = parse(stored.range);
  return AllocationBitmap.fromBytes(r.max, r.offset, dataBytes(stored.data))
    .items()
    .map((i) => r.valueAt(i));
}

/** Shared tail: leak accounting for values still left in the stored set. */
function checkLeaks<V>(range: AllocationRange<V>, leftover: Map<string, V>, leaks: LeakCounters, rebuilt: AllocationBitmap, metrics: RepairResult['metrics']): void {
  for (const [key, v] of leftover) {
    const count = key in leaks ? leaks[key] : NUM_REPAIRS_BEFORE_LEAK_CLEANUP - 1;
    if (count > 0) {
      // pretend it is still in use until the counter runs out (covers allocate-before-write races)
      leaks[key] = count - 1;
      const i = range.indexOf(v);
      if (i !== undefined) rebuilt.allocate(i);
    } else {
      // not carried into the rebuilt set: free for reuse
      delete leaks[key];
      metrics.leak = (metrics.leak ?? 0) + 1;
    }
  }
}

function bump(metrics: RepairResult['metrics'], t: RepairErrorType): void {
  metrics[t] = (metrics[t] ?? 0) + 1;
}

/**
 * Repair one service CIDR. `otherFamilyConfigured`: the cluster also has a range of the other IP
 * family (dual-stack), so IPs of that family are someone else's business, not invalid.
 */
export function repairClusterIPs(input: {
  range: IPRange;
  stored: StoredRange | null;
  services: ServiceLike[];
  leaks: LeakCounters;
  otherFamilyConfigured?: boolean;
}): RepairResult {
  const { range } = input;
  const leaks: LeakCounters = { ...input.leaks };
  const events: RepairEvent[] = [];
  const metrics: RepairResult['metrics'] = {};
  const rebuilt = new AllocationBitmap(range.max, range.offset);
  let stored: Map<string, string>;
  try {
    stored = new Map(storedValues(input.stored, IPRange.parse).map((ip) => [ip, ip]));
  } catch (e) {
    return { ok: false, error: `unable to rebuild allocator from snapshots: ${(e as Error).message}`, range: range.spec, bitmap: rebuilt, leaks: input.leaks, events, metrics };
  }
  const ev = (svc: ServiceLike, reason: string, action: string, message: string) =>
    events.push({ type: 'Warning', reason, action, message, service: refOf(svc) });

  for (const svc of input.services) {
    const spec = specOf(svc);
    const primary = typeof spec.clusterIP === 'string' ? spec.clusterIP : '';
    if (primary === '' || primary === 'None') continue; // IsServiceIPSet
    const ips = Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0 ? spec.clusterIPs : [primary];
    for (const raw of ips) {
      const text = typeof raw === 'string' ? raw : String(raw);
      const parsed = parseIP(text);
      if (!parsed) {
        ev(svc, 'ClusterIPNotValid', 'ClusterIPValidation', `Cluster IP ${text} is not a valid IP; please recreate service`);
        bump(metrics, 'invalid');
        continue;
      }
      if (parsed.family !== range.family) {
        if (input.otherFamilyConfigured) continue;
        ev(
          svc,
          'ClusterIPNotValid',
          'ClusterIPValidation',
          `Cluster IP ${text}(${parsed.family}) is of ip family that is no longer configured on cluster; please recreate service`,
        );
        bump(metrics, 'invalid');
        continue;
      }
      const ip = range.format(text);
      const i = range.indexOf(ip);
      if (i === undefined) {
        bump(metrics, 'outOfRange');
        ev(svc, 'ClusterIPOutOfRange', 'ClusterIPAllocation', `Cluster IP [${range.family}]:${ip} is not within the configured Service CIDR ${range.spec}; please recreate service`);
        continue;
      }
      if (rebuilt.has(i)) {
        bump(metrics, 'duplicate');
        ev(svc, 'ClusterIPAlreadyAllocated', 'ClusterIPAllocation', `Cluster IP [${range.family}]:${ip} was assigned to multiple services; please recreate service`);
        continue;
      }
      if (rebuilt.free() === 0) {
        bump(metrics, 'full');
        const message = `Service CIDR ${range.spec} is full; you must widen the CIDR in order to create new services for Cluster IP [${range.family}]:${ip}`;
        ev(svc, 'ServiceCIDRFull', 'ClusterIPAllocation', message);
        return {
          ok: false,
          error: `the service CIDR ${range.spec} is full; you must widen the CIDR in order to create new services for Cluster IP [${range.family}]:${ip}`,
          range: range.spec,
          bitmap: rebuilt,
          leaks: input.leaks,
          events,
          metrics,
        };
      }
      rebuilt.allocate(i);
      if (stored.has(ip)) stored.delete(ip);
      else {
        bump(metrics, 'repair');
        ev(svc, 'ClusterIPNotAllocated', 'ClusterIPAllocation', `Cluster IP [${range.family}]:${ip} is not allocated; repairing`);
      }
      delete leaks[ip]; // in use, so not leaked
    }
  }
  checkLeaks(range, stored, leaks, rebuilt, metrics);
  return { ok: true, range: range.spec, bitmap: rebuilt, leaks, events, metrics };
}

/**
 * The node ports a Service holds, as upstream's repair counts them: the same nodePort with another
 * protocol is one allocation; with the same protocol twice it counts twice (a duplicate); the
 * healthCheckNodePort counts unless it is a nodePort of a non-TCP port only.
 */
export function collectServiceNodePorts(spec: Record<string, unknown>): number[] {
  const out: number[] = [];
  const seen = new Map<number, Set<string>>();
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    const port = p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
    const np = typeof port.nodePort === 'number' ? port.nodePort : 0;
    if (np === 0) continue;
    const proto = typeof port.protocol === 'string' ? port.protocol : 'TCP';
    const s = seen.get(np);
    if (!s) {
      seen.set(np, new Set([proto]));
      out.push(np);
    } else if (s.has(proto)) out.push(np);
    else s.add(proto);
  }
  const hc = typeof spec.healthCheckNodePort === 'number' ? spec.healthCheckNodePort : 0;
  if (hc !== 0) {
    const s = seen.get(hc);
    if (!s || s.has('TCP')) out.push(hc);
  }
  return out;
}

/** Repair the node port range. */
export function repairNodePorts(input: { range: PortRange; stored: StoredRange | null; services: ServiceLike[]; leaks: LeakCounters }): RepairResult {
  const { range } = input;
  const leaks: LeakCounters = { ...input.leaks };
  const events: RepairEvent[] = [];
  const metrics: RepairResult['metrics'] = {};
  const rebuilt = new AllocationBitmap(range.max, range.offset);
  let stored: Map<string, number>;
  try {
    stored = new Map(storedValues(input.stored, PortRange.parse).map((p) => [String(p), p]));
  } catch (e) {
    return { ok: false, error: `unable to rebuild allocator from snapshot: ${(e as Error).message}`, range: range.spec, bitmap: rebuilt, leaks: input.leaks, events, metrics };
  }
  const ev = (svc: ServiceLike, reason: string, message: string) => events.push({ type: 'Warning', reason, action: 'PortAllocation', message, service: refOf(svc) });

  for (const svc of input.services) {
    for (const port of collectServiceNodePorts(specOf(svc))) {
      const i = range.indexOf(port);
      if (i === undefined) {
        bump(metrics, 'outOfRange');
        ev(svc, 'PortOutOfRange', `Port ${port} is not within the port range ${range.spec}; please recreate service`);
        continue;
      }
      if (rebuilt.has(i)) {
        bump(metrics, 'duplicate');
        ev(svc, 'PortAlreadyAllocated', `Port ${port} was assigned to multiple services; please recreate service`);
        continue;
      }
      if (rebuilt.free() === 0) {
        bump(metrics, 'full');
        ev(svc, 'PortRangeFull', `Port range ${range.spec} is full; you must widen the port range in order to create new services`);
        return {
          ok: false,
          error: `the port range ${range.spec} is full; you must widen the port range in order to create new services`,
          range: range.spec,
          bitmap: rebuilt,
          leaks: input.leaks,
          events,
          metrics,
        };
      }
      rebuilt.allocate(i);
      const key = String(port);
      if (stored.has(key)) stored.delete(key);
      else {
        bump(metrics, 'repair');
        ev(svc, 'PortNotAllocated', `Port ${port} is not allocated; repairing`);
      }
      delete leaks[key];
    }
  }
  checkLeaks(range, stored, leaks, rebuilt, metrics);
  return { ok: true, range: range.spec, bitmap: rebuilt, leaks, events, metrics };
}
