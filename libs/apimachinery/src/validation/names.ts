/** Object name rules (apimachinery/pkg/api/validation NameIsDNS*, ValidateNamespaceName). */
import { isDNS1035Label, isDNS1123Label, isDNS1123Subdomain } from './dns';
import { isValidPathSegmentName, isValidPathSegmentPrefix } from './path-segment';

/** Same values as the registry's NameValidation. */
export type NameValidationKind = 'dns1123Subdomain' | 'dns1123Label' | 'dns1035Label' | 'pathSegment';

/**
 * A generateName prefix may end in '-' (random characters follow). Upstream replaces the last two
 * characters with "a" before checking, so "abc-" is checked as "aba".
 */
function maskTrailingDash(name: string): string {
  if (name.length > 1 && name.endsWith('-')) return `${name.slice(0, -2)}a`;
  return name;
}

/** The messages for a bad name (empty list when valid). `prefix` = validating a generateName. */
export function validateName(kind: NameValidationKind, name: string, prefix = false): string[] {
  switch (kind) {
    case 'dns1123Subdomain':
      return isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);
    case 'dns1123Label':
      return isDNS1123Label(prefix ? maskTrailingDash(name) : name);
    case 'dns1035Label':
      return isDNS1035Label(prefix ? maskTrailingDash(name) : name);
    case 'pathSegment':
      return prefix ? isValidPathSegmentPrefix(name) : isValidPathSegmentName(name);
  }
}

/** ValidateNamespaceName: namespaces are DNS-1123 labels. */
export function validateNamespaceName(name: string, prefix = false): string[] {
  return validateName('dns1123Label', name, prefix);
}
