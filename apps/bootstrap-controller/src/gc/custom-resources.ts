/**
 * The controller's view of the CustomResourceDefinitions: an informer over the CRDs (through
 * storage) keeps the served versions' ResourceDefinitions in the controller's ResourceRegistry,
 * with the same CrdDefinitionsSync the API replicas use, so the garbage collector and namespace
 * deletion see custom resources — also those of a CRD created after the controller started.
 * Read only: CRD conditions and the deletion of a removed CRD's objects are the replicas' work.
 */
import { crdDefinition } from '../../../../libs/apiextensions/src/crd-resource';
import { CrdDefinitionsSync } from '../../../../libs/apiextensions/src/crd-definitions-sync';
import { ResourceRegistry } from '../../../../libs/registry/src/registry';
import { Store } from '../../../../libs/registry/src/store';
import type { Storage } from '../../../../libs/storage/src/interface';
import { Informer } from '../../../apiserver/src/authz/informer';

export class CustomResourceDefinitions {
  readonly sync: CrdDefinitionsSync;
  private readonly informer: Informer;
  private readonly store: Store;

  constructor(storage: Storage, registry: ResourceRegistry) {
    let def = registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    if (!def) registry.add((def = crdDefinition()));
    const store = (this.store = new Store(def, storage));
    this.sync = new CrdDefinitionsSync(registry);
    this.informer = new Informer(() => store, 'customresourcedefinitions');
    this.informer.onChange((type, crd) => {
      if (type === 'DELETED') this.sync.unregister(crd.metadata.name ?? '');
      else this.sync.sync(crd);
    });
  }

  start(): void {
    this.informer.start();
  }

  /** resolves once the CRDs present at start are registered */
  waitForSync(): Promise<void> {
    return this.informer.waitForSync();
  }

  /**
   * Registers the CRDs storage holds now, without waiting for the informer: namespace deletion
   * calls it before looking at a namespace's content, so a CRD created an instant before is not
   * missed. (Removals are left to the informer.)
   */
  async refresh(): Promise<void> {
    for (const crd of (await this.store.list('', {})).items) this.sync.sync(crd);
  }

  stop(): void {
    this.informer.stop();
  }
}
