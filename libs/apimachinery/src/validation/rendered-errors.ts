/**
 * Field errors whose bad value is a Go composite (printed with %#v upstream). The contract's
 * formatter prints values as JSON, so these carry no value and put the Go rendering in front of
 * the detail: the resulting message is byte-for-byte upstream's.
 */
import { FieldError, OMIT_VALUE } from '../field-errors';

export function invalidRendered(path: string, rendered: string, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field: path, value: OMIT_VALUE, detail: detail ? `${rendered}: ${detail}` : rendered };
}

export function duplicateRendered(path: string, rendered: string): FieldError {
  return { type: 'FieldValueDuplicate', field: path, value: OMIT_VALUE, detail: rendered };
}

export function notSupportedRendered(path: string, rendered: string, supported: string[]): FieldError {
  const list = supported.map((s) => JSON.stringify(s)).join(', ');
  return { type: 'FieldValueNotSupported', field: path, value: OMIT_VALUE, detail: `${rendered}: supported values: ${list}` };
}
