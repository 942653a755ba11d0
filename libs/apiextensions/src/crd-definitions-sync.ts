/**
 * Keeps a ResourceRegistry in step with the CustomResourceDefinitions it is shown: the served
 * versions' ResourceDefinitions (custom-resource.ts) are added when a CRD appears or changes and
 * removed when it goes. Shared by the API replicas' CRD controller (which also writes the CRD's
 * conditions) and the bootstrap controller's garbage collector (which only reads CRDs).
 */
import { KObject } from '../../apimachinery/src/types';
import { ResourceRegistry } from '../../registry/src/registry';
import { ResourceDefinition } from '../../registry/src/resource';
import { customResourceDefinitions } from './custom-resource';

export interface CrdSyncResult {
  /** a definition already served by something else: nothing was registered for this CRD */
  conflict?: ResourceDefinition;
  /** the registry was changed */
  changed: boolean;
}

const gvr = (d: ResourceDefinition) => `${d.group}/${d.version}/${d.plural}`;

export class CrdDefinitionsSync {
  /** CRD name → the definitions registered for it, and the spec they were built from */
  private readonly served = new Map<string, { fingerprint: string; defs: ResourceDefinition[] }>();

  constructor(readonly registry: ResourceRegistry) {}

  /** Registers (or re-registers, when its spec changed) the served versions of `crd`. */
  sync(crd: KObject): CrdSyncResult {
    const name = crd.metadata.name ?? '';
    const fingerprint = JSON.stringify([crd.spec ?? {}, !!crd.metadata.deletionTimestamp]);
    const prev = this.served.get(name);
    if (prev && prev.fingerprint === fingerprint) return { changed: false };
    const defs = customResourceDefinitions(crd);
    const conflict = defs.find((d) => {
      const existing = this.registry.lookup(d.group, d.version, d.plural);
      return existing && !prev?.defs.includes(existing);
    });
    if (conflict) return { conflict, changed: false };
    const keep = new Set(defs.map(gvr));
    for (const d of prev?.defs ?? []) if (!keep.has(gvr(d))) this.registry.remove(d.group, d.version, d.plural);
    for (const d of defs) this.registry.add(d);
    this.served.set(name, { fingerprint, defs });
    return { changed: true };
  }

  /** Removes the definitions registered for the CRD `name`. */
  unregister(name: string): void {
    const prev = this.served.get(name);
    if (!prev) return;
    this.served.delete(name);
    for (const d of prev.defs) this.registry.remove(d.group, d.version, d.plural);
  }

  /** The definitions registered for the CRD `name` (empty when none). */
  defsOf(name: string): ResourceDefinition[] {
    return this.served.get(name)?.defs ?? [];
  }
}
