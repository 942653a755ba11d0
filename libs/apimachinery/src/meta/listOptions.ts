/**
 * ValidateListOptions (k8s.io/apimachinery/pkg/apis/meta/internalversion/validation) and the
 * error the list/watch handler makes of it: 422 Invalid on kind "ListOptions.meta.k8s.io", name "".
 */
import { FieldError, fieldErrors } from '../field-errors';
import { errors, StatusError } from '../status';

export interface ListOptionsToValidate {
  watch?: boolean;
  resourceVersion?: string;
  resourceVersionMatch?: string;
  continue?: string;
  /** undefined when the parameter was not sent (upstream's nil pointer). */
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
}

export interface ValidateListOptionsConfig {
  /** The WatchList feature gate (beta and on by default in 1.32). */
  watchListEnabled?: boolean;
}

export function validateListOptions(opts: ListOptionsToValidate, config: ValidateListOptionsConfig = {}): FieldError[] {
  const watchListEnabled = config.watchListEnabled ?? true;
  if (opts.watch) return validateWatchOptions(opts, watchListEnabled);
  const errs: FieldError[] = [];
  const match = opts.resourceVersionMatch ?? '';
  if (match !== '') {
    if ((opts.resourceVersion ?? '') === '') {
      errs.push(fieldErrors.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden unless resourceVersion is provided'));
    }
    if ((opts.continue ?? '') !== '') {
      errs.push(fieldErrors.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    }
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errs.push(fieldErrors.notSupported('resourceVersionMatch', match, ['Exact', 'NotOlderThan', '']));
    }
    if (match === 'Exact' && opts.resourceVersion === '0') {
      errs.push(fieldErrors.forbidden('resourceVersionMatch', 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    }
  }
  if (opts.sendInitialEvents !== undefined) {
    errs.push(fieldErrors.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for list'));
  }
  return errs;
}

function validateWatchOptions(opts: ListOptionsToValidate, watchListEnabled: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const match = opts.resourceVersionMatch ?? '';
  if (opts.sendInitialEvents !== undefined) {
    if (match !== 'NotOlderThan') {
      errs.push(fieldErrors.forbidden('resourceVersionMatch', 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'));
    }
    if (!watchListEnabled) {
      errs.push(fieldErrors.forbidden('sendInitialEvents', 'sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled'));
    }
  }
  if (match !== '') {
    if (opts.sendInitialEvents === undefined) {
      errs.push(fieldErrors.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided'));
    }
    if (match !== 'NotOlderThan') {
      errs.push(fieldErrors.notSupported('resourceVersionMatch', match, ['NotOlderThan']));
    }
    if ((opts.continue ?? '') !== '') {
      errs.push(fieldErrors.forbidden('resourceVersionMatch', 'resourceVersionMatch is forbidden when continue is provided'));
    }
  }
  return errs;
}

/** errors.NewInvalid(GroupKind{"meta.k8s.io", "ListOptions"}, "", errs): 422 Invalid. */
export function listOptionsInvalidError(errs: FieldError[]): StatusError {
  return errors.invalid('meta.k8s.io', 'ListOptions', '', errs);
}

/** Validate and throw the upstream StatusError when anything is wrong. */
export function assertValidListOptions(opts: ListOptionsToValidate, config?: ValidateListOptionsConfig): void {
  const errs = validateListOptions(opts, config);
  if (errs.length > 0) throw listOptionsInvalidError(errs);
}
