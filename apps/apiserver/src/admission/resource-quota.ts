/**
 * ResourceQuota (upstream admission plugin, on by default), consistent across replicas: before an
 * object is stored, its usage is charged to every ResourceQuota of the namespace that limits one of
 * its resources, by a compare-and-swap update of the quota's status.used (the store's
 * guaranteedUpdate: resourceVersion precondition, retried on conflict), as upstream's quota
 * evaluator does. Two replicas can therefore never both take the last unit. Over quota = 403
 * `exceeded quota: q, requested: pods=1, used: pods=10, limited: pods=10`.
 * Usage is released by recalculation (upstream's quota controller): after a delete, and on a
 * periodic pass, `status.used` is recounted from the stored objects and written only if the quota
 * did not change meanwhile (so an in-flight charge is never lost). Scopes/scopeSelector are not
 * evaluated (a scoped quota is ignored).
 */
import { errors, StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { parseQuantity } from '../../../../libs/resources/src/common/quantity';
import { AdmissionAttributes, AdmissionHook, Store } from '../../../../libs/registry/src/store';
import { asInternal } from '../authz/request-user';
import { countResourceName, formatQuantity, Usage, usageOf } from './quota-usage';

type ResourceList = Record<string, string>;

export interface ResourceQuotaDeps {
  quotas: () => Store | undefined;
  /** the store of a resource by group and plural (any served version), for recounting */
  storeFor: (group: string, plural: string) => Store | undefined;
}

const BARE: Record<string, [string, string]> = {
  pods: ['', 'pods'],
  services: ['', 'services'],
  configmaps: ['', 'configmaps'],
  secrets: ['', 'secrets'],
  persistentvolumeclaims: ['', 'persistentvolumeclaims'],
  replicationcontrollers: ['', 'replicationcontrollers'],
  resourcequotas: ['', 'resourcequotas'],
  'services.nodeports': ['', 'services'],
  'services.loadbalancers': ['', 'services'],
  'requests.storage': ['', 'persistentvolumeclaims'],
};

/** The group/plural whose objects a quota resource name counts. */
export function resourceOfQuotaName(name: string): [string, string] | undefined {
  if (BARE[name]) return BARE[name];
  if (/^(requests|limits)\.(cpu|memory|ephemeral-storage)$/.test(name) || name === 'cpu' || name === 'memory') return ['', 'pods'];
  const m = /^count\/([^.]+)(?:\.(.+))?$/.exec(name);
  if (m) return [m[2] ?? '', m[1]];
  return undefined;
}

function scoped(q: KObject): boolean {
  const spec = (q.spec ?? {}) as { scopes?: unknown[]; scopeSelector?: unknown };
  return (spec.scopes?.length ?? 0) > 0 || spec.scopeSelector !== undefined;
}

function pretty(list: [string, bigint][]): string {
  return list
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${formatQuantity(v)}`)
    .join(',');
}

/** Recount the usage of the given resource names in a namespace from the stored objects. */
export async function computeUsage(ns: string, names: string[], deps: ResourceQuotaDeps): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>(names.map((n) => [n, 0n]));
  const byResource = new Map<string, string[]>();
  for (const n of names) {
    const r = resourceOfQuotaName(n);
    if (!r) continue;
    const key = `${r[0]}/${r[1]}`;
    byResource.set(key, [...(byResource.get(key) ?? []), n]);
  }
  for (const [key, ns_names] of byResource) {
    const [group, plural] = key.split('/');
    const store = deps.storeFor(group, plural);
    if (!store) continue;
    const { items } = await store.list(ns, {});
    for (const obj of items) {
      const u = usageOf(group, plural, obj);
      for (const n of ns_names) out.set(n, (out.get(n) ?? 0n) + (u.get(n) ?? 0n));
    }
  }
  return out;
}

function toList(m: Map<string, bigint>): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of [...m].sort(([a], [b]) => (a < b ? -1 : 1))) out[k] = formatQuantity(v);
  return out;
}

export class ResourceQuotaAdmission {
  readonly hook: AdmissionHook;
  private readonly pendingRecalc = new Map<string, NodeJS.Timeout>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: ResourceQuotaDeps,
    private readonly opts: { settleMs?: number; resyncMs?: number } = {},
  ) {
    this.hook = (a) => this.admit(a);
  }

  private async admit(a: AdmissionAttributes): Promise<void> {
    if (!a.def.namespaced || !a.namespace || a.subresource !== '') return;
    if (a.def.group === '' && a.def.plural === 'resourcequotas' && a.operation !== 'DELETE') return;
    if (a.operation === 'DELETE') {
      if (!a.dryRun) this.scheduleRecalc(a.namespace, 500);
      return;
    }
    if (a.operation !== 'CREATE' || !a.object) return;
    const store = this.deps.quotas();
    if (!store) return;
    const quotas = (await store.list(a.namespace, {})).items.filter((q) => !scoped(q));
    if (quotas.length === 0) return;
    const usage = usageOf(a.def.group, a.def.plural, a.object);
    const gr = { group: a.def.group, resource: a.def.plural };
    // pods: a quota on requests/limits needs the pod to state them (upstream's "must specify")
    if (a.def.group === '' && a.def.plural === 'pods') {
      for (const q of quotas) {
        const hard = Object.keys(((q.spec as { hard?: ResourceList }).hard ?? {}));
        const missing = hard.filter((h) => /^(requests|limits)\.(cpu|memory)$|^(cpu|memory)$/.test(h) && !missingOk(a.object!, h)).sort();
        if (missing.length) throw errors.forbidden(gr, a.name, `failed quota: ${q.metadata.name}: must specify ${missing.join(',')}`);
      }
    }
    const charged: { name: string; delta: Map<string, bigint> }[] = [];
    try {
      for (const q of quotas) {
        const hardNames = Object.keys(((q.spec as { hard?: ResourceList }).hard ?? {}));
        const delta = new Map<string, bigint>();
        for (const h of hardNames) if (usage.has(h)) delta.set(h, usage.get(h)!);
        if (delta.size === 0) continue;
        await this.charge(a.namespace, q.metadata.name!, delta, a.dryRun, gr, a.name);
        if (!a.dryRun) charged.push({ name: q.metadata.name!, delta });
      }
    } catch (e) {
      for (const c of charged) await this.release(a.namespace, c.name, c.delta).catch(() => undefined);
      throw e;
    }
  }

  /** CAS: used + delta <= hard for every resource, or 403; written only when the check passes. */
  private async charge(ns: string, name: string, delta: Map<string, bigint>, dryRun: boolean, gr: { group: string; resource: string }, objName: string): Promise<void> {
    const store = this.deps.quotas()!;
    const check = async (q: KObject): Promise<KObject> => {
      const hard = ((q.spec as { hard?: ResourceList }).hard ?? {}) as ResourceList;
      const status = (q.status ?? {}) as { hard?: ResourceList; used?: ResourceList };
      const used: Map<string, bigint> = new Map();
      const unknown = [...delta.keys()].filter((k) => status.used?.[k] === undefined);
      // a quota whose usage was never computed: count it now (inside the CAS, so it stays exact)
      const counted = unknown.length ? await asInternal(() => computeUsage(ns, Object.keys(hard), this.deps)) : new Map<string, bigint>();
      for (const k of Object.keys(hard)) used.set(k, status.used?.[k] !== undefined ? parseQuantity(status.used[k]) ?? 0n : counted.get(k) ?? 0n);
      const over: string[] = [];
      for (const [k, d] of delta) {
        const limit = parseQuantity(hard[k]) ?? 0n;
        if ((used.get(k) ?? 0n) + d > limit) over.push(k);
      }
      if (over.length) {
        const req = over.map((k) => [k, delta.get(k)!] as [string, bigint]);
        const usd = over.map((k) => [k, used.get(k) ?? 0n] as [string, bigint]);
        const lim = over.map((k) => [k, parseQuantity(hard[k]) ?? 0n] as [string, bigint]);
        throw errors.forbidden(gr, objName, `exceeded quota: ${name}, requested: ${pretty(req)}, used: ${pretty(usd)}, limited: ${pretty(lim)}`);
      }
      for (const [k, d] of delta) used.set(k, (used.get(k) ?? 0n) + d);
      return { ...q, status: { ...status, hard: { ...hard }, used: toList(used) } };
    };
    if (dryRun) {
      await check(await store.get(ns, name));
      return;
    }
    await asInternal(() => store.update(ns, name, check, { subresource: 'status' }));
  }

  private async release(ns: string, name: string, delta: Map<string, bigint>): Promise<void> {
    const store = this.deps.quotas()!;
    await asInternal(() =>
      store.update(
        ns,
        name,
        (q) => {
          const status = (q.status ?? {}) as { used?: ResourceList };
          const used = { ...(status.used ?? {}) };
          for (const [k, d] of delta) {
            if (used[k] === undefined) continue;
            const v = (parseQuantity(used[k]) ?? 0n) - d;
            used[k] = formatQuantity(v < 0n ? 0n : v);
          }
          return { ...q, status: { ...status, used } };
        },
        { subresource: 'status' },
      ),
    );
  }

  scheduleRecalc(ns: string, delayMs: number): void {
    if (this.pendingRecalc.has(ns)) return;
    const t = setTimeout(() => {
      this.pendingRecalc.delete(ns);
      void this.recalcNamespace(ns).catch(() => undefined);
    }, delayMs);
    t.unref?.();
    this.pendingRecalc.set(ns, t);
  }

  /**
   * Recount every quota of a namespace. The quota is read first (resourceVersion R), the objects
   * are listed after a settle delay (charges admitted before R are stored by then), and status is
   * written with precondition R: if any charge happened meanwhile, the write conflicts and is skipped.
   */
  async recalcNamespace(ns: string): Promise<void> {
    const store = this.deps.quotas();
    if (!store) return;
    await asInternal(async () => {
      const quotas = (await store.list(ns, {})).items;
      if (quotas.length === 0) return;
      await new Promise((r) => setTimeout(r, this.opts.settleMs ?? 2000));
      for (const q of quotas) {
        if (scoped(q)) continue;
        const hard = ((q.spec as { hard?: ResourceList }).hard ?? {}) as ResourceList;
        const used = toList(await computeUsage(ns, Object.keys(hard), this.deps));
        const status = (q.status ?? {}) as { hard?: ResourceList; used?: ResourceList };
        if (JSON.stringify(status.hard ?? {}) === JSON.stringify(hard) && JSON.stringify(status.used ?? {}) === JSON.stringify(used)) continue;
        try {
          await store.update(ns, q.metadata.name!, (cur) => ({ ...cur, metadata: { ...cur.metadata, resourceVersion: q.metadata.resourceVersion }, status: { hard: { ...hard }, used } }), {
            subresource: 'status',
          });
        } catch (e) {
          if (!(e instanceof StatusError && (e.code === 409 || e.code === 404))) throw e;
        }
      }
    });
  }

  /** The periodic pass (upstream's quota controller resync): every namespace with a quota. */
  start(resyncMs = this.opts.resyncMs ?? 15_000): () => void {
    const loop = async () => {
      const store = this.deps.quotas();
      if (store) {
        const items = await asInternal(() => store.list('', {})).then((l) => l.items, () => [] as KObject[]);
        const namespaces = new Set(items.map((q) => q.metadata.namespace!));
        // new quotas (status.hard unlike spec.hard) soon, the rest each resync
        for (const ns of namespaces) this.scheduleRecalc(ns, Math.floor(Math.random() * 1000));
      }
      this.timer = setTimeout(() => void loop(), resyncMs);
      this.timer.unref?.();
    };
    this.timer = setTimeout(() => void loop(), 1000);
    this.timer.unref?.();
    return () => {
      if (this.timer) clearTimeout(this.timer);
      for (const t of this.pendingRecalc.values()) clearTimeout(t);
      this.pendingRecalc.clear();
    };
  }
}

function missingOk(pod: KObject, hardName: string): boolean {
  const [kind, res] = hardName.includes('.') ? (hardName.split('.') as [string, string]) : ['requests', hardName];
  const spec = (pod.spec ?? {}) as { containers?: { resources?: Record<string, Record<string, unknown> | undefined> }[] };
  return (spec.containers ?? []).every((c) => c.resources?.[kind]?.[res] !== undefined);
}

export { countResourceName, type Usage };
