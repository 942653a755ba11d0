/**
 * LimitRanger (upstream admission plugin, on by default), for pods on create: the mutating half
 * applies each LimitRange's Container defaults (default -> limits, defaultRequest -> requests,
 * only where the container sets none; annotation `kubernetes.io/limit-ranger`); the validating
 * half enforces min / max / maxLimitRequestRatio per Container and per Pod with upstream's
 * messages (several violations: `[a, b]`, as utilerrors.NewAggregate prints them).
 * As upstream's LimitRange API defaulting: a missing default comes from max, a missing
 * defaultRequest from default, then from min.
 */
import { errors } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { parseQuantity } from '../../../../libs/resources/src/common/quantity';
import { AdmissionHook, mutatingAdmission, Store } from '../../../../libs/registry/src/store';

type RL = Record<string, string>;
interface Item {
  type?: string;
  max?: RL;
  min?: RL;
  default?: RL;
  defaultRequest?: RL;
  maxLimitRequestRatio?: RL;
}
interface Container {
  name?: string;
  resources?: { requests?: RL; limits?: RL };
}
export const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

function items(ranges: KObject[]): Item[] {
  return ranges.flatMap((r) => ((r.spec as { limits?: Item[] } | undefined)?.limits ?? []));
}

/** Applies Container defaults in place; returns the annotation text or '' when nothing was set. */
export function applyContainerDefaults(pod: KObject, ranges: KObject[]): string {
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const notes: string[] = [];
  for (const item of items(ranges)) {
    if (item.type !== 'Container') continue;
    const defLimits: RL = { ...(item.max ?? {}), ...(item.default ?? {}) };
    const defRequests: RL = { ...(item.min ?? {}), ...defLimits, ...(item.defaultRequest ?? {}) };
    for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      const res = (c.resources ??= {});
      const setReq: string[] = [];
      const setLim: string[] = [];
      for (const [k, v] of Object.entries(defLimits)) {
        if (res.limits?.[k] !== undefined) continue;
        (res.limits ??= {})[k] = v;
        setLim.push(k);
      }
      for (const [k, v] of Object.entries(defRequests)) {
        if (res.requests?.[k] !== undefined) continue;
        // a request above the (given) limit would fail validation: upstream keeps the limit then
        const lim = res.limits?.[k];
        (res.requests ??= {})[k] = lim !== undefined && (parseQuantity(v) ?? 0n) > (parseQuantity(lim) ?? 0n) ? lim : v;
        setReq.push(k);
      }
      if (setReq.length) notes.push(`${setReq.sort().join(', ')} request for container ${c.name}`);
      if (setLim.length) notes.push(`${setLim.sort().join(', ')} limit for container ${c.name}`);
    }
  }
  return notes.length ? `LimitRanger plugin set: ${notes.join('; ')}` : '';
}

function q(v: string | undefined): bigint | undefined {
  if (v === undefined) return undefined;
  return parseQuantity(v) ?? undefined;
}

function checkOne(kind: string, res: string, item: Item, req: string | undefined, lim: string | undefined, out: string[]): void {
  const min = item.min?.[res];
  if (min !== undefined) {
    // one message per constraint, the first that fails (as upstream's minConstraint)
    if (req === undefined) out.push(`minimum ${res} usage per ${kind} is ${min}.  No request is specified`);
    else if (q(req)! < q(min)!) out.push(`minimum ${res} usage per ${kind} is ${min}, but request is ${req}`);
    else if (lim !== undefined && q(lim)! < q(min)!) out.push(`minimum ${res} usage per ${kind} is ${min}, but limit is ${lim}`);
  }
  const max = item.max?.[res];
  if (max !== undefined) {
    if (lim === undefined) out.push(`maximum ${res} usage per ${kind} is ${max}.  No limit is specified`);
    else if (q(lim)! > q(max)!) out.push(`maximum ${res} usage per ${kind} is ${max}, but limit is ${lim}`);
    else if (req !== undefined && q(req)! > q(max)!) out.push(`maximum ${res} usage per ${kind} is ${max}, but request is ${req}`);
  }
  const ratio = item.maxLimitRequestRatio?.[res];
  if (ratio !== undefined) {
    const r = q(req) ?? 0n;
    const l = q(lim);
    if (r <= 0n) out.push(`${res} max limit to request ratio per ${kind} is ${ratio}, but no request is specified or request is 0`);
    else if (l === undefined) out.push(`${res} max limit to request ratio per ${kind} is ${ratio}, but no limit is specified`);
    else {
      const observed = Number(l) / Number(r);
      if (observed > Number(q(ratio)!) / 1e9) out.push(`${res} max limit to request ratio per ${kind} is ${ratio}, but provided ratio is ${observed.toFixed(6)}`);
    }
  }
}

function formatNano(v: bigint): string {
  if (v % 1_000_000_000n === 0n) return String(v / 1_000_000_000n);
  if (v % 1_000_000n === 0n) return `${v / 1_000_000n}m`;
  return `${v}n`;
}

/** The violations of a pod against the LimitRanges (empty = admitted). */
export function podViolations(pod: KObject, ranges: KObject[]): string[] {
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const all = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const out: string[] = [];
  for (const item of items(ranges)) {
    const names = new Set([...Object.keys(item.min ?? {}), ...Object.keys(item.max ?? {}), ...Object.keys(item.maxLimitRequestRatio ?? {})]);
    if (item.type === 'Container') {
      for (const c of all) for (const res of names) checkOne('Container', res, item, c.resources?.requests?.[res], c.resources?.limits?.[res], out);
    } else if (item.type === 'Pod') {
      for (const res of names) {
        const sum = (kind: 'requests' | 'limits') => {
          let s: bigint | undefined;
          for (const c of spec.containers ?? []) {
            const v = q(c.resources?.[kind]?.[res]);
            if (v === undefined) return undefined; // a container without it: unbounded
            s = (s ?? 0n) + v;
          }
          return s;
        };
        const r = sum('requests');
        const l = sum('limits');
        checkOne('Pod', res, item, r === undefined ? undefined : formatNano(r), l === undefined ? undefined : formatNano(l), out);
      }
    }
  }
  return out;
}

/** [mutating defaults, validating checks] */
export function limitRanger(limitRanges: () => Store | undefined): AdmissionHook[] {
  const applies = (a: Parameters<AdmissionHook>[0]) => a.operation === 'CREATE' && a.subresource === '' && a.def.group === '' && a.def.plural === 'pods' && !!a.object;
  const list = async (ns: string) => {
    const store = limitRanges();
    return store ? (await store.list(ns, {})).items : [];
  };
  const mutate = mutatingAdmission(async (a) => {
    if (!applies(a)) return;
    const ranges = await list(a.namespace);
    if (!ranges.length) return;
    const note = applyContainerDefaults(a.object!, ranges);
    if (note) a.object!.metadata.annotations = { ...(a.object!.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: note };
  });
  const validate: AdmissionHook = async (a) => {
    if (!applies(a)) return;
    const ranges = await list(a.namespace);
    const v = podViolations(a.object!, ranges);
    if (v.length) throw errors.forbidden({ group: '', resource: 'pods' }, a.name, v.length === 1 ? v[0] : `[${v.join(', ')}]`);
  };
  return [mutate, validate];
}
