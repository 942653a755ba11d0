/** qos.GetPodQOS: BestEffort, Burstable or Guaranteed from the containers' cpu/memory resources. */
import { Json, obj, objs } from '../../common/json';
import { parseQuantity } from '../../common/quantity';

const QOS_RESOURCES = ['cpu', 'memory'];

export type QOSClass = 'BestEffort' | 'Burstable' | 'Guaranteed';

function add(m: Map<string, bigint>, name: string, v: bigint): void {
  m.set(name, (m.get(name) ?? 0n) + v);
}

export function computePodQOS(spec: Json): QOSClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let isGuaranteed = true;
  for (const c of [...objs(spec.containers), ...objs(spec.initContainers)]) {
    const res = obj(c.resources) ?? {};
    for (const [name, q] of Object.entries(obj(res.requests) ?? {})) {
      const v = parseQuantity(q) ?? 0n;
      if (QOS_RESOURCES.includes(name) && v > 0n) add(requests, name, v);
    }
    const found = new Set<string>();
    for (const [name, q] of Object.entries(obj(res.limits) ?? {})) {
      const v = parseQuantity(q) ?? 0n;
      if (QOS_RESOURCES.includes(name) && v > 0n) {
        found.add(name);
        add(limits, name, v);
      }
    }
    if (!QOS_RESOURCES.every((r) => found.has(r))) isGuaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (isGuaranteed) {
    for (const [name, req] of requests) {
      if (limits.get(name) !== req) {
        isGuaranteed = false;
        break;
      }
    }
  }
  return isGuaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
