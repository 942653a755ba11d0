/**
 * StorageError constructors shared by every backend, with the messages upstream
 * (k8s.io/apiserver/pkg/storage) produces, so callers can put `err.message` straight into a Status.
 *
 * `key` on a StorageError is the key the caller passed (relative to the backend prefix); the
 * message names the full backend key, as upstream's StorageError.Error() does.
 */
import { errors as apiErrors } from '../../apimachinery/src/status';
import { KObject } from '../../apimachinery/src/types';
import { StorageError, StorageErrorCode } from './interface';

/** Upstream's numeric codes and texts (storage.ErrCode*), used in StorageError.Error(). */
const upstreamCode: Partial<Record<StorageErrorCode, [number, string]>> = {
  KeyNotFound: [1, 'key not found'],
  KeyExists: [2, 'key exists'],
  ResourceVersionConflicts: [3, 'resource version conflicts'],
  InvalidObj: [4, 'invalid object'],
  Unreachable: [5, 'server unreachable'],
};

/** "StorageError: key not found, Code: 1, Key: /registry/..., ResourceVersion: 0, AdditionalErrorMsg: <nil>" */
function upstreamText(code: StorageErrorCode, fullKey: string, additional?: string): string {
  const [num, text] = upstreamCode[code] ?? [0, code];
  return `StorageError: ${text}, Code: ${num}, Key: ${fullKey}, ResourceVersion: 0, AdditionalErrorMsg: ${additional ?? '<nil>'}`;
}

/** Upstream list/watch expiry messages (k8s.io/apiserver/pkg/storage/etcd3/errors.go). */
export const EXPIRED_LIST_MESSAGE = 'The resourceVersion for the provided list is too old.';
export const EXPIRED_CONTINUE_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. ' +
  'You can start a new list without the continue parameter.';
export const INCONSISTENT_CONTINUE_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. ' +
  'You can start a new list without the continue parameter, or use the continue token in this response to ' +
  'retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - ' +
  'objects that were created, modified, or deleted between the time the first chunk was returned and now may ' +
  'show up in the list.';

/**
 * Expired error for a continued list whose snapshot was compacted. `continueToken` lets the client
 * go on at the latest revision (upstream puts it in the 410 Status's metadata.continue).
 */
export class InconsistentContinueError extends StorageError {
  constructor(
    key: string,
    readonly continueToken: string,
  ) {
    super('Expired', key, INCONSISTENT_CONTINUE_MESSAGE);
  }
}

export const storageErrors = {
  keyNotFound: (key: string, fullKey: string) => new StorageError('KeyNotFound', key, upstreamText('KeyNotFound', fullKey)),
  keyExists: (key: string, fullKey: string) => new StorageError('KeyExists', key, upstreamText('KeyExists', fullKey)),
  /** compare-and-swap kept losing (only after many retries) */
  conflict: (key: string, fullKey: string) =>
    new StorageError('ResourceVersionConflicts', key, upstreamText('ResourceVersionConflicts', fullKey)),
  invalidObj: (key: string, fullKey: string, msg: string) => new StorageError('InvalidObj', key, upstreamText('InvalidObj', fullKey, msg)),
  /**
   * A failed uid/resourceVersion precondition. Code 'ResourceVersionConflicts' (callers answer 409
   * Conflict, as upstream does for its InvalidObj error here); the message is upstream's text:
   * "StorageError: invalid object, Code: 4, Key: ..., AdditionalErrorMsg: Precondition failed: ...".
   */
  preconditionFailed: (key: string, fullKey: string, msg: string) =>
    new StorageError('ResourceVersionConflicts', key, upstreamText('InvalidObj', fullKey, msg)),
  unreachable: (key: string, fullKey: string, cause: string) =>
    new StorageError('Unreachable', key, upstreamText('Unreachable', fullKey, cause)),
  /** message is the full text for a 400 BadRequest */
  badResourceVersion: (key: string, message: string) => new StorageError('InvalidResourceVersion', key, message),
  expired: (key: string, message: string, revisions?: { requested: number; current: number }) =>
    new StorageError('Expired', key, message, revisions),
  /** a watch from before the compaction point: "too old resource version: N (compacted)" */
  watchExpired: (key: string, requested: number, compacted: number) =>
    new StorageError('Expired', key, `too old resource version: ${requested} (${compacted})`, {
      requested,
      current: compacted,
    }),
  tooLarge: (key: string, requested: number, current: number) =>
    new StorageError('TooLargeResourceVersion', key, `Too large resource version: ${requested}, current: ${current}`, {
      requested,
      current,
    }),
};

/**
 * The Status object an ERROR watch event carries (Expired -> 410 Expired, anything else ->
 * 500 InternalError). Callers may build their own from `event.error` instead.
 */
export function errorStatusObject(err: Error): KObject {
  const se = err instanceof StorageError && err.code === 'Expired' ? apiErrors.resourceExpired(err.message) : apiErrors.internal(err);
  return { ...se.toStatus() };
}
