/**
 * ClusterIP and NodePort allocation for the Service registry (upstream
 * pkg/registry/core/service/storage/alloc.go): the AllocationHook the generic Store calls around
 * the storage write. Create allocates (requested values statically, the rest dynamically), update
 * handles type and policy changes (releases deferred until the write succeeded), delete releases.
 * A failed write reverts what was allocated; dry run allocates nothing (upstream's dry-run
 * answers: the network address for a dynamic IP, 32769, 32770... for dynamic node ports).
 */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { errors, StatusError } from '../../../apimachinery/src/status';
import { KObject } from '../../../apimachinery/src/types';
import { AllocationBitmap, RandomInt } from '../../../allocators/src/bitmap';
import { IPFamily, parseIP } from '../../../allocators/src/ip';
import { RangeAllocator, SECONDARY_SERVICE_IPS_KEY, SERVICE_IPS_KEY, SERVICE_NODE_PORTS_KEY } from '../../../allocators/src/range-allocator';
import { IPRange, isAllocationError, PortRange } from '../../../allocators/src/ranges';
import { AllocationHook, AllocationTransaction } from '../../../registry/src/resource';
import { Storage } from '../../../storage/src/interface';
import { child, Json, num, obj, objs, str, strs } from '../common/json';
import { isHeadless, serviceType } from './service-defaults';

export interface ServiceAllocators {
  /** one per configured family, the primary (--service-cluster-ip-range[0]) first */
  ips: RangeAllocator<string>[];
  nodePorts: RangeAllocator<number>;
}

export interface ServiceAllocatorsConfig {
  /** --service-cluster-ip-range entries (one, or two of different families) */
  serviceClusterIPRanges: string[];
  /** --service-node-port-range */
  serviceNodePortRange: { base: number; size: number };
  random?: RandomInt;
}

export function newServiceAllocators(storage: Storage, cfg: ServiceAllocatorsConfig): ServiceAllocators {
  const keys = [SERVICE_IPS_KEY, SECONDARY_SERVICE_IPS_KEY];
  return {
    ips: cfg.serviceClusterIPRanges.map((r, i) => new RangeAllocator(storage, keys[i], IPRange.parse(r), { random: cfg.random })),
    nodePorts: new RangeAllocator(storage, SERVICE_NODE_PORTS_KEY, new PortRange(cfg.serviceNodePortRange.base, cfg.serviceNodePortRange.size), {
      random: cfg.random,
    }),
  };
}

const noop: AllocationTransaction = { commit: async () => undefined, revert: async () => undefined };

function needsClusterIP(spec: Json): boolean {
  return serviceType(spec) !== 'ExternalName';
}

function needsNodePort(spec: Json): boolean {
  const t = serviceType(spec);
  return t === 'NodePort' || t === 'LoadBalancer';
}

/** apiservice.NeedsHealthCheck */
export function needsHealthCheck(spec: Json): boolean {
  return serviceType(spec) === 'LoadBalancer' && str(spec.externalTrafficPolicy) === 'Local';
}

function shouldAllocateNodePorts(spec: Json): boolean {
  const t = serviceType(spec);
  if (t === 'NodePort') return true;
  if (t === 'LoadBalancer') return spec.allocateLoadBalancerNodePorts !== false;
  return false;
}

function familyOf(ip: string): IPFamily | 'unknown' {
  return parseIP(ip)?.family ?? 'unknown';
}

const otherFamily = (f: IPFamily): IPFamily => (f === 'IPv4' ? 'IPv6' : 'IPv4');

