/**
 * Runs the ClusterIP and NodePort repair passes against storage (upstream ipallocator/controller
 * and portallocator/controller Repair.RunOnce): read the RangeAllocation, list every Service,
 * rebuild the bitmap with the pure functions of libs/allocators, then write the result with
 * compare-and-swap on the RangeAllocation read at the start; when someone else wrote it in between
 * (an allocation, another replica's pass) the whole pass is redone.
 *
 * The leak counters live in an annotation of the RangeAllocation itself, so they are written in
 * the same CAS as the bitmap and survive restarts. Events are recorded and metrics counted once
 * per completed pass (not for passes redone after a conflict).
 */
import type { KObject } from '../../../libs/apimachinery/src/types';
import { rangeAllocationObject, SECONDARY_SERVICE_IPS_KEY, SERVICE_IPS_KEY, SERVICE_NODE_PORTS_KEY } from '../../../libs/allocators/src/range-allocator';
import { IPRange, PortRange } from '../../../libs/allocators/src/ranges';
import { LeakCounters, repairClusterIPs, repairNodePorts, RepairResult, ServiceLike, StoredRange } from '../../../libs/allocators/src/repair';
import type { Store } from '../../../libs/registry/src/store';
import { isStorageError, Storage } from '../../../libs/storage/src/interface';
import { EventRecorder } from './event-recorder';
import { addErrorCounts, RepairMetrics } from './metrics';

/** Annotation of the RangeAllocation holding the leak counters (JSON: value -> passes left). */
export const LEAK_COUNTERS_ANNOTATION = 'kubernest.io/repair-leak-counters';
export const IP_REPAIR_COMPONENT = 'ipallocator-repair-controller';
export const PORT_REPAIR_COMPONENT = 'portallocator-repair-controller';
/** passes redone after CAS conflicts before giving up until the next interval */
const MAX_ATTEMPTS = 10;

class PassConflict extends Error {}

export function leakCountersOf(obj: KObject | null): LeakCounters {
  const raw = obj?.metadata?.annotations?.[LEAK_COUNTERS_ANNOTATION];
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (!parsed || typeof parsed !== 'object') return {};
    const out: LeakCounters = {};
    for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) if (typeof v === 'number') out[k] = v;
    return out;
  } catch {
    return {};
  }
}

function storedRangeOf(obj: KObject | null): StoredRange | null {
  if (!obj) return null;
  const o = obj as KObject & { range?: unknown; data?: unknown };
  return { range: typeof o.range === 'string' ? o.range : '', data: typeof o.data === 'string' ? o.data : undefined };
}

export interface RepairTarget {
  /** storage key of the RangeAllocation */
  key: string;
  component: string;
  repair(stored: StoredRange | null, services: ServiceLike[], leaks: LeakCounters): RepairResult;
  errors: RepairMetrics['clusterIPErrors'];
  reconcileErrors: RepairMetrics['clusterIPReconcileErrors'];
  recorder: EventRecorder;
}

export class RepairRunner {
  constructor(
    private readonly storage: Storage,
    private readonly services: Store,
  ) {}

  private async read(key: string): Promise<KObject | null> {
    try {
      return await this.storage.get(key);
    } catch (e) {
      if (isStorageError(e, 'KeyNotFound')) return null;
      throw e;
    }
  }

  /** One pass, redone on conflict. Throws (and counts a reconcile error) when it cannot complete. */
  async runOnce(t: RepairTarget): Promise<RepairResult> {
    try {
      return await this.attempt(t);
    } catch (e) {
      t.reconcileErrors.inc();
      throw e;
    }
  }

  private async attempt(t: RepairTarget): Promise<RepairResult> {
    for (let attempt = 1; ; attempt++) {
      // the snapshot first, then the Services: an IP allocated in between is at worst a leak candidate
      const stored = await this.read(t.key);
      const readRv = stored?.metadata.resourceVersion ?? '';
      const services = (await this.services.list('', {})).items as ServiceLike[];
      const result = t.repair(storedRangeOf(stored), services, leakCountersOf(stored));
      if (!result.ok) {
        addErrorCounts(t.errors, result.metrics);
        await t.recorder.recordAll(result.events);
        throw new Error(result.error ?? 'repair pass failed');
      }
      try {
        await this.write(t.key, readRv, result);
      } catch (e) {
        if (e instanceof PassConflict && attempt < MAX_ATTEMPTS) continue;
        if (e instanceof PassConflict) throw new Error(`${t.component}: the range allocation at ${t.key} kept changing; giving up until the next pass`);
        throw e;
      }
      addErrorCounts(t.errors, result.metrics);
      await t.recorder.recordAll(result.events);
      return result;
    }
  }

  private async write(key: string, readRv: string, result: RepairResult): Promise<void> {
    await this.storage.guaranteedUpdate(
      key,
      (current) => {
        if ((current?.metadata.resourceVersion ?? '') !== readRv) throw new PassConflict();
        const metadata = { ...(current?.metadata ?? { name: '' }) };
        const annotations = { ...(metadata.annotations ?? {}) };
        if (Object.keys(result.leaks).length > 0) annotations[LEAK_COUNTERS_ANNOTATION] = JSON.stringify(sortKeys(result.leaks));
        else delete annotations[LEAK_COUNTERS_ANNOTATION];
        if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
        else delete metadata.annotations;
        return rangeAllocationObject(result.range, result.bitmap.toBytes(), metadata);
      },
      { ignoreNotFound: true },
    );
  }
}

function sortKeys(o: LeakCounters): LeakCounters {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** The repair targets of a configuration: one per service CIDR, then the node ports. */
export function repairTargets(
  cfg: { serviceClusterIPRanges: string[]; serviceNodePortRange: { base: number; size: number } },
  metrics: RepairMetrics,
  recorders: { ip: EventRecorder; port: EventRecorder },
): { clusterIPs: RepairTarget[]; nodePorts: RepairTarget } {
  const keys = [SERVICE_IPS_KEY, SECONDARY_SERVICE_IPS_KEY];
  const dual = cfg.serviceClusterIPRanges.length > 1;
  const clusterIPs = cfg.serviceClusterIPRanges.map((cidr, i): RepairTarget => {
    const range = IPRange.parse(cidr);
    return {
      key: keys[i],
      component: IP_REPAIR_COMPONENT,
      repair: (stored, services, leaks) => repairClusterIPs({ range, stored, services, leaks, otherFamilyConfigured: dual }),
      errors: metrics.clusterIPErrors,
      reconcileErrors: metrics.clusterIPReconcileErrors,
      recorder: recorders.ip,
    };
  });
  const portRange = new PortRange(cfg.serviceNodePortRange.base, cfg.serviceNodePortRange.size);
  const nodePorts: RepairTarget = {
    key: SERVICE_NODE_PORTS_KEY,
    component: PORT_REPAIR_COMPONENT,
    repair: (stored, services, leaks) => repairNodePorts({ range: portRange, stored, services, leaks }),
    errors: metrics.nodePortErrors,
    reconcileErrors: metrics.nodePortReconcileErrors,
    recorder: recorders.port,
  };
  return { clusterIPs, nodePorts };
}
