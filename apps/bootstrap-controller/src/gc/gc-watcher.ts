/**
 * Event-driven garbage collection (upstream GraphBuilder): a watch (through storage, one per
 * stored collection, custom resources included, started and stopped as the registry changes)
 * keeps a small graph — every object's uid, coordinates, owners and deletion state, and for every
 * owner uid the uids of its dependents — and queues work as changes arrive:
 *
 * - a namespace entering Terminating → 'namespace'; an object of a terminating namespace gone →
 *   'namespace' again (the last one lets it finish at once);
 * - an object being deleted with the `orphan` / `foregroundDeletion` finalizer → 'owner'; a
 *   dependent of an owner in foreground deletion gone (or no longer referencing it) → 'owner';
 * - an object gone → 'dependent' for each of its dependents; an object added or changed whose
 *   owner is not in the graph (once every watch has its initial state) → 'dependent'.
 *
 * The jobs read storage before acting, so a stale graph only costs a job that finds nothing to do.
 * A watch that fails lists again; objects missing from the new list count as gone.
 */
import type { KObject } from '../../../../libs/apimachinery/src/types';
import { listPrefix } from '../../../../libs/registry/src/keys';
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { ApiWatch, FINALIZER_FOREGROUND, FINALIZER_ORPHAN } from '../../../../libs/registry/src/store';
import { GarbageCollector, ownerRefs } from './garbage-collector';
import { GcJob, GcJobKind, WorkQueue } from './work-queue';

export interface GraphNode {
  /** the collection (listPrefix) the object was seen in */
  collection: string;
  job: GcJob;
  /** owner uids */
  owners: string[];
  isNamespace: boolean;
  terminating: boolean;
  /** being deleted with the foregroundDeletion finalizer */
  foreground: boolean;
  /** being deleted with the orphan or foregroundDeletion finalizer */
  ownerWork: boolean;
}

interface Collection {
  def: ResourceDefinition;
  watch?: ApiWatch;
  stopped: boolean;
  synced: boolean;
  uids: Set<string>;
}

const isNamespaceDef = (d: ResourceDefinition) => d.group === '' && d.plural === 'namespaces';

export class GcWatcher {
  readonly nodes = new Map<string, GraphNode>();
  /** owner uid → dependent uids */
  private readonly dependents = new Map<string, Set<string>>();
  /** terminating namespace name → its job */
  private readonly terminating = new Map<string, GcJob>();
  private readonly collections = new Map<string, Collection>();
  private unsubscribe?: () => void;
  private stopped = false;
  /** every collection has delivered its initial state once */
  synced = false;
  private readonly syncWaiters: (() => void)[] = [];

