/** Turn storage-layer errors into API errors for one resource, as upstream's storage.InterpretXError. */
import { errors, StatusError } from '../../apimachinery/src/status';
import { GroupResource } from '../../apimachinery/src/types';
import { isStorageError } from '../../storage/src/interface';

export const CONTINUE_EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export function interpretStorageError(err: unknown, gr: GroupResource, name: string): unknown {
  if (!isStorageError(err)) return err;
  switch (err.code) {
    case 'KeyNotFound':
      return errors.notFound(gr, name);
    case 'KeyExists':
      return errors.alreadyExists(gr, name);
    case 'ResourceVersionConflicts':
      return err.message.includes('Precondition failed')
        ? errors.conflict(gr, name, err.message.slice(err.message.indexOf('Precondition failed')))
        : errors.modified(gr, name);
    case 'Expired': {
      const r = err.revisions;
      return errors.resourceExpired(r ? `too old resource version: ${r.requested} (${r.current})` : err.message);
    }
    case 'TooLargeResourceVersion': {
      const r = err.revisions ?? { requested: 0, current: 0 };
      return errors.tooLargeResourceVersion(r.requested, r.current, 1);
    }
    case 'InvalidResourceVersion':
    case 'InvalidObj':
      return errors.badRequest(err.message);
    case 'Unreachable':
      return new StatusError(503, 'ServiceUnavailable', `storage is unavailable: ${err.message}`, {});
  }
  return err;
}

/** A continue token whose revision was compacted: 410 Expired with upstream's long message. */
export function continueExpired(): StatusError {
  return errors.resourceExpired(CONTINUE_EXPIRED_MESSAGE);
}
