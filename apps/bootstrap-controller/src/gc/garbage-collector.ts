/**
 * Garbage collection and namespace deletion (upstream pkg/controller/garbagecollector and
 * pkg/controller/namespace), on the Store/ResourceRegistry classes, no HTTP:
 *
 * - `scan()` lists every resource and queues the work it sees: terminating namespaces
 *   ('namespace'), owners being deleted with the `orphan` or `foregroundDeletion` finalizer
 *   ('owner'), and objects whose owners are gone ('dependent').
 * - 'namespace': deletes every namespaced object in the namespace, keeps the namespace's
 *   deletion conditions current, and when nothing is left removes the `kubernetes` finalizer
 *   (finalize) and deletes the namespace.
 * - 'owner': orphan → the ownerReferences to the owner are removed from its dependents, then the
 *   finalizer; foregroundDeletion → the dependents are deleted (foreground), and once none with
 *   blockOwnerDeletion is left the finalizer is removed (and the owner goes).
 * - 'dependent': every owner gone → the object is deleted (background); some gone → the
 *   dangling references are removed.
 * Unfinished work throws RetryLater so its queue runs it again.
 */
import { StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject, isObject } from '../../../../libs/apimachinery/src/types';
import { listPrefix } from '../../../../libs/registry/src/keys';
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { apiVersionOf, ResourceDefinition, verbsOf } from '../../../../libs/registry/src/resource';
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, Store } from '../../../../libs/registry/src/store';
import type { Storage } from '../../../../libs/storage/src/interface';
import { GcJob, GcJobKind, RetryLater, WorkQueue } from './work-queue';

export const FINALIZER_KUBERNETES = 'kubernetes';

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  blockOwnerDeletion?: boolean;
}

export function ownerRefs(o: KObject): OwnerRef[] {
  const refs = (o.metadata as { ownerReferences?: unknown }).ownerReferences;
  return Array.isArray(refs) ? (refs.filter(isObject) as unknown as OwnerRef[]) : [];
}

function is404(e: unknown): boolean {
  return e instanceof StatusError && e.code === 404;
}

function isConflict(e: unknown): boolean {
  return e instanceof StatusError && e.code === 409;
}

export class GarbageCollector {
  // weak: a CRD's definitions are replaced whenever its spec changes
  private readonly stores = new WeakMap<ResourceDefinition, Store>();

  constructor(
    private readonly storage: Storage,
    private readonly registry: ResourceRegistry,
    private readonly queue: WorkQueue,
    /** brings the registry up to date (the CRDs) before a namespace's content is looked at */
    private readonly refreshResources?: () => Promise<void>,
  ) {}

  store(def: ResourceDefinition): Store {
    let s = this.stores.get(def);
    if (!s) this.stores.set(def, (s = new Store(def, this.storage)));
    return s;
  }

  /** One definition per stored collection (versions and aliases sharing storage listed once), listable and deletable. */
  resources(): ResourceDefinition[] {
    const seen = new Set<string>();
    const out: ResourceDefinition[] = [];
    const defs = this.registry.all();
    // preferred (GA) versions first so they are the ones kept
    defs.sort((a, b) => Number(/alpha|beta/.test(a.version)) - Number(/alpha|beta/.test(b.version)));
    for (const d of defs) {
      const verbs = verbsOf(d);
      if (!verbs.includes('list') || !verbs.includes('delete')) continue;
      const key = listPrefix(d, '');
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(d);
    }
    return out;
  }

  jobOf(def: ResourceDefinition, o: KObject): GcJob {
    return { group: def.group, version: def.version, plural: def.plural, namespace: o.metadata.namespace ?? '', name: o.metadata.name ?? '', uid: o.metadata.uid ?? '' };
  }

  private defOf(job: GcJob): ResourceDefinition | undefined {
    return this.registry.lookup(job.group, job.version, job.plural);
  }

