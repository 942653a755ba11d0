/**
 * Auto-registration (upstream's autoregister + crdregistration controllers), run by every replica:
 * a local APIService (no spec.service) for each built-in group/version, labelled
 * `kube-aggregator.kubernetes.io/automanaged: onstart`, with upstream's priorities
 * (DefaultGenericAPIServicePriorities + the kube ones); and for each CustomResourceDefinition
 * group/version (`automanaged: "true"`, groupPriorityMinimum 1000, versionPriority 100), removed
 * again when no CRD serves it any more. Idempotent across replicas: create, 409 → compare and
 * update only when the spec differs.
 */
import { isStatusError } from '../../../../libs/apimachinery/src/status';
import type { KObject } from '../../../../libs/apimachinery/src/types';
import type { ResourceRegistry } from '../../../../libs/registry/src/registry';
import type { Store } from '../../../../libs/registry/src/store';

export const AUTOMANAGED_LABEL = 'kube-aggregator.kubernetes.io/automanaged';

/** upstream's apiVersionPriorities (Kubernetes 1.32): group → [groupPriorityMinimum, { version: versionPriority }] */
const PRIORITIES: Record<string, [number, Record<string, number>]> = {
  '': [18000, { v1: 1 }],
  apps: [17800, { v1: 15 }],
  'events.k8s.io': [17750, { v1: 15, v1beta1: 5 }],
  'authentication.k8s.io': [17700, { v1: 15, v1beta1: 9, v1alpha1: 1 }],
  'authorization.k8s.io': [17600, { v1: 15 }],
  autoscaling: [17500, { v1: 15, v2: 30 }],
  batch: [17400, { v1: 15 }],
  'certificates.k8s.io': [17300, { v1: 15, v1beta1: 9, v1alpha1: 1 }],
  'networking.k8s.io': [17200, { v1: 15, v1beta1: 9, v1alpha1: 1 }],
  policy: [17100, { v1: 15 }],
  'rbac.authorization.k8s.io': [17000, { v1: 15 }],
  'storage.k8s.io': [16800, { v1: 15, v1beta1: 9, v1alpha1: 1 }],
  'apiextensions.k8s.io': [16700, { v1: 15 }],
  'admissionregistration.k8s.io': [16700, { v1: 15, v1beta1: 12, v1alpha1: 9 }],
  'scheduling.k8s.io': [16600, { v1: 15 }],
  'coordination.k8s.io': [16500, { v1: 15, v1beta1: 13, v1alpha2: 12 }],
  'node.k8s.io': [16300, { v1: 15 }],
  'discovery.k8s.io': [16200, { v1: 15 }],
  'flowcontrol.apiserver.k8s.io': [16100, { v1: 21, v1beta3: 18, v1beta2: 15, v1beta1: 12 }],
  'internal.apiserver.k8s.io': [16000, { v1alpha1: 9 }],
  'resource.k8s.io': [15900, { v1beta1: 15, v1alpha3: 9 }],
  'storagemigration.k8s.io': [15800, { v1alpha1: 9 }],
  'apiregistration.k8s.io': [18000 - 100, { v1: 15 }],
};

/** Priorities of a built-in group version (unknown ones: 15000 / 15, a sensible place after upstream's list). */
export function builtinPriority(group: string, version: string): { group: number; version: number } {
  const p = PRIORITIES[group];
  if (!p) return { group: 15000, version: 15 };
  return { group: p[0], version: p[1][version] ?? 9 };
}

export const CRD_PRIORITY = { group: 1000, version: 100 };

export function localAPIService(group: string, version: string, prio: { group: number; version: number }, automanaged: 'onstart' | 'true'): KObject {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: `${version}.${group}`, labels: { [AUTOMANAGED_LABEL]: automanaged } },
    spec: { group, version, groupPriorityMinimum: prio.group, versionPriority: prio.version },
  };
}

function sameSpec(a: KObject, b: KObject): boolean {
  const sa = (a.spec ?? {}) as Record<string, unknown>;
  const sb = (b.spec ?? {}) as Record<string, unknown>;
  return (
    sa.group === sb.group &&
    sa.version === sb.version &&
    sa.groupPriorityMinimum === sb.groupPriorityMinimum &&
    sa.versionPriority === sb.versionPriority &&
    !sa.service === !sb.service &&
    a.metadata.labels?.[AUTOMANAGED_LABEL] === b.metadata.labels?.[AUTOMANAGED_LABEL]
  );
}

export interface AutoRegisterDeps {
  registry: ResourceRegistry;
  store(): Store | undefined;
  /** resolves once the CRDs have been loaded into the registry (deletions of stale CRD APIServices wait for it) */
  crdsSynced?: Promise<void>;
}

