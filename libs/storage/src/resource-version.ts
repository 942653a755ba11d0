/**
 * resourceVersion parsing as upstream's APIObjectVersioner.ParseResourceVersion: '' and '0' mean 0,
 * anything else must be an unsigned decimal integer.
 */
import { fieldErrors, fieldErrorString } from '../../apimachinery/src/field-errors';
import { storageErrors } from './errors';

const DIGITS = /^[0-9]+$/;
const UINT64_MAX = 18446744073709551615n;

/** The text upstream's storage.InvalidError prints for an unparseable resourceVersion. */
export function resourceVersionParseError(rv: string): string | undefined {
  if (rv === '' || rv === '0') return undefined;
  if (!DIGITS.test(rv)) return fieldErrorString(fieldErrors.invalid('resourceVersion', rv, `strconv.ParseUint: parsing ${JSON.stringify(rv)}: invalid syntax`));
  if (rv.length > 15 && BigInt(rv) > UINT64_MAX) {
    return fieldErrorString(fieldErrors.invalid('resourceVersion', rv, `strconv.ParseUint: parsing ${JSON.stringify(rv)}: value out of range`));
  }
  return undefined;
}

/**
 * Parses a resourceVersion; throws StorageError 'InvalidResourceVersion' whose message is
 * `${prefix}${upstream text}` (list and get use prefix 'invalid resource version: ', watch uses none).
 * Values beyond 2^53 are clamped to Number.MAX_SAFE_INTEGER (they are "too large" anyway).
 */
export function parseResourceVersion(rv: string | undefined, key: string, prefix = 'invalid resource version: '): number {
  if (rv === undefined || rv === '' || rv === '0') return 0;
  const bad = resourceVersionParseError(rv);
  if (bad !== undefined) throw storageErrors.badResourceVersion(key, prefix + bad);
  const n = Number(rv);
  return n > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : n;
}
