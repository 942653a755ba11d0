/** Entry points for turning a `labelSelector` query string into a LabelSelector. */
import { errors, StatusError } from '../status';
import { parseLabelRequirements } from './label-parser';
import { LabelSelector, SelectorSyntaxError } from './label-selector';

export type ParseResult<T> = { ok: true; selector: T } | { ok: false; message: string };

/** labels.Parse without throwing: the selector, or upstream's error text. */
export function tryParseLabelSelector(selector: string, path?: string): ParseResult<LabelSelector> {
  try {
    return { ok: true, selector: LabelSelector.fromRequirements(parseLabelRequirements(selector, path)) };
  } catch (e) {
    if (e instanceof SelectorSyntaxError) return { ok: false, message: e.message };
    throw e;
  }
}

/**
 * labels.Parse as the list/watch handler uses it: a bad selector is a 400 BadRequest whose
 * message is the parser's error (e.g. "unable to parse requirement: ...").
 */
export function parseLabelSelector(selector: string): LabelSelector {
  const r = tryParseLabelSelector(selector);
  if (!r.ok) throw labelSelectorBadRequest(r.message);
  return r.selector;
}

export function labelSelectorBadRequest(message: string): StatusError {
  return errors.badRequest(message);
}
