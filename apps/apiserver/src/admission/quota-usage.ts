/**
 * What an object costs against a ResourceQuota (upstream's quota evaluators, the common subset):
 * every resource counts `count/<resource>[.<group>]`; pods, services, configmaps, secrets,
 * persistentvolumeclaims, replicationcontrollers, resourcequotas also count under their bare name;
 * pods add requests.cpu/memory (alias cpu/memory) and limits.cpu/memory (the sum over containers,
 * or the largest init container when larger); services add services.nodeports and
 * services.loadbalancers; PVCs add requests.storage. Values are bigint nano-units.
 */
import { KObject } from '../../../../libs/apimachinery/src/types';
import { parseQuantity } from '../../../../libs/resources/src/common/quantity';

export type Usage = Map<string, bigint>;
const ONE = 1_000_000_000n;
const NAMED = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);

export function countResourceName(group: string, plural: string): string {
  return group ? `count/${plural}.${group}` : `count/${plural}`;
}

/** Whether a pod no longer counts (upstream: terminal phase). */
export function podTerminal(pod: KObject): boolean {
  const phase = (pod.status as { phase?: string } | undefined)?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

type Container = { resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> } };

function sumContainers(spec: Record<string, unknown>, kind: 'requests' | 'limits', res: string): bigint | undefined {
  let sum: bigint | undefined;
  for (const c of (spec.containers as Container[] | undefined) ?? []) {
    const q = parseQuantity(c.resources?.[kind]?.[res]);
    if (q !== null) sum = (sum ?? 0n) + q;
  }
  for (const c of (spec.initContainers as Container[] | undefined) ?? []) {
    const q = parseQuantity(c.resources?.[kind]?.[res]);
    if (q !== null && (sum === undefined || q > sum)) sum = q;
  }
  return sum;
}

export function usageOf(group: string, plural: string, obj: KObject): Usage {
  const u: Usage = new Map();
  u.set(countResourceName(group, plural), ONE);
  if (group === '' && NAMED.has(plural)) u.set(plural, ONE);
  if (group === '' && plural === 'pods') {
    if (podTerminal(obj)) return new Map();
    const spec = (obj.spec ?? {}) as Record<string, unknown>;
    for (const res of ['cpu', 'memory', 'ephemeral-storage']) {
      const r = sumContainers(spec, 'requests', res);
      if (r !== undefined) {
        u.set(`requests.${res}`, r);
        if (res !== 'ephemeral-storage') u.set(res, r);
      }
      const l = sumContainers(spec, 'limits', res);
      if (l !== undefined) u.set(`limits.${res}`, l);
    }
  }
  if (group === '' && plural === 'services') {
    const spec = (obj.spec ?? {}) as { type?: string; ports?: unknown[] };
    if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') u.set('services.nodeports', BigInt(spec.ports?.length ?? 0) * ONE);
    if (spec.type === 'LoadBalancer') u.set('services.loadbalancers', ONE);
  }
  if (group === '' && plural === 'persistentvolumeclaims') {
    const q = parseQuantity((obj.spec as { resources?: { requests?: Record<string, unknown> } } | undefined)?.resources?.requests?.storage);
    if (q !== null) u.set('requests.storage', q);
  }
  return u;
}

/** Quantity text for a nano-unit value (canonical enough: integers plain or binary-suffixed, else m / n). */
export function formatQuantity(v: bigint): string {
  if (v % ONE === 0n) {
    const n = v / ONE;
    if (n !== 0n) {
      for (const [suffix, m] of [['Ei', 1n << 60n], ['Pi', 1n << 50n], ['Ti', 1n << 40n], ['Gi', 1n << 30n], ['Mi', 1n << 20n], ['Ki', 1n << 10n]] as const) {
        if (n % m === 0n && n >= m && n >= 1n << 20n) return `${n / m}${suffix}`;
      }
    }
    return String(n);
  }
  if (v % 1_000_000n === 0n) return `${v / 1_000_000n}m`;
  return `${v}n`;
}