  /** List everything once and queue the work found. Returns how many jobs were queued. */
  async scan(): Promise<number> {
    const all: Array<{ def: ResourceDefinition; obj: KObject }> = [];
    for (const def of this.resources()) {
      try {
        const list = await this.store(def).list('', {});
        for (const obj of list.items) all.push({ def, obj });
      } catch (e) {
        console.warn(`garbage collector: cannot list ${def.plural}.${def.group}: ${(e as Error).message}`);
      }
    }
    const uids = new Set(all.map((x) => x.obj.metadata.uid));
    let queued = 0;
    for (const { def, obj } of all) {
      const m = obj.metadata;
      if (m.deletionTimestamp && def.group === '' && def.plural === 'namespaces') {
        await this.queue.add('namespace', this.jobOf(def, obj));
        queued++;
      }
      if (m.deletionTimestamp && (m.finalizers ?? []).some((f) => f === FINALIZER_ORPHAN || f === FINALIZER_FOREGROUND)) {
        await this.queue.add('owner', this.jobOf(def, obj));
        queued++;
      }
      const refs = ownerRefs(obj);
      if (refs.length > 0 && refs.some((r) => !uids.has(r.uid))) {
        await this.queue.add('dependent', this.jobOf(def, obj));
        queued++;
      }
    }
    return queued;
  }

  async handle(kind: GcJobKind, job: GcJob): Promise<void> {
    if (kind === 'namespace') return this.deleteNamespace(job);
    if (kind === 'owner') return this.processOwner(job);
    return this.processDependent(job);
  }

  private async getByUid(def: ResourceDefinition, namespace: string, name: string, uid: string): Promise<KObject | undefined> {
    try {
      const o = await this.store(def).get(def.namespaced ? namespace : '', name);
      return o.metadata.uid === uid ? o : undefined;
    } catch (e) {
      if (is404(e)) return undefined;
      throw e;
    }
  }

  // ---- namespaces -------------------------------------------------------------------------------