export class AutoRegister {
  /** group versions served by built-in definitions (taken when constructed, before CRDs load) */
  private readonly builtin: Set<string>;
  /** CRD group versions this replica registered */
  private readonly crdGVs = new Set<string>();
  private timer?: NodeJS.Timeout;
  private unsubscribe?: () => void;
  private stopped = false;
  private crdsSynced = false;

  constructor(private readonly deps: AutoRegisterDeps) {
    this.builtin = new Set(this.servedGVs());
  }

  private servedGVs(): string[] {
    const out: string[] = [];
    for (const g of this.deps.registry.groups()) for (const v of g.versions) out.push(`${g.group}/${v}`);
    return out;
  }

  start(): void {
    this.unsubscribe = this.deps.registry.onChange(() => this.schedule(200));
    void this.runOnStart();
    void this.deps.crdsSynced?.then(() => {
      this.crdsSynced = true;
      this.schedule(0);
    });
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.syncCRDs().catch((e) => this.retry(e)), ms);
    this.timer.unref();
  }

  private retry(e: unknown): void {
    if (this.stopped) return;
    console.warn(`apiservice autoregistration failed, retrying: ${(e as Error).message}`);
    this.schedule(2000);
  }

  /** the built-in ("onstart") APIServices; retried until storage answers */
  private async runOnStart(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        for (const gv of this.builtin) {
          const [group, version] = splitGV(gv);
          await this.ensure(localAPIService(group, version, builtinPriority(group, version), 'onstart'));
        }
        return;
      } catch (e) {
        if (attempt === 0) console.warn(`waiting for storage to register local APIServices: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, Math.min(5000, 200 * 2 ** Math.min(attempt, 5))));
      }
    }
  }

  /** CRD group versions: register the new, remove the gone ("true" label only) */
  async syncCRDs(): Promise<void> {
    const served = new Set(this.servedGVs());
    const wanted = [...served].filter((gv) => !this.builtin.has(gv));
    for (const gv of wanted) {
      const [group, version] = splitGV(gv);
      await this.ensure(localAPIService(group, version, CRD_PRIORITY, 'true'));
      this.crdGVs.add(gv);
    }
    for (const gv of [...this.crdGVs]) {
      if (served.has(gv)) continue;
      const [group, version] = splitGV(gv);
      await this.removeAutomanaged(`${version}.${group}`);
      this.crdGVs.delete(gv);
    }
    if (this.crdsSynced) {
      // APIServices left behind by CRDs deleted while no replica was running
      const store = this.deps.store();
      if (!store) return;
      const list = await store.list('', { predicate: (o) => o.metadata.labels?.[AUTOMANAGED_LABEL] === 'true' });
      for (const s of list.items) {
        const spec = (s.spec ?? {}) as Record<string, unknown>;
        if (!served.has(`${String(spec.group ?? '')}/${String(spec.version ?? '')}`)) await this.removeAutomanaged(s.metadata.name ?? '');
      }
    }
  }

  private async ensure(desired: KObject): Promise<void> {
    const store = this.deps.store();
    if (!store) return;
    const name = desired.metadata.name!;
    try {
      await store.create('', desired);
      return;
    } catch (e) {
      if (!(isStatusError(e) && e.code === 409)) throw e;
    }
    const existing = await store.get('', name);
    if (sameSpec(existing, desired)) return;
    // a user-created APIService (no automanaged label) pointing elsewhere is left alone, as upstream does for "onstart"
    if (!existing.metadata.labels?.[AUTOMANAGED_LABEL] && (existing.spec as Record<string, unknown> | undefined)?.service) return;
    try {
      await store.update('', name, (cur) => {
        cur.metadata.labels = { ...(cur.metadata.labels ?? {}), ...desired.metadata.labels };
        cur.spec = { ...(desired.spec as Record<string, unknown>) };
        return cur;
      });
    } catch (e) {
      if (!(isStatusError(e) && (e.code === 409 || e.code === 404))) throw e;
    }
  }

  private async removeAutomanaged(name: string): Promise<void> {
    const store = this.deps.store();
    if (!store || !name) return;
    try {
      const cur = await store.get('', name);
      if (cur.metadata.labels?.[AUTOMANAGED_LABEL] !== 'true') return;
      await store.delete('', name, { preconditions: { uid: cur.metadata.uid } });
    } catch (e) {
      if (!(isStatusError(e) && (e.code === 404 || e.code === 409))) throw e;
    }
  }
}

function splitGV(gv: string): [string, string] {
  const i = gv.lastIndexOf('/');
  return [gv.slice(0, i), gv.slice(i + 1)];
}
