/**
 * DefaultStorageClass (upstream admission plugin, on by default): a PersistentVolumeClaim created
 * without spec.storageClassName (absent, not "") gets the StorageClass annotated
 * `storageclass.kubernetes.io/is-default-class: "true"` (or the beta annotation); with several,
 * the most recently created one (ties: the smallest name), as upstream since 1.28.
 */
import { KObject } from '../../../../libs/apimachinery/src/types';
import { AdmissionHook, mutatingAdmission, Store } from '../../../../libs/registry/src/store';

export const DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';
export const BETA_DEFAULT_STORAGE_CLASS_ANNOTATION = 'storageclass.beta.kubernetes.io/is-default-class';

export function pickDefaultStorageClass(classes: KObject[]): KObject | undefined {
  const isDefault = (c: KObject) =>
    c.metadata.annotations?.[DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true' || c.metadata.annotations?.[BETA_DEFAULT_STORAGE_CLASS_ANNOTATION] === 'true';
  const defaults = classes.filter(isDefault);
  const time = (c: KObject) => Date.parse(c.metadata.creationTimestamp ?? '') || 0;
  defaults.sort((a, b) => (time(a) === time(b) ? ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1) : time(b) - time(a)));
  return defaults[0];
}

export function defaultStorageClass(storageClasses: () => Store | undefined): AdmissionHook {
  return mutatingAdmission(async (a) => {
    if (a.operation !== 'CREATE' || a.subresource !== '' || a.def.group !== '' || a.def.plural !== 'persistentvolumeclaims' || !a.object) return;
    const spec = (a.object.spec ??= {}) as Record<string, unknown>;
    if (spec.storageClassName !== undefined && spec.storageClassName !== null) return;
    const store = storageClasses();
    if (!store) return;
    const def = pickDefaultStorageClass((await store.list('', {})).items);
    if (def?.metadata.name) spec.storageClassName = def.metadata.name;
  });
}