  constructor(
    private readonly collector: GarbageCollector,
    private readonly registry: ResourceRegistry,
    private readonly queue: WorkQueue,
    private readonly retryMs = 1000,
  ) {}

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.registry.onChange(() => this.reconcile());
    this.reconcile();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    for (const c of this.collections.values()) {
      c.stopped = true;
      c.watch?.stop();
    }
    this.collections.clear();
  }

  /** resolves once every watched collection delivered its initial state */
  waitForSync(): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  /** the collections being watched (listPrefix) */
  watched(): string[] {
    return [...this.collections.keys()];
  }

  /** Watches what the collector collects: new collections (a CRD was added) start, removed ones stop. */
  private reconcile(): void {
    if (this.stopped) return;
    const want = new Map(this.collector.resources().map((d) => [listPrefix(d, ''), d]));
    for (const [key, c] of this.collections) {
      const def = want.get(key);
      if (def) {
        c.def = def;
        continue;
      }
      c.stopped = true;
      c.watch?.stop();
      this.collections.delete(key);
      for (const uid of c.uids) this.forget(uid);
    }
    for (const [key, def] of want) {
      if (this.collections.has(key)) continue;
      const c: Collection = { def, stopped: false, synced: false, uids: new Set() };
      this.collections.set(key, c);
      void this.run(key, c);
    }
  }

  private add(kind: GcJobKind, job: GcJob): void {
    this.queue.add(kind, job).catch((e) => console.warn(`garbage collector: cannot queue ${kind} ${job.namespace}/${job.name}: ${(e as Error).message}`));
  }

  private async run(key: string, c: Collection): Promise<void> {
    let attempt = 0;
    while (!c.stopped) {
      const seen = new Set<string>();
      let initial = true;
      try {
        c.watch = this.collector.store(c.def).watch('', { resourceVersion: '', sendInitialEvents: true });
        if (c.stopped) c.watch.stop();
        for await (const ev of c.watch) {
          if (c.stopped) return;
          if (ev.type === 'ERROR') break;
          const o = ev.object as KObject;
          if (ev.type === 'BOOKMARK') {
            if (initial && o.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true') {
              initial = false;
              attempt = 0;
              // gone while nobody watched
              for (const uid of [...c.uids]) if (!seen.has(uid)) this.gone(c, uid);
              this.markSynced(c);
            }
            continue;
          }
          const uid = o.metadata?.uid;
          if (!uid) continue;
          if (initial) seen.add(uid);
          if (ev.type === 'DELETED') this.gone(c, uid);
          else this.upsert(key, c, o);
        }
      } catch (e) {
        if (attempt === 0 && !c.stopped) console.warn(`garbage collector: watch ${key}: ${(e as Error).message}; retrying`);
      }
      if (c.stopped || this.stopped) return;
      await new Promise((r) => setTimeout(r, Math.min(5000, this.retryMs * 2 ** Math.min(attempt++, 3))).unref());
    }
  }

  private markSynced(c: Collection): void {
    if (c.synced) return;
    c.synced = true;
    if (this.synced || [...this.collections.values()].some((x) => !x.synced)) return;
    this.synced = true;
    // now the graph knows every object: dependents whose owners are absent
    for (const n of this.nodes.values()) if (this.ownerMissing(n)) this.add('dependent', n.job);
    for (const w of this.syncWaiters.splice(0)) w();
  }

  /** some owner of a known kind is not in the graph */
  private ownerMissing(n: GraphNode, refs?: ReturnType<typeof ownerRefs>): boolean {
    if (n.owners.length === 0) return false;
    if (refs) return refs.some((r) => !this.nodes.has(r.uid) && this.collector.ownerDef(r) !== undefined);
    return n.owners.some((uid) => !this.nodes.has(uid));
  }

  private upsert(key: string, c: Collection, o: KObject): void {
    const m = o.metadata;
    const uid = m.uid!;
    const prev = this.nodes.get(uid);
    const refs = ownerRefs(o);
    const fins = m.finalizers ?? [];
    const deleting = !!m.deletionTimestamp;
    const node: GraphNode = {
      collection: key,
      job: this.collector.jobOf(c.def, o),
      owners: refs.map((r) => r.uid),
      isNamespace: isNamespaceDef(c.def),
      terminating: deleting,
      foreground: deleting && fins.includes(FINALIZER_FOREGROUND),
      ownerWork: deleting && fins.some((f) => f === FINALIZER_ORPHAN || f === FINALIZER_FOREGROUND),
    };
    this.nodes.set(uid, node);
    c.uids.add(uid);
    // the dependents index
    for (const u of prev?.owners ?? []) if (!node.owners.includes(u)) this.unlink(u, uid);
    for (const u of node.owners) {
      let s = this.dependents.get(u);
      if (!s) this.dependents.set(u, (s = new Set()));
      s.add(uid);
    }
    if (node.isNamespace && node.terminating) {
      this.terminating.set(m.name ?? '', node.job);
      if (!prev?.terminating) this.add('namespace', node.job);
    }
    if (node.ownerWork && !prev?.ownerWork) this.add('owner', node.job);
    // an owner in foreground deletion waits for this one no more
    for (const u of prev?.owners ?? []) if (!node.owners.includes(u)) this.wakeOwner(u);
    if (this.synced && this.ownerMissing(node, refs)) this.add('dependent', node.job);
  }

  private unlink(owner: string, dependent: string): void {
    const s = this.dependents.get(owner);
    if (!s) return;
    s.delete(dependent);
    if (s.size === 0) this.dependents.delete(owner);
  }

  private wakeOwner(uid: string): void {
    const o = this.nodes.get(uid);
    if (o?.foreground) this.add('owner', o.job);
  }

  /** The object `uid` is gone: its dependents are checked, owners waiting on it and its namespace woken. */
  private gone(c: Collection, uid: string): void {
    const node = this.forget(uid);
    c.uids.delete(uid);
    if (!node) return;
    for (const d of this.dependents.get(uid) ?? []) {
      const dn = this.nodes.get(d);
      if (dn) this.add('dependent', dn.job);
    }
    for (const u of node.owners) this.wakeOwner(u);
    if (node.job.namespace) {
      const ns = this.terminating.get(node.job.namespace);
      if (ns) this.add('namespace', ns);
    }
  }

  private forget(uid: string): GraphNode | undefined {
    const node = this.nodes.get(uid);
    if (!node) return undefined;
    this.nodes.delete(uid);
    for (const u of node.owners) this.unlink(u, uid);
    if (node.isNamespace && this.terminating.get(node.job.name)?.uid === uid) this.terminating.delete(node.job.name);
    return node;
  }
}
