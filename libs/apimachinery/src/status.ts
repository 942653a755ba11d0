/**
 * API errors carrying an upstream metav1.Status, with the constructors of
 * k8s.io/apimachinery/pkg/api/errors: same codes, reasons, messages and details.
 */
import { aggregateMessage, FieldError, fieldErrorBody, fieldErrorString } from './field-errors';
import { GroupResource, groupKindString, groupResourceString } from './types';

export type StatusReason =
  | ''
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Invalid'
  | 'ServerTimeout'
  | 'StoreReadError'
  | 'Timeout'
  | 'TooManyRequests'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'InternalError'
  | 'Expired'
  | 'ServiceUnavailable';

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never> | { resourceVersion?: string };
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason;
  details?: StatusDetails;
  code: number;
}

export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
    readonly details?: StatusDetails,
    /** send `details: {}` even when empty (upstream's NewGenericServerResponse always sets Details) */
    readonly keepEmptyDetails = false,
  ) {
    super(message);
    this.name = 'StatusError';
  }

  toStatus(): Status {
    // upstream's field order: kind, apiVersion, metadata, status, message, reason, details, code
    const s = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message } as Status;
    if (this.reason) s.reason = this.reason;
    if (this.details && (this.keepEmptyDetails || Object.keys(this.details).length > 0)) s.details = this.details;
    s.code = this.code;
    return s;
  }
}

export function isStatusError(e: unknown): e is StatusError {
  return e instanceof StatusError;
}

function details(gr: GroupResource, name?: string, extra: Partial<StatusDetails> = {}): StatusDetails {
  const d: StatusDetails = {};
  if (name) d.name = name;
  if (gr.group) d.group = gr.group;
  if (gr.resource) d.kind = gr.resource;
  return { ...d, ...extra };
}

export function successStatus(details?: StatusDetails): Record<string, unknown> {
  const s: Record<string, unknown> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  if (details) s.details = details;
  return s;
}

export const errors = {
  notFound(gr: GroupResource, name: string): StatusError {
    return new StatusError(404, 'NotFound', `${groupResourceString(gr)} "${name}" not found`, details(gr, name));
  },

  /** A path the server does not serve at all. */
  notFoundPath(): StatusError {
    // go-restful's 404 through NewGenericServerResponse: an empty but present `details: {}`
    return new StatusError(404, 'NotFound', 'the server could not find the requested resource', {}, true);
  },

  alreadyExists(gr: GroupResource, name: string): StatusError {
    return new StatusError(409, 'AlreadyExists', `${groupResourceString(gr)} "${name}" already exists`, details(gr, name));
  },

  conflict(gr: GroupResource, name: string, cause: string): StatusError {
    return new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${groupResourceString(gr)} "${name}": ${cause}`, details(gr, name));
  },

  /** The optimistic-concurrency conflict every client knows. */
  modified(gr: GroupResource, name: string): StatusError {
    return errors.conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again');
  },

  invalid(group: string, kind: string, name: string, errs: FieldError[]): StatusError {
    const causes = errs.map((e) => ({ reason: e.type, message: fieldErrorBody(e), field: e.field }));
    const d: StatusDetails = {};
    if (name) d.name = name;
    if (group) d.group = group;
    d.kind = kind;
    d.causes = causes;
    const agg = aggregateMessage(errs.map(fieldErrorString));
    return new StatusError(422, 'Invalid', `${groupKindString(group, kind)} "${name}" is invalid: ${agg}`, d);
  },

  badRequest(message: string): StatusError {
    return new StatusError(400, 'BadRequest', message, {});
  },

  unauthorized(message = 'Unauthorized'): StatusError {
    return new StatusError(401, 'Unauthorized', message, {});
  },

  forbidden(gr: GroupResource, name: string, reason: string): StatusError {
    const what = name ? `${groupResourceString(gr)} "${name}"` : groupResourceString(gr);
    return new StatusError(403, 'Forbidden', `${what} is forbidden: ${reason}`, details(gr, name));
  },

  /** Forbidden on a non-resource path (message as upstream's authorization filter). */
  forbiddenPath(message: string): StatusError {
    return new StatusError(403, 'Forbidden', message, {});
  },

  methodNotSupported(gr: GroupResource, action: string): StatusError {
    return new StatusError(405, 'MethodNotAllowed', `${action} is not supported on resources of kind "${groupResourceString(gr)}"`, details(gr, ''));
  },

  methodNotAllowed(): StatusError {
    return new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});
  },

  notAcceptable(accepted: string[]): StatusError {
    return new StatusError(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`, {});
  },

  unsupportedMediaType(contentType: string, accepted: string[]): StatusError {
    void contentType;
    return new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      {},
    );
  },

  requestEntityTooLarge(limit: number): StatusError {
    return new StatusError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`, {});
  },

  tooManyRequests(retryAfterSeconds = 1): StatusError {
    return new StatusError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
  },

  timeout(message: string, retryAfterSeconds = 0): StatusError {
    const d: StatusDetails = retryAfterSeconds ? { retryAfterSeconds } : {};
    return new StatusError(504, 'Timeout', `Timeout: ${message}`, d);
  },

  serverTimeout(gr: GroupResource, operation: string, retryAfterSeconds: number): StatusError {
    return new StatusError(
      500,
      'ServerTimeout',
      `The ${operation} operation against ${groupResourceString(gr)} could not be completed at this time, please try again.`,
      details(gr, operation, { retryAfterSeconds }),
    );
  },

  /** "too old resource version": a watch or list from a compacted revision. */
  resourceExpired(message: string): StatusError {
    return new StatusError(410, 'Expired', message, {});
  },

  gone(message: string): StatusError {
    return new StatusError(410, 'Gone', message, {});
  },

  tooLargeResourceVersion(requested: number, current: number, retryAfterSeconds: number): StatusError {
    return new StatusError(504, 'Timeout', `Timeout: Too large resource version: ${requested}, current: ${current}`, {
      causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
      retryAfterSeconds,
    });
  },

  internal(err: unknown): StatusError {
    const msg = err instanceof Error ? err.message : String(err);
    return new StatusError(500, 'InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] });
  },

  serviceUnavailable(message: string): StatusError {
    return new StatusError(503, 'ServiceUnavailable', message, {});
  },
};
