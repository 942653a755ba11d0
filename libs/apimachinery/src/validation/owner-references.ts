/** ValidateOwnerReferences (apimachinery/pkg/api/validation/objectmeta.go). */
import { FieldError, fieldErrors } from '../field-errors';
import { isObject } from '../types';
import { goQuote } from './go-values';
import { invalidRendered } from './rendered-errors';

function parseApiVersion(apiVersion: string): { group: string; version: string } {
  if (apiVersion === '' || apiVersion === '/') return { group: '', version: '' };
  const parts = apiVersion.split('/');
  if (parts.length === 1) return { group: '', version: parts[0] };
  if (parts.length === 2) return { group: parts[0], version: parts[1] };
  return { group: '', version: '' };
}

function str(r: Record<string, unknown>, k: string): string {
  return typeof r[k] === 'string' ? (r[k] as string) : '';
}

function goBoolPtr(v: unknown): string {
  return typeof v === 'boolean' ? `(*bool)(${v})` : '(*bool)(nil)';
}

function goOwnerReference(r: Record<string, unknown>): string {
  return (
    `v1.OwnerReference{APIVersion:${goQuote(str(r, 'apiVersion'))}, Kind:${goQuote(str(r, 'kind'))}, Name:${goQuote(str(r, 'name'))}, ` +
    `UID:${goQuote(str(r, 'uid'))}, Controller:${goBoolPtr(r.controller)}, BlockOwnerDeletion:${goBoolPtr(r.blockOwnerDeletion)}}`
  );
}

function validateOwnerReference(r: Record<string, unknown>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const gv = parseApiVersion(str(r, 'apiVersion'));
  const kind = str(r, 'kind');
  if (gv.version === '') errs.push(fieldErrors.invalid(`${path}.apiVersion`, str(r, 'apiVersion'), 'version must not be empty'));
  if (kind === '') errs.push(fieldErrors.invalid(`${path}.kind`, kind, 'must not be empty'));
  if (str(r, 'name') === '') errs.push(fieldErrors.invalid(`${path}.name`, '', 'must not be empty'));
  if (str(r, 'uid') === '') errs.push(fieldErrors.invalid(`${path}.uid`, '', 'must not be empty'));
  if (gv.group === '' && gv.version === 'v1' && kind === 'Event') {
    errs.push(invalidRendered(path, goOwnerReference(r), '/v1, Kind=Event is disallowed from being an owner'));
  }
  return errs;
}

export function validateOwnerReferences(refs: unknown, path: string): FieldError[] {
  if (!Array.isArray(refs)) return [];
  const errs: FieldError[] = [];
  let firstController = '';
  const all = refs.map((r) => (isObject(r) ? r : {}));
  for (const r of all) {
    errs.push(...validateOwnerReference(r, path));
    if (r.controller === true) {
      const cur = `${str(r, 'kind')}/${str(r, 'name')}`;
      if (firstController !== '') {
        errs.push(
          invalidRendered(
            path,
            `[]v1.OwnerReference{${all.map(goOwnerReference).join(', ')}}`,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${cur}`,
          ),
        );
      } else {
        firstController = cur;
      }
    }
  }
  return errs;
}
