/**
 * The Kubernetes CEL format library (k8s.io/apiserver/pkg/cel/library/format.go):
 * `format.named(name)` → optional format, `format.<name>()` → format, and
 * `<format>.validate(str)` → optional.none() when valid, else optional.of(list of error strings).
 */
import { validateName } from '../../apimachinery/src/validation/names';
import { isQualifiedName, isValidLabelValue } from '../../apimachinery/src/validation/qualified-name';
import { parseRequestURI } from './cel-lib-url';
import { cel, DYN, expect, opaque, optionalNone, optionalOf, STRING } from './cel-lib-values';

export const FORMAT_TYPE = 'kubernetes.NamedFormat';

interface Format {
  name: string;
  validate(s: string): string[];
}

const UUID = /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function isDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return d <= days;
}

/** strfmt IsDateTime: <date>T<hh:mm:ss[.frac]>(Z|±hh:mm), case-insensitive. */
function isDateTime(s: string): boolean {
  const parts = s.toLowerCase().split('t');
  if (parts.length !== 2 || !isDate(parts[0])) return false;
  const m = /^([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?(z|([+-][0-9]{2}):([0-9]{2}))$/.exec(parts[1]);
  if (!m) return false;
  if (Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3]) > 59) return false;
  if (m[6] !== undefined && (Math.abs(Number(m[6])) > 23 || Number(m[7]) > 59)) return false;
  return true;
}

const FORMATS: Record<string, Format> = {
  dns1123Label: { name: 'DNS1123Label', validate: (s) => validateName('dns1123Label', s, false) },
  dns1123Subdomain: { name: 'DNS1123Subdomain', validate: (s) => validateName('dns1123Subdomain', s, false) },
  dns1035Label: { name: 'DNS1035Label', validate: (s) => validateName('dns1035Label', s, false) },
  qualifiedName: { name: 'QualifiedName', validate: isQualifiedName },
  dns1123LabelPrefix: { name: 'DNS1123LabelPrefix', validate: (s) => validateName('dns1123Label', s, true) },
  dns1123SubdomainPrefix: { name: 'DNS1123SubdomainPrefix', validate: (s) => validateName('dns1123Subdomain', s, true) },
  dns1035LabelPrefix: { name: 'DNS1035LabelPrefix', validate: (s) => validateName('dns1035Label', s, true) },
  labelValue: { name: 'LabelValue', validate: isValidLabelValue },
  uri: {
    name: 'URI',
    validate: (s) => {
      try {
        parseRequestURI(s);
        return [];
      } catch (e) {
        return [(e as Error).message];
      }
    },
  },
  uuid: { name: 'uuid', validate: (s) => (UUID.test(s) ? [] : ['does not match the UUID format']) },
  byte: { name: 'byte', validate: (s) => (BASE64.test(s) ? [] : ['invalid base64']) },
  date: { name: 'date', validate: (s) => (isDate(s) ? [] : ['invalid date']) },
  datetime: { name: 'datetime', validate: (s) => (isDateTime(s) ? [] : ['invalid datetime']) },
};

export const FORMAT_NAMES = Object.keys(FORMATS);

const formatValue = (f: Format): unknown => opaque(FORMAT_TYPE, f.name, f);

export const formatLibrary: unknown[] = [
  cel.celFunc('format.named', [STRING], DYN, (name: string) =>
    Object.prototype.hasOwnProperty.call(FORMATS, name) ? optionalOf(formatValue(FORMATS[name])) : optionalNone(),
  ),
  ...Object.entries(FORMATS).map(([name, f]) => cel.celFunc(`format.${name}`, [], DYN, () => formatValue(f))),
  cel.celMethod('validate', DYN, [STRING], DYN, function (this: unknown, s: string) {
    const errs = expect<Format>(this, FORMAT_TYPE, 'validate', s).validate(s);
    return errs.length === 0 ? optionalNone() : optionalOf(cel.celList(errs));
  }),
];
