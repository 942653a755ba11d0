/**
 * The Status errors the PATCH handler returns when a patch cannot be decoded or applied,
 * shaped as k8s.io/apiserver/pkg/endpoints/handlers/patch.go shapes them.
 */
import { errors, Status, StatusError } from '../../apimachinery/src/status';

/**
 * errors.NewGenericServerResponse(422, "", GroupResource{}, "", msg, 0, false): the client only
 * sees "the server rejected our request due to an error in our request" with `details: {}`; the
 * underlying message (e.g. "testing value /x failed: test failed") is kept in `serverMessage`
 * for logs but, as upstream, not sent.
 */
export class GenericUnprocessableEntityError extends StatusError {
  constructor(readonly serverMessage: string) {
    super(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  }

  override toStatus(): Status {
    // upstream's Details pointer is non-nil but empty, so the body carries "details":{}
    return { ...super.toStatus(), details: {} };
  }
}

export const patchErrors = {
  /** a patch that decoded but could not be applied (JSON patch op failure, list of lists...) */
  unprocessable(serverMessage: string): StatusError {
    return new GenericUnprocessableEntityError(serverMessage);
  },

  badRequest(message: string): StatusError {
    return errors.badRequest(message);
  },

  /**
   * A plain Go error that reached the handler unconverted: ErrorToAPIStatus turns it into
   * 500 with an empty reason and the error text as message (e.g. a missing merge key).
   */
  unconverted(message: string): StatusError {
    return new StatusError(500, '', message);
  },

  /** more than maxJSONPatchOperations operations */
  tooManyOperations(limit: number, got: number): StatusError {
    return new StatusError(
      413,
      'RequestEntityTooLarge',
      `Request entity too large: The allowed maximum operations in a JSON patch is ${limit}, got ${got}`,
      {},
    );
  },
};
