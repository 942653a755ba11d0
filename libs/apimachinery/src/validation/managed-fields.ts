/** meta/v1/validation.ValidateManagedFields. */
import { FieldError, fieldErrors } from '../field-errors';
import { isObject } from '../types';

const FIELD_MANAGER_MAX_LENGTH = 128;
const MAX_SUBRESOURCE_NAME_LENGTH = 256;

function validateFieldManager(manager: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (Buffer.byteLength(manager, 'utf8') > FIELD_MANAGER_MAX_LENGTH) errs.push(fieldErrors.tooLong(path, manager, FIELD_MANAGER_MAX_LENGTH));
  let pos = 0;
  for (const ch of manager) {
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      const hex = cp.toString(16).toUpperCase().padStart(4, '0');
      errs.push(fieldErrors.invalid(path, manager, `invalid character U+${hex} (at position ${pos})`));
    }
    pos += Buffer.byteLength(ch, 'utf8');
  }
  return errs;
}

export function validateManagedFields(entries: unknown, path: string): FieldError[] {
  if (!Array.isArray(entries)) return [];
  const errs: FieldError[] = [];
  entries.forEach((raw, i) => {
    const e = isObject(raw) ? raw : {};
    const p = `${path}[${i}]`;
    const operation = typeof e.operation === 'string' ? e.operation : '';
    if (operation !== 'Apply' && operation !== 'Update') {
      errs.push(fieldErrors.invalid(`${p}.operation`, operation, 'must be `Apply` or `Update`'));
    }
    const fieldsType = typeof e.fieldsType === 'string' ? e.fieldsType : '';
    if (fieldsType !== '' && fieldsType !== 'FieldsV1') {
      errs.push(fieldErrors.invalid(`${p}.fieldsType`, fieldsType, 'must be `FieldsV1`'));
    }
    errs.push(...validateFieldManager(typeof e.manager === 'string' ? e.manager : '', `${p}.manager`));
    const sub = typeof e.subresource === 'string' ? e.subresource : '';
    if (sub.length > MAX_SUBRESOURCE_NAME_LENGTH) errs.push(fieldErrors.tooLong(`${p}.subresource`, sub, MAX_SUBRESOURCE_NAME_LENGTH));
  });
  return errs;
}