  async deleteNamespace(job: GcJob): Promise<void> {
    const nsDef = this.defOf(job);
    if (!nsDef) return;
    const nsStore = this.store(nsDef);
    const ns = await this.getByUid(nsDef, '', job.name, job.uid);
    if (!ns || !ns.metadata.deletionTimestamp) return;
    await this.refreshResources?.();
    const policy = (ns.metadata.finalizers ?? []).includes(FINALIZER_ORPHAN) ? 'Orphan' : 'Background';
    const remaining = new Map<string, number>();
    const finalizers = new Map<string, number>();
    let contentFailure: string | undefined;
    for (const def of this.resources()) {
      if (!def.namespaced) continue;
      const store = this.store(def);
      let items: KObject[];
      try {
        items = (await store.list(job.name, {})).items;
      } catch (e) {
        contentFailure ??= `Failed to delete all resource types, 1 remaining: ${(e as Error).message}`;
        continue;
      }
      for (const o of items) {
        if (!o.metadata.deletionTimestamp || (o.metadata.deletionGracePeriodSeconds ?? 0) > 0) {
          try {
            await store.delete(job.name, o.metadata.name!, { propagationPolicy: policy, gracePeriodSeconds: 0, preconditions: { uid: o.metadata.uid } });
          } catch (e) {
            if (!is404(e) && !isConflict(e)) contentFailure ??= `Failed to delete all resource types, 1 remaining: ${(e as Error).message}`;
          }
        }
      }
      // what is left after the deletes: objects held by finalizers
      const left = (await store.list(job.name, {})).items;
      if (left.length === 0) continue;
      remaining.set(`${def.plural}.${def.group}`, left.length);
      for (const o of left) {
        for (const f of o.metadata.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
        // their owner-related finalizers are ours to process
        if ((o.metadata.finalizers ?? []).some((f) => f === FINALIZER_ORPHAN || f === FINALIZER_FOREGROUND)) await this.queue.add('owner', this.jobOf(def, o));
      }
    }
    await this.setConditions(nsStore, ns, contentFailure, remaining, finalizers);
    if (contentFailure || remaining.size > 0) throw new RetryLater(`namespace ${job.name}: content remaining`);
    // finalize: drop the `kubernetes` finalizer, then delete the namespace for real
    try {
      await nsStore.update(
        '',
        job.name,
        (cur) => {
          if (cur.metadata.uid !== job.uid) throw new RetryLater('namespace replaced');
          const spec = (cur.spec ??= {}) as { finalizers?: string[] };
          spec.finalizers = (spec.finalizers ?? []).filter((f) => f !== FINALIZER_KUBERNETES);
          return cur;
        },
        { subresource: 'finalize' },
      );
      await nsStore.delete('', job.name, { preconditions: { uid: job.uid } });
    } catch (e) {
      if (is404(e) || e instanceof RetryLater) return;
      throw e;
    }
  }

  private async setConditions(nsStore: Store, ns: KObject, contentFailure: string | undefined, remaining: Map<string, number>, finalizers: Map<string, number>): Promise<void> {
    const cond = (type: string, status: boolean, reason: string, message: string) => ({ type, status: status ? 'True' : 'False', reason, message });
    const list = (m: Map<string, number>, fmt: (k: string, n: number) => string) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => fmt(k, n)).join(', ');
    const want = [
      cond('NamespaceDeletionDiscoveryFailure', false, 'ResourcesDiscovered', 'All resources successfully discovered'),
      cond('NamespaceDeletionGroupVersionParsingFailure', false, 'ParsedGroupVersions', 'All legacy kube types successfully parsed'),
      contentFailure
        ? cond('NamespaceDeletionContentFailure', true, 'ContentDeletionFailed', contentFailure)
        : cond('NamespaceDeletionContentFailure', false, 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'),
      remaining.size > 0
        ? cond('NamespaceContentRemaining', true, 'SomeResourcesRemain', `Some resources are remaining: ${list(remaining, (k, n) => `${k} has ${n} resource instances`)}`)
        : cond('NamespaceContentRemaining', false, 'ContentRemoved', 'All content successfully removed'),
      finalizers.size > 0
        ? cond('NamespaceFinalizersRemaining', true, 'SomeFinalizersRemain', `Some content in the namespace has finalizers remaining: ${list(finalizers, (k, n) => `${k} in ${n} resource instances`)}`)
        : cond('NamespaceFinalizersRemaining', false, 'ContentHasNoFinalizers', 'All content-preserving finalizers finished'),
    ];
    const old = ((ns.status as { conditions?: Array<Record<string, string>> } | undefined)?.conditions ?? []).filter(isObject);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    let changed = false;
    const next = want.map((c) => {
      const prev = old.find((o) => o.type === c.type);
      if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message) return prev;
      changed = true;
      return { ...c, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : now };
    });
    if (!changed) return;
    try {
      await nsStore.update(
        '',
        ns.metadata.name!,
        (cur) => {
          if (cur.metadata.uid !== ns.metadata.uid) return cur;
          cur.status = { ...((cur.status as object) ?? {}), phase: 'Terminating', conditions: next };
          return cur;
        },
        { subresource: 'status' },
      );
    } catch (e) {
      if (!is404(e)) throw e;
    }
  }

  // ---- owners being deleted ---------------------------------------------------------------------

  /** Objects (of every resource) holding an ownerReference to `uid`, in the owner's namespace (every namespace for a cluster-scoped owner). */
  private async dependentsOf(ownerDef: ResourceDefinition, owner: KObject): Promise<Array<{ def: ResourceDefinition; obj: KObject }>> {
    const out: Array<{ def: ResourceDefinition; obj: KObject }> = [];
    const uid = owner.metadata.uid;
    for (const def of this.resources()) {
      if (ownerDef.namespaced && !def.namespaced) continue;
      const ns = ownerDef.namespaced ? (owner.metadata.namespace ?? '') : '';
      const list = await this.store(def).list(ns, { predicate: (o) => ownerRefs(o).some((r) => r.uid === uid) });
      for (const obj of list.items) out.push({ def, obj });
    }
    return out;
  }

