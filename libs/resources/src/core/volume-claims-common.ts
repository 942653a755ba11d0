/** Shared by persistent volumes and claims: access modes, volume modes, storage class lookup. */
import { FieldError, fieldErrors } from '../../../apimachinery/src/field-errors';
import { errors } from '../../../apimachinery/src/status';
import { KObject } from '../../../apimachinery/src/types';
import { Json, obj, str, strs } from '../common/json';
import { isValidQuantity, QUANTITY_FORMAT_MESSAGE } from '../common/quantity';

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
export const VOLUME_MODES = ['Block', 'Filesystem'];

/** helper.GetAccessModesAsString: RWO,ROX,RWX,RWOP in that order, each once */
export function accessModesString(modes: unknown): string {
  const set = new Set(strs(modes));
  const out: string[] = [];
  if (set.has('ReadWriteOnce')) out.push('RWO');
  if (set.has('ReadOnlyMany')) out.push('ROX');
  if (set.has('ReadWriteMany')) out.push('RWX');
  if (set.has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** GetPersistentVolume(Claim)Class: the beta annotation wins over spec.storageClassName */
export function storageClassOf(o: KObject): string {
  const ann = o.metadata.annotations ?? {};
  if ('volume.beta.kubernetes.io/storage-class' in ann) return ann['volume.beta.kubernetes.io/storage-class'];
  return str(obj(o.spec)?.storageClassName);
}

export function validateAccessModes(modes: unknown, path: string, requiredDetail: string): FieldError[] {
  const list = strs(modes);
  if (list.length === 0) return [fieldErrors.required(path, requiredDetail)];
  const errs: FieldError[] = [];
  for (const m of list) if (!ACCESS_MODES.includes(m)) errs.push(fieldErrors.notSupported(path, m, ACCESS_MODES));
  if (list.includes('ReadWriteOncePod') && list.length > 1) {
    errs.push(fieldErrors.forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  }
  return errs;
}

export function validateVolumeMode(mode: unknown, path: string): FieldError[] {
  if (mode === undefined || mode === null) return [];
  return VOLUME_MODES.includes(str(mode)) ? [] : [fieldErrors.notSupported(path, mode, VOLUME_MODES)];
}

/** unparsable quantities make the body undecodable upstream (400) */
export function checkQuantityLists(kind: string, lists: (Json | undefined)[]): void {
  for (const list of lists) {
    for (const q of Object.values(list ?? {})) {
      if (!isValidQuantity(q)) throw errors.badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${QUANTITY_FORMAT_MESSAGE}`);
    }
  }
}

/** phase "Terminating" while the object is being deleted (the pv/pvc printers) */
export function printedPhase(o: KObject): string {
  return o.metadata.deletionTimestamp ? 'Terminating' : str(obj(o.status)?.phase);
}
