/** Preconditions.Check as upstream (k8s.io/apiserver/pkg/storage): uid first, then resourceVersion. */
import { KObject } from '../../apimachinery/src/types';
import { Preconditions } from './interface';
import { storageErrors } from './errors';

/**
 * Throws StorageError 'ResourceVersionConflicts' (message: upstream's InvalidObj text, which callers
 * put into a 409 Conflict) when a precondition does not hold. `current` null has empty uid and rv.
 */
export function checkPreconditions(p: Preconditions | undefined, key: string, fullKey: string, current: KObject | null): void {
  if (p === undefined) return;
  const meta = current?.metadata;
  if (p.uid !== undefined) {
    const uid = meta?.uid ?? '';
    if (p.uid !== uid) {
      throw storageErrors.preconditionFailed(key, fullKey, `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${uid}`);
    }
  }
  if (p.resourceVersion !== undefined) {
    const rv = meta?.resourceVersion ?? '';
    if (p.resourceVersion !== rv) {
      throw storageErrors.preconditionFailed(
        key,
        fullKey,
        `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${rv}`,
      );
    }
  }
}