  async processOwner(job: GcJob): Promise<void> {
    const def = this.defOf(job);
    if (!def) return;
    const owner = await this.getByUid(def, job.namespace, job.name, job.uid);
    if (!owner || !owner.metadata.deletionTimestamp) return;
    const fins = owner.metadata.finalizers ?? [];
    const store = this.store(def);
    if (fins.includes(FINALIZER_ORPHAN)) {
      for (const d of await this.dependentsOf(def, owner)) {
        await this.removeRefs(d.def, d.obj, (r) => r.uid === job.uid);
      }
      await this.removeFinalizer(store, def, job, FINALIZER_ORPHAN);
      return;
    }
    if (fins.includes(FINALIZER_FOREGROUND)) {
      let blocking = 0;
      for (const d of await this.dependentsOf(def, owner)) {
        const ref = ownerRefs(d.obj).find((r) => r.uid === job.uid);
        if (ref?.blockOwnerDeletion) blocking++;
        if (d.obj.metadata.deletionTimestamp) {
          if ((d.obj.metadata.finalizers ?? []).includes(FINALIZER_FOREGROUND)) await this.queue.add('owner', this.jobOf(d.def, d.obj));
          continue;
        }
        try {
          await this.store(d.def).delete(d.obj.metadata.namespace ?? '', d.obj.metadata.name!, { propagationPolicy: 'Foreground', preconditions: { uid: d.obj.metadata.uid } });
          await this.queue.add('owner', this.jobOf(d.def, d.obj));
        } catch (e) {
          if (!is404(e) && !isConflict(e)) throw e;
        }
      }
      if (blocking > 0) throw new RetryLater(`${def.plural} ${job.name}: ${blocking} dependents block its deletion`);
      await this.removeFinalizer(store, def, job, FINALIZER_FOREGROUND);
    }
  }

  private async removeFinalizer(store: Store, def: ResourceDefinition, job: GcJob, finalizer: string): Promise<void> {
    try {
      const { object } = await store.update(def.namespaced ? job.namespace : '', job.name, (cur) => {
        if (cur.metadata.uid !== job.uid) throw new RetryLater('replaced');
        const left = (cur.metadata.finalizers ?? []).filter((f) => f !== finalizer);
        if (left.length) cur.metadata.finalizers = left;
        else delete cur.metadata.finalizers;
        return cur;
      });
      await store.finishDeletionIfDone(object);
    } catch (e) {
      if (is404(e) || e instanceof RetryLater) return;
      throw e;
    }
  }

  private async removeRefs(def: ResourceDefinition, obj: KObject, drop: (r: OwnerRef) => boolean): Promise<void> {
    try {
      await this.store(def).update(obj.metadata.namespace ?? '', obj.metadata.name!, (cur) => {
        if (cur.metadata.uid !== obj.metadata.uid) return cur;
        const keep = ownerRefs(cur).filter((r) => !drop(r));
        const meta = cur.metadata as { ownerReferences?: unknown };
        if (keep.length) meta.ownerReferences = keep;
        else delete meta.ownerReferences;
        return cur;
      });
    } catch (e) {
      if (!is404(e)) throw e;
    }
  }

  // ---- dependents whose owners are gone -----------------------------------------------------------

  /** The resource an ownerReference names (any served version of its group and kind). */
  ownerDef(ref: OwnerRef): ResourceDefinition | undefined {
    return this.registry.lookupKind(ref.apiVersion, ref.kind) ?? this.registry.all().find((d) => d.kind === ref.kind && apiVersionOf(d).split('/')[0] === ref.apiVersion.split('/')[0]);
  }

  /** Whether the owner a reference names exists (same uid). Unknown kinds count as present. */
  private async ownerExists(dependentNs: string, ref: OwnerRef): Promise<boolean> {
    const def = this.ownerDef(ref);
    if (!def) return true;
    if (def.namespaced && !dependentNs) return false;
    return (await this.getByUid(def, dependentNs, ref.name, ref.uid)) !== undefined;
  }

  async processDependent(job: GcJob): Promise<void> {
    const def = this.defOf(job);
    if (!def) return;
    const obj = await this.getByUid(def, job.namespace, job.name, job.uid);
    if (!obj) return;
    const refs = ownerRefs(obj);
    if (refs.length === 0) return;
    const absent = new Set<string>();
    for (const r of refs) if (!(await this.ownerExists(def.namespaced ? job.namespace : '', r))) absent.add(r.uid);
    if (absent.size === 0) return;
    if (absent.size === refs.length) {
      if (obj.metadata.deletionTimestamp) return;
      try {
        await this.store(def).delete(def.namespaced ? job.namespace : '', job.name, { propagationPolicy: 'Background', preconditions: { uid: job.uid } });
      } catch (e) {
        if (!is404(e) && !isConflict(e)) throw e;
      }
      return;
    }
    await this.removeRefs(def, obj, (r) => absent.has(r.uid));
  }
}
