/** meta/v1/validation.ValidateLabelSelector for metav1.LabelSelector values in specs. */
import { FieldError, fieldErrors } from '../field-errors';
import { isObject } from '../types';
import { validateLabelName, validateLabels } from './labels';
import { isValidLabelValue } from './qualified-name';

export interface LabelSelectorValidationOptions {
  allowInvalidLabelValueInSelector?: boolean;
}

export function validateLabelSelector(sel: unknown, path: string, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  if (!isObject(sel)) return [];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  exprs.forEach((e, i) => errs.push(...validateLabelSelectorRequirement(e, `${path}.matchExpressions[${i}]`, opts)));
  return errs;
}

export function validateLabelSelectorRequirement(req: unknown, path: string, opts: LabelSelectorValidationOptions = {}): FieldError[] {
  const r = isObject(req) ? req : {};
  const errs: FieldError[] = [];
  const values = Array.isArray(r.values) ? r.values.map((v) => (typeof v === 'string' ? v : String(v))) : [];
  const operator = typeof r.operator === 'string' ? r.operator : '';
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(fieldErrors.required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(fieldErrors.forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      }
      break;
    default:
      errs.push(fieldErrors.invalid(`${path}.operator`, operator, 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(typeof r.key === 'string' ? r.key : '', `${path}.key`));
  if (!opts.allowInvalidLabelValueInSelector) {
    values.forEach((v, i) => {
      for (const msg of isValidLabelValue(v)) errs.push(fieldErrors.invalid(`${path}.values[${i}]`, v, msg));
    });
  }
  return errs;
}
