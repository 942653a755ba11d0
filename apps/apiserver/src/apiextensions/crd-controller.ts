/**
 * Serves CustomResourceDefinitions on this replica: an informer over the CRDs (every replica runs
 * one, so all of them register a new CRD's resources within a second, without restart), the
 * NamesAccepted / Established conditions, and the cleanup of a deleted CRD's custom resources
 * (Terminating condition, then the `customresourcecleanup` finalizer is removed).
 */
import { StatusError } from '../../../../libs/apimachinery/src/status';
import { KObject } from '../../../../libs/apimachinery/src/types';
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { ResourceDefinition } from '../../../../libs/registry/src/resource';
import { Store } from '../../../../libs/registry/src/store';
import { CLEANUP_FINALIZER } from '../../../../libs/apiextensions/src/crd-resource';
import { customResourceDefinitions } from '../../../../libs/apiextensions/src/custom-resource';
import { CrdDefinitionsSync } from '../../../../libs/apiextensions/src/crd-definitions-sync';
import { storageVersionOf } from '../../../../libs/apiextensions/src/crd-validation';
import { NON_STRUCTURAL_SCHEMA, nonStructuralCondition } from '../../../../libs/apiextensions/src/nonstructural';
import { Informer } from '../authz/informer';

type Obj = Record<string, unknown>;

export interface CrdControllerDeps {
  registry: ResourceRegistry;
  storeFor(def: ResourceDefinition): Store;
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

const NO_CHANGE = new Error('no change');

function conditionsOf(crd: KObject): Condition[] {
  const c = (crd.status as Obj | undefined)?.conditions;
  return Array.isArray(c) ? (c as Condition[]) : [];
}

function setCondition(crd: KObject, cond: Condition): boolean {
  const status = (crd.status ??= {}) as Obj;
  const list = Array.isArray(status.conditions) ? (status.conditions as Condition[]) : [];
  const cur = list.find((c) => c.type === cond.type);
  if (cur && cur.status === cond.status && cur.reason === cond.reason && cur.message === cond.message) return false;
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const next = { ...cond, lastTransitionTime: cur && cur.status === cond.status ? cur.lastTransitionTime ?? now : now };
  status.conditions = cur ? list.map((c) => (c.type === cond.type ? next : c)) : [...list, next];
  return true;
}

export class CrdController {
  private readonly informer: Informer;
  /** the served versions of each CRD, in deps.registry */
  private readonly defs: CrdDefinitionsSync;
  private readonly cleaning = new Set<string>();
  private stopped = false;

  constructor(
    private readonly deps: CrdControllerDeps,
    private readonly crdDef: ResourceDefinition,
  ) {
    this.defs = new CrdDefinitionsSync(deps.registry);
    this.informer = new Informer(() => deps.storeFor(crdDef), 'customresourcedefinitions');
    this.informer.onChange((type, crd) => {
      if (type === 'DELETED') this.defs.unregister(crd.metadata.name ?? '');
      else this.sync(crd);
    });
  }

  start(): this {
    this.informer.start();
    return this;
  }

  waitForSync(): Promise<void> {
    return this.informer.waitForSync();
  }

  stop(): void {
    this.stopped = true;
    this.informer.stop();
  }

  private crdStore(): Store {
    return this.deps.storeFor(this.crdDef);
  }

