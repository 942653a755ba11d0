/** Query parameters shared by the write verbs: dryRun and fieldValidation, validated as upstream. */
import { fieldErrors, FieldError } from '../../../../libs/apimachinery/src/field-errors';
import { errors } from '../../../../libs/apimachinery/src/status';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteParams {
  dryRun: boolean;
  fieldValidation: FieldValidation;
  fieldManager?: string;
}

/** optionsKind: CreateOptions, UpdateOptions, PatchOptions or DeleteOptions. */
export function parseWriteParams(query: URLSearchParams, optionsKind: string): WriteParams {
  const errs: FieldError[] = [];
  const dry = query.getAll('dryRun');
  dry.forEach((v, i) => {
    if (v !== 'All') errs.push(fieldErrors.notSupported(`dryRun[${i}]`, v, ['All']));
  });
  const fv = query.get('fieldValidation') ?? '';
  let fieldValidation: FieldValidation = 'Warn';
  if (fv === 'Strict' || fv === 'Warn' || fv === 'Ignore') fieldValidation = fv;
  else if (fv !== '') errs.push(fieldErrors.notSupported('fieldValidation', fv, ['Ignore', 'Warn', 'Strict']));
  const fieldManager = query.get('fieldManager') ?? undefined;
  if (fieldManager !== undefined && fieldManager.length > 128) {
    errs.push(fieldErrors.tooLong('fieldManager', fieldManager, 128));
  }
  if (errs.length) throw errors.invalid('meta.k8s.io', optionsKind, '', errs);
  return { dryRun: dry.length > 0, fieldValidation, fieldManager };
}