function sameList(a: unknown, b: unknown): boolean {
  const x = strs(a);
  const y = strs(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function invalid(name: string, errs: FieldError[]): StatusError {
  return errors.invalid('', 'Service', name, errs);
}

/** The node ports a Service holds (upstream alloc.go collectServiceNodePorts: non-zero nodePorts). */
function nodePortsOf(spec: Json): number[] {
  return objs(spec.ports)
    .map((p) => num(p.nodePort) ?? 0)
    .filter((p) => p !== 0);
}

/**
 * A node-port allocation operation (portallocator.PortAllocationOperation): allocations happen at
 * once, releases are deferred to commit; rollback releases the allocations.
 */
class PortOperation {
  readonly allocated: number[] = [];
  private readonly deferred: number[] = [];
  private snapshot?: Promise<AllocationBitmap>;

  constructor(
    private readonly alloc: RangeAllocator<number>,
    private readonly dryRun: boolean,
  ) {}

  async allocate(port: number): Promise<void> {
    if (this.dryRun) {
      this.snapshot ??= this.alloc.current();
      const i = this.alloc.range.indexOf(port);
      if ((i !== undefined && (await this.snapshot).has(i)) || this.allocated.includes(port)) throw this.alloc.range.errAllocated();
      this.allocated.push(port);
      return;
    }
    await this.alloc.allocate(port);
    this.allocated.push(port);
  }

  async allocateNext(): Promise<number> {
    if (this.dryRun) {
      const last = this.allocated.length === 0 ? 32768 : Math.max(...this.allocated);
      this.allocated.push(last + 1);
      return last + 1;
    }
    const port = await this.alloc.allocateNext();
    this.allocated.push(port);
    return port;
  }

  releaseDeferred(port: number): void {
    this.deferred.push(port);
  }

  async commit(): Promise<void> {
    if (!this.dryRun && this.deferred.length) await this.alloc.releaseAll(this.deferred);
  }

  async rollback(): Promise<void> {
    if (!this.dryRun && this.allocated.length) await this.alloc.releaseAll(this.allocated);
  }
}

/** Errors that are not field errors: storage trouble, a mismatched range... → 500. */
function internal(e: unknown): StatusError {
  return e instanceof StatusError ? e : errors.internal(e);
}

async function bestEffort(fn: () => Promise<void>, what: string): Promise<void> {
  try {
    await fn();
  } catch (e) {
    console.warn(`service allocation: ${what}: ${(e as Error).message}`);
  }
}

export class ServiceAllocation implements AllocationHook {
  private readonly byFamily = new Map<IPFamily, RangeAllocator<string>>();
  private readonly families: IPFamily[];

  constructor(readonly allocators: ServiceAllocators) {
    for (const a of allocators.ips) this.byFamily.set((a.range as IPRange).family, a);
    this.families = allocators.ips.map((a) => (a.range as IPRange).family);
  }

  private get defaultFamily(): IPFamily {
    return this.families[0] ?? 'IPv4';
  }

  // ---- ip families (initIPFamilyFields) ---------------------------------------------------------

  /** Default and check ipFamilyPolicy/ipFamilies against the configured families. */
  initIPFamilyFields(svc: KObject, old?: KObject): void {
    const spec = child(svc, 'spec');
    const oldSpec = old ? (obj(old.spec) ?? {}) : undefined;
    if (serviceType(spec) === 'ExternalName') return;
    if (oldSpec && this.matchingPreferDualStack(spec, oldSpec)) return;
    const name = svc.metadata?.name ?? '';
    const selectorless = Object.keys(obj(spec.selector) ?? {}).length === 0;
    if (spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === null) {
      if (oldSpec && str(oldSpec.ipFamilyPolicy)) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
      else if (str(spec.clusterIP) === 'None' && selectorless) spec.ipFamilyPolicy = 'RequireDualStack';
      else spec.ipFamilyPolicy = 'SingleStack';
    }
    const policy = str(spec.ipFamilyPolicy);
    const errs: FieldError[] = [];
    if (oldSpec) {
      if (policy === 'SingleStack') {
        if (sameList(oldSpec.clusterIPs, spec.clusterIPs) && strs(spec.clusterIPs).length > 1) spec.clusterIPs = strs(spec.clusterIPs).slice(0, 1);
        if (sameList(oldSpec.ipFamilies, spec.ipFamilies) && strs(spec.ipFamilies).length > 1) spec.ipFamilies = strs(spec.ipFamilies).slice(0, 1);
      } else {
        const n = strs(spec.clusterIPs).length;
        if (n > 0 && n < strs(oldSpec.clusterIPs).length) {
          errs.push(fieldErrors.invalid('spec.ipFamilyPolicy', policy, "must be 'SingleStack' to release the secondary cluster IP"));
        }
        const f = strs(spec.ipFamilies).length;
        if (f > 0 && f < strs(oldSpec.ipFamilies).length) {
          errs.push(fieldErrors.invalid('spec.ipFamilyPolicy', policy, "must be 'SingleStack' to release the secondary IP family"));
        }
      }
    }
    if (policy === 'SingleStack') {
      if (strs(spec.clusterIPs).length === 2) {
        errs.push(fieldErrors.invalid('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple cluster IPs are specified"));
      }
      if (strs(spec.ipFamilies).length === 2) {
        errs.push(fieldErrors.invalid('spec.ipFamilyPolicy', policy, "must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"));
      }
    }
    const ips = strs(spec.clusterIPs);
    const families = strs(spec.ipFamilies);
    for (const [i, ip] of ips.entries()) {
      if (ip === 'None') break;
      if (i < families.length) continue;
      const fam = familyOf(ip);
      if (fam === 'unknown' || !this.byFamily.has(fam)) errs.push(fieldErrors.invalid(`spec.clusterIPs[${i}]`, ips, `${fam} is not configured on this cluster`));
      else families.push(fam);
    }
    if (families.length) spec.ipFamilies = families;
    if (errs.length) throw invalid(name, errs);

    if (str(spec.clusterIP) === 'None' && selectorless) {
      const fams = strs(spec.ipFamilies).length ? strs(spec.ipFamilies) : [this.defaultFamily];
      if (fams.length < 2 && policy !== 'SingleStack') fams.push(otherFamily(fams[0] as IPFamily));
      spec.ipFamilies = fams;
      return;
    }
    if (policy === 'RequireDualStack' && this.families.length < 2) {
      errs.push(fieldErrors.invalid('spec.ipFamilyPolicy', policy, 'this cluster is not configured for dual-stack services'));
    }
    strs(spec.ipFamilies).forEach((f, i) => {
      if (!this.byFamily.has(f as IPFamily)) errs.push(fieldErrors.invalid(`spec.ipFamilies[${i}]`, f, 'not configured on this cluster'));
    });
    if (errs.length) throw invalid(name, errs);
    if (strs(spec.ipFamilies).length === 0) spec.ipFamilies = [this.defaultFamily];
    const fams = strs(spec.ipFamilies);
    if (policy !== 'SingleStack' && fams.length === 1 && this.families.length === 2) spec.ipFamilies = [...fams, otherFamily(fams[0] as IPFamily)];
  }

  private matchingPreferDualStack(spec: Json, oldSpec: Json): boolean {
    if (spec.ipFamilyPolicy === undefined || spec.ipFamilyPolicy === null) return false;
    if (serviceType(spec) !== serviceType(oldSpec) || !needsClusterIP(spec)) return false;
    if (str(spec.ipFamilyPolicy) !== 'PreferDualStack') return false;
    if (oldSpec.ipFamilyPolicy !== undefined && str(oldSpec.ipFamilyPolicy) !== 'PreferDualStack') return false;
    return sameList(spec.clusterIPs, oldSpec.clusterIPs) && sameList(spec.ipFamilies, oldSpec.ipFamilies);
  }

  // ---- cluster IPs ------------------------------------------------------------------------------

  /** Allocate the IPs of `toAlloc` (family -> requested IP or ''); returns what was allocated. */
  private async allocIPs(svc: KObject, toAlloc: [IPFamily, string][], dryRun: boolean): Promise<Map<IPFamily, string>> {
    const spec = child(svc, 'spec');
    const allocated = new Map<IPFamily, string>();
    try {
      for (const [family, ip] of toAlloc) {
        const alloc = this.byFamily.get(family)!;
        const range = alloc.range as IPRange;
        if (ip === '') {
          if (dryRun) allocated.set(family, range.networkAddress);
          else {
            try {
              allocated.set(family, await alloc.allocateNext());
            } catch (e) {
              throw errors.internal(new Error(`failed to allocate a serviceIP: ${(e as Error).message}`));
            }
          }
          continue;
        }
        try {
          if (dryRun) {
            if (range.indexOf(ip) === undefined) throw range.errNotInRange(ip);
          } else await alloc.allocate(ip);
        } catch (e) {
          if (!isAllocationError(e)) throw internal(e);
          throw invalid(svc.metadata?.name ?? '', [fieldErrors.invalid('spec.clusterIPs', strs(spec.clusterIPs), `failed to allocate IP ${ip}: ${e.message}`)]);
        }
        allocated.set(family, ip);
      }
    } catch (e) {
      if (!dryRun) await this.releaseIPs(allocated);
      throw e;
    }
    return allocated;
  }

  /** allocClusterIPs: fill clusterIPs per ipFamilies ('' markers for the ones to pick). */
  private async allocClusterIPs(svc: KObject, dryRun: boolean): Promise<Map<IPFamily, string>> {
    const spec = child(svc, 'spec');
    if (!needsClusterIP(spec) || isHeadless(spec)) return new Map();
    const ips = strs(spec.clusterIPs);
    const families = strs(spec.ipFamilies) as IPFamily[];
    const toAlloc: [IPFamily, string][] = families.map((f, i) => [f, ips[i] ?? '']);
    while (ips.length < families.length) ips.push('');
    spec.clusterIPs = ips;
    const allocated = await this.allocIPs(svc, toAlloc, dryRun);
    families.forEach((f, i) => {
      const ip = allocated.get(f);
      if (ip !== undefined) ips[i] = ip;
    });
    spec.clusterIPs = ips;
    spec.clusterIP = ips[0];
    return allocated;
  }

  private async releaseIPs(ips: Map<IPFamily, string>): Promise<void> {
    for (const [family, ip] of ips) {
      const alloc = this.byFamily.get(family);
      if (alloc) await alloc.release(ip);
    }
  }

  private ipsByFamily(spec: Json): Map<IPFamily, string> {
    const out = new Map<IPFamily, string>();
    if (!needsClusterIP(spec) || isHeadless(spec)) return out;
    const ips = strs(spec.clusterIPs).length ? strs(spec.clusterIPs) : str(spec.clusterIP) ? [str(spec.clusterIP)] : [];
    for (const ip of ips) {
      const f = familyOf(ip);
      if (f !== 'unknown') out.set(f, ip);
    }
    return out;
  }

  // ---- node ports -------------------------------------------------------------------------------

  private async initNodePorts(svc: KObject, op: PortOperation): Promise<void> {
    const spec = child(svc, 'spec');
    const ports = objs(spec.ports);
    const byServicePort = new Map<number, number>();
    for (const [i, p] of ports.entries()) {
      const nodePort = num(p.nodePort) ?? 0;
      if (nodePort === 0 && !shouldAllocateNodePorts(spec)) continue;
      const port = num(p.port) ?? 0;
      const already = byServicePort.get(port) ?? 0;
      if (already === 0) {
        const requested = ports.find((q) => (num(q.port) ?? 0) === port && (num(q.nodePort) ?? 0) !== 0);
        const np = requested ? (num(requested.nodePort) ?? 0) : 0;
        if (np !== 0) {
          await this.allocPort(svc, op, np, i);
          p.nodePort = np;
          byServicePort.set(port, np);
        } else {
          p.nodePort = await this.nextPort(op);
          byServicePort.set(port, p.nodePort as number);
        }
      } else if (nodePort !== already) {
        if (nodePort === 0) p.nodePort = already;
        else await this.allocPort(svc, op, nodePort, i);
      }
    }
  }

  private async allocPort(svc: KObject, op: PortOperation, port: number, index: number): Promise<void> {
    try {
      await op.allocate(port);
    } catch (e) {
      if (!isAllocationError(e)) throw internal(e);
      throw invalid(svc.metadata?.name ?? '', [fieldErrors.invalid(`spec.ports[${index}].nodePort`, port, e.message)]);
    }
  }

  private async nextPort(op: PortOperation): Promise<number> {
    try {
      return await op.allocateNext();
    } catch (e) {
      if (!isAllocationError(e)) throw internal(e);
      throw errors.internal(new Error(`failed to allocate a nodePort: ${e.message}`));
    }
  }

  private async allocHealthCheckNodePort(spec: Json, op: PortOperation): Promise<void> {
    const hc = num(spec.healthCheckNodePort) ?? 0;
    if (hc !== 0) {
      try {
        await op.allocate(hc);
      } catch (e) {
        if (!isAllocationError(e)) throw internal(e);
        throw errors.internal(new Error(`failed to allocate requested HealthCheck NodePort ${hc}: ${e.message}`));
      }
      return;
    }
    try {
      spec.healthCheckNodePort = await op.allocateNext();
    } catch (e) {
      if (!isAllocationError(e)) throw internal(e);
      throw errors.internal(new Error(`failed to allocate a HealthCheck NodePort 0: ${e.message}`));
    }
  }

  private async updateNodePorts(svc: KObject, oldSpec: Json, op: PortOperation): Promise<void> {
    const spec = child(svc, 'spec');
    const oldNumbers = nodePortsOf(oldSpec);
    const seen = new Set<string>();
    const taken = new Set<number>();
    for (const [i, p] of objs(spec.ports).entries()) {
      let np = num(p.nodePort) ?? 0;
      if (np === 0 && !shouldAllocateNodePorts(spec)) continue;
      if (np !== 0) {
        if (!oldNumbers.includes(np) && !taken.has(np)) {
          await this.allocPort(svc, op, np, i);
          taken.add(np);
        }
      } else {
        np = await this.nextPort(op);
        p.nodePort = np;
      }
      const key = `${str(p.protocol)}/${np}`;
      if (seen.has(key)) throw errors.internal(new Error(`duplicate nodePort: {${str(p.protocol)} ${np}}`));
      seen.add(key);
    }
    const newNumbers = nodePortsOf(spec);
    for (const old of oldNumbers) if (!newNumbers.includes(old)) op.releaseDeferred(old);
  }

  // ---- the hook ---------------------------------------------------------------------------------

  async allocateCreate(svc: KObject, opts: { dryRun: boolean }): Promise<AllocationTransaction> {
    const dryRun = opts.dryRun;
    this.initIPFamilyFields(svc);
    const spec = child(svc, 'spec');
    const ips = await this.allocClusterIPs(svc, dryRun);
    const op = new PortOperation(this.allocators.nodePorts, dryRun);
    const revert = async () => {
      if (dryRun) return;
      await bestEffort(() => op.rollback(), 'releasing node ports of a failed create');
      await bestEffort(() => this.releaseIPs(ips), 'releasing cluster IPs of a failed create');
    };
    try {
      if (needsNodePort(spec)) await this.initNodePorts(svc, op);
      if (needsHealthCheck(spec)) await this.allocHealthCheckNodePort(spec, op);
    } catch (e) {
      await revert();
      throw e;
    }
    if (dryRun) return noop;
    return { commit: async () => undefined, revert };
  }

  async allocateUpdate(svc: KObject, old: KObject, opts: { dryRun: boolean }): Promise<AllocationTransaction> {
    const dryRun = opts.dryRun;
    this.initIPFamilyFields(svc, old);
    const spec = child(svc, 'spec');
    const oldSpec = obj(old.spec) ?? {};

    // cluster IPs: allocate now, release on commit
    let allocated = new Map<IPFamily, string>();
    let toRelease = new Map<IPFamily, string>();
    if (!(this.matchingPreferDualStack(spec, oldSpec))) {
      if (!needsClusterIP(oldSpec) && needsClusterIP(spec)) {
        allocated = await this.allocClusterIPs(svc, dryRun);
      } else if (!isHeadless(oldSpec)) {
        if (needsClusterIP(oldSpec) && !needsClusterIP(spec)) {
          toRelease = this.ipsByFamily(oldSpec);
        } else {
          const oldFams = strs(oldSpec.ipFamilies) as IPFamily[];
          const fams = strs(spec.ipFamilies) as IPFamily[];
          if (oldFams.length === 1 && fams.length === 2) {
            const ips = strs(spec.clusterIPs);
            if (ips.length < 2) ips.push('');
            spec.clusterIPs = ips;
            allocated = await this.allocIPs(svc, [[fams[1], ips[1]]], dryRun);
            ips[1] = allocated.get(fams[1]) ?? ips[1];
          } else if (oldFams.length === 2 && fams.length === 1) {
            toRelease.set(oldFams[1], strs(oldSpec.clusterIPs)[1]);
          }
        }
      }
    }

    const op = new PortOperation(this.allocators.nodePorts, dryRun);
    const revert = async () => {
      if (dryRun) return;
      await bestEffort(() => op.rollback(), 'releasing node ports of a failed update');
      await bestEffort(() => this.releaseIPs(allocated), 'releasing cluster IPs of a failed update');
    };
    try {
      if (needsNodePort(oldSpec) && !needsNodePort(spec)) for (const p of nodePortsOf(oldSpec)) op.releaseDeferred(p);
      if (needsNodePort(spec)) await this.updateNodePorts(svc, oldSpec, op);
      const needed = needsHealthCheck(oldSpec);
      const needs = needsHealthCheck(spec);
      if (!needed && needs) await this.allocHealthCheckNodePort(spec, op);
      else if (needed && !needs) op.releaseDeferred(num(oldSpec.healthCheckNodePort) ?? 0);
    } catch (e) {
      await revert();
      throw e;
    }
    if (dryRun) return noop;
    return {
      commit: async () => {
        await bestEffort(() => op.commit(), 'releasing node ports after an update');
        await bestEffort(() => this.releaseIPs(toRelease), 'releasing cluster IPs after an update');
      },
      revert,
    };
  }

  async release(svc: KObject): Promise<void> {
    const spec = obj(svc.spec) ?? {};
    await this.releaseIPs(this.ipsByFamily(spec));
    const ports = [...new Set(nodePortsOf(spec))];
    const hc = num(spec.healthCheckNodePort) ?? 0;
    if (needsHealthCheck(spec) && hc > 0) ports.push(hc);
    await this.allocators.nodePorts.releaseAll(ports);
  }
}
