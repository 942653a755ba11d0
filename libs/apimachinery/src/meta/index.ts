/** Object-metadata helpers: resource versions, list options, timestamps, UIDs, field access. */
export {
  invalidResourceVersionError,
  invalidResourceVersionMessage,
  listResourceVersionSource,
  parseResourceVersion,
  parseUintError,
} from './resourceVersion';
export type { ListSourceOptions, ParseResourceVersionOptions, ResourceVersionSource } from './resourceVersion';
export { assertValidListOptions, listOptionsInvalidError, validateListOptions } from './listOptions';
export type { ListOptionsToValidate, ValidateListOptionsConfig } from './listOptions';
export {
  RFC3339,
  RFC3339_MICRO,
  TimeParseError,
  formatMicroTime,
  formatTime,
  instantToDate,
  isZeroTime,
  normalizeMicroTime,
  normalizeTime,
  nowMicroTime,
  nowTime,
  parseMicroTime,
  parseTime,
} from './time';
export type { TimeInstant } from './time';
export { newUid } from './uid';
export { deletePath, getPath, objectAnnotations, objectLabels, objectMetaFields, setPath } from './accessor';
export type { ObjectPath } from './accessor';
