/**
 * Value types for flags.ts, mirroring pflag's (and kube's) flag kinds and their error texts.
 */
import { isIP } from 'node:net';
import type { FlagValueType } from './flags';
import { formatGoDuration, parseGoDuration } from './go-duration';
import { goQuote, parseGoAtoi, parseGoBool, parseGoInt } from './go-strconv';

const string: FlagValueType<string> = {
  typeName: 'string',
  parse: (raw) => raw,
  format: (v) => v,
};

const bool: FlagValueType<boolean> = {
  typeName: '',
  isBool: true,
  parse: (raw) => parseGoBool(raw),
  format: (v) => String(v),
};

/** pflag IntVar: strconv.ParseInt(s, 0, 64) (accepts 0x/0o/0b prefixes). */
const int: FlagValueType<number> = {
  typeName: 'int',
  parse: (raw) => parseGoInt(raw, 0, 64),
  format: (v) => String(v),
};

/** klog's -v Level: strconv.ParseInt(s, 10, 32). */
const level: FlagValueType<number> = {
  typeName: 'Level',
  parse: (raw) => parseGoInt(raw, 10, 32),
  format: (v) => String(v),
};

/** Go duration, stored in milliseconds. */
const duration: FlagValueType<number> = {
  typeName: 'duration',
  parse: (raw) => parseGoDuration(raw),
  format: (v) => formatGoDuration(v),
};

/** One CSV record, as pflag's stringSlice reads it (encoding/csv: quotes allowed). */
export function readCsvRecord(value: string): string[] {
  if (value === '') return [];
  const out: string[] = [];
  let i = 0;
  while (i <= value.length) {
    if (value[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        if (i >= value.length) throw new Error(`parse error on line 1, column ${value.length + 1}: extraneous or missing " in quoted-field`);
        if (value[i] === '"') {
          if (value[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += value[i++];
      }
      if (i < value.length && value[i] !== ',') throw new Error(`parse error on line 1, column ${i + 1}: extraneous or missing " in quoted-field`);
      out.push(field);
      i++;
    } else {
      const comma = value.indexOf(',', i);
      const end = comma < 0 ? value.length : comma;
      const field = value.slice(i, end);
      if (field.includes('"')) throw new Error(`parse error on line 1, column ${i + field.indexOf('"') + 1}: bare " in non-quoted-field`);
      out.push(field);
      i = end + 1;
    }
  }
  return out;
}

/** pflag StringSlice: comma separated; the first occurrence replaces the default, later ones append. */
const stringSlice: FlagValueType<string[]> = {
  typeName: 'strings',
  parse: (raw, previous, firstSet) => (firstSet ? readCsvRecord(raw) : [...previous, ...readCsvRecord(raw)]),
  format: (v) => `[${v.join(',')}]`,
};

/** pflag IP: net.ParseIP(strings.TrimSpace(s)). Stored as the trimmed text. */
const ip: FlagValueType<string> = {
  typeName: 'ip',
  parse: (raw) => {
    const s = raw.trim();
    if (isIP(s) === 0) throw new Error(`failed to parse IP: ${goQuote(raw)}`);
    return s;
  },
  format: (v) => v,
};

export interface PortRange {
  base: number;
  size: number;
}

/** k8s.io/apimachinery/pkg/util/net.PortRange: "a-b", "a+n" or a single port. */
export function parsePortRange(input: string): PortRange {
  const value = input.trim();
  if (value === '') return { base: 0, size: 0 };
  const hyphen = value.indexOf('-');
  const plus = value.indexOf('+');
  let low: number;
  let high: number;
  if (hyphen < 0 && plus < 0) {
    low = high = parseGoAtoi(value);
  } else if (hyphen >= 0 && plus < 0) {
    low = parseGoAtoi(value.slice(0, hyphen));
    high = parseGoAtoi(value.slice(hyphen + 1));
  } else if (plus >= 0 && hyphen < 0) {
    low = parseGoAtoi(value.slice(0, plus));
    high = low + parseGoAtoi(value.slice(plus + 1));
  } else {
    throw new Error(`unable to parse port range: ${value}`);
  }
  if (low > 65535 || high > 65535) throw new Error(`the port range cannot be greater than 65535: ${value}`);
  if (high < low) throw new Error(`end port cannot be less than start port: ${value}`);
  return { base: low, size: 1 + high - low };
}

export function formatPortRange(pr: PortRange): string {
  if (pr.size === 0) return '';
  return `${pr.base}-${pr.base + pr.size - 1}`;
}

const portRange: FlagValueType<PortRange> = {
  typeName: 'portRange',
  parse: (raw) => parsePortRange(raw),
  format: formatPortRange,
};

export const flagTypes = { string, bool, int, level, duration, stringSlice, ip, portRange };