  private sync(crd: KObject): void {
    const name = crd.metadata.name ?? '';
    const { conflict } = this.defs.sync(crd);
    if (conflict) {
      void this.updateStatus(name, (c) =>
        setCondition(c, { type: 'NamesAccepted', status: 'False', reason: 'PluralConflict', message: `"${conflict.plural}" is already in use` }),
      );
      return;
    }
    if (crd.metadata.deletionTimestamp) {
      if ((crd.metadata.finalizers ?? []).includes(CLEANUP_FINALIZER)) void this.cleanup(crd);
      return;
    }
    const conds = conditionsOf(crd);
    this.syncNonStructural(crd, conds);
    const ok = (t: string) => conds.some((c) => c.type === t && c.status === 'True');
    if (!ok('NamesAccepted') || !ok('Established')) {
      void this.updateStatus(name, (c) => {
        const spec = (c.spec ?? {}) as Obj;
        const status = (c.status ??= {}) as Obj;
        const names = structuredClone((spec.names ?? {}) as Obj);
        const namesChanged = JSON.stringify(status.acceptedNames) !== JSON.stringify(names);
        status.acceptedNames = names;
        const a = setCondition(c, { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
        const b = setCondition(c, { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' });
        return a || b || namesChanged;
      });
    }
  }

  /** NonStructuralSchema: True (reason Violations) while a stored CRD's schema is not structural, removed otherwise. */
  private syncNonStructural(crd: KObject, conds: Condition[]): void {
    const want = nonStructuralCondition(crd);
    const cur = conds.find((c) => c.type === NON_STRUCTURAL_SCHEMA);
    if (!want && !cur) return;
    if (want && cur && cur.status === want.status && cur.reason === want.reason && cur.message === want.message) return;
    void this.updateStatus(crd.metadata.name ?? '', (c) => {
      const next = nonStructuralCondition(c);
      if (next) return setCondition(c, next);
      const status = (c.status ??= {}) as Obj;
      const list = conditionsOf(c);
      if (!list.some((x) => x.type === NON_STRUCTURAL_SCHEMA)) return false;
      status.conditions = list.filter((x) => x.type !== NON_STRUCTURAL_SCHEMA);
      return true;
    });
  }

  /** Applies `change` to the CRD's status (returns false when nothing changed); conflicts are left to the next event. */
  private async updateStatus(name: string, change: (crd: KObject) => boolean, subresource = 'status'): Promise<KObject | undefined> {
    try {
      const { object } = await this.crdStore().update(
        '',
        name,
        (current) => {
          if (!change(current)) throw NO_CHANGE;
          return current;
        },
        { subresource },
      );
      return object;
    } catch (e) {
      if (e === NO_CHANGE) return undefined;
      if (e instanceof StatusError && (e.code === 404 || e.code === 409)) return undefined;
      if (!this.stopped) console.warn(`crd ${name}: status update failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  /** Deletes every custom resource of a terminating CRD, then removes the cleanup finalizer. */
  private async cleanup(crd: KObject): Promise<void> {
    const name = crd.metadata.name ?? '';
    if (this.cleaning.has(name)) return;
    this.cleaning.add(name);
    try {
      await this.updateStatus(name, (c) =>
        setCondition(c, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionInProgress', message: 'CustomResource deletion is in progress' }),
      );
      const served = this.defs.defsOf(name);
      const sv = storageVersionOf(crd);
      const def = served.find((d) => d.version === sv) ?? served[0] ?? customResourceDefinitions({ ...crd, spec: { ...(crd.spec as Obj), versions: ((crd.spec as Obj).versions as Obj[]).map((v) => ({ ...v, served: true })) } })[0];
      if (def) {
        const crStore = this.deps.storeFor(def);
        for (let attempt = 0; attempt < 600 && !this.stopped; attempt++) {
          const list = await crStore.list('', {});
          if (list.items.length === 0) break;
          for (const item of list.items) {
            if (item.metadata.deletionTimestamp) continue;
            await crStore.delete(item.metadata.namespace ?? '', item.metadata.name!, {}).catch(() => undefined);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      await this.updateStatus(name, (c) =>
        setCondition(c, { type: 'Terminating', status: 'True', reason: 'InstanceDeletionCompleted', message: 'removed all instances' }),
      );
      const updated = await this.updateStatus(
        name,
        (c) => {
          const fin = c.metadata.finalizers ?? [];
          if (!fin.includes(CLEANUP_FINALIZER)) return false;
          c.metadata.finalizers = fin.filter((f) => f !== CLEANUP_FINALIZER);
          return true;
        },
        '',
      );
      if (updated) await this.crdStore().finishDeletionIfDone(updated);
    } catch (e) {
      if (!this.stopped) console.warn(`crd ${name}: cleanup failed: ${(e as Error).message}`);
    } finally {
      this.cleaning.delete(name);
    }
  }
}
