/**
 * The Kubernetes CEL quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go):
 * `quantity(string)`, `isQuantity`, `sign`, `isInteger`, `asInteger`, `asApproximateFloat`,
 * `add`/`sub` (quantity or int), `isGreaterThan`, `isLessThan`, `compareTo` and `==` (by value, as
 * resource.Quantity.Equal). Values are exact: digits × 10^scale (binary suffixes multiplied in).
 */
import { QUANTITY_FORMAT_MESSAGE } from '../../resources/src/common/quantity';
import { BOOL, cel, DOUBLE, DYN, expect, INT, noOverload, opaque, opaqueMethod, opaqueValue, STRING, parses } from './cel-lib-values';

export const QUANTITY_TYPE = 'kubernetes.Quantity';

/**
 * value = n × 10^scale, as upstream's int64Amount{value, scale}; `dec` marks values upstream holds
 * as an inf.Dec (too many digits, fractional binary SI, below nano, int64 overflow), which never
 * convert to an integer.
 */
export interface Q {
  n: bigint;
  scale: number;
  dec?: boolean;
}

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const has = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** resource.ParseQuantity; throws its errors. */
export function parseQ(s: string): Q {
  if (!/^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/.test(s)) throw new Error(QUANTITY_FORMAT_MESSAGE);
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(QUANTITY_FORMAT_MESSAGE);
  const [, sign, intPart, frac = '', suffix] = m;
  let exp = 0;
  let mult = 1n;
  let precision: number;
  if (has(BINARY, suffix)) {
    mult = BINARY[suffix];
    const exp2 = mult.toString(2).length - 1;
    precision = frac === '' ? 15 - intPart.length - Math.trunc((exp2 * 3) / 10) - 1 : -1;
  } else {
    if (has(DECIMAL, suffix)) exp = DECIMAL[suffix];
    else {
      const e = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
      if (!e) throw new Error("unable to parse quantity's suffix");
      exp = Number(e[1]);
    }
    precision = 18 - intPart.length - frac.length;
  }
  const n = BigInt(`${intPart}${frac}` || '0') * mult;
  const scale = exp - frac.length;
  const dec = precision < 0 || scale < -9 || n > INT64_MAX;
  return { n: sign === '-' ? -n : n, scale, dec };
}

export function isQuantity(s: string): boolean {
  return parses(parseQ, s);
}

function align(a: Q, b: Q): [bigint, bigint, number] {
  const s = Math.min(a.scale, b.scale);
  return [a.n * 10n ** BigInt(a.scale - s), b.n * 10n ** BigInt(b.scale - s), s];
}

export function cmpQ(a: Q, b: Q): number {
  const [x, y] = align(a, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Quantity.AsInt64: inf.Dec values and negative scales (e.g. 1000m) do not convert, as upstream. */
function asInt64(q: Q): bigint | undefined {
  if (q.dec || q.scale < 0) return undefined;
  const v = q.n * 10n ** BigInt(q.scale);
  return v >= INT64_MIN && v <= INT64_MAX ? v : undefined;
}

/** int64Amount.Add: aligned to the smaller scale; inf.Dec when either side is or on overflow. */
function addQ(a: Q, b: Q, negate: boolean): Q {
  const [x, y, scale] = align(a, b);
  const n = negate ? x - y : x + y;
  return { n, scale, dec: a.dec || b.dec || n > INT64_MAX || n < INT64_MIN };
}

function canonical(q: Q): string {
  if (q.n === 0n) return '0';
  let { n, scale } = q;
  while (n % 10n === 0n) {
    n /= 10n;
    scale++;
  }
  return `${n}e${scale}`;
}

export const quantityValue = (q: Q): unknown => opaque(QUANTITY_TYPE, canonical(q), q);

function operand(v: unknown, fn: string, self: unknown): Q {
  if (typeof v === 'bigint') return { n: v, scale: 0 };
  const q = opaqueValue<Q>(v, QUANTITY_TYPE);
  if (!q) throw noOverload(fn, self, v);
  return q;
}

const qMethod = (name: string, result: unknown, f: (q: Q) => unknown): unknown => opaqueMethod(QUANTITY_TYPE, name, result, f);

const qBinary = (name: string, result: unknown, ints: boolean, f: (a: Q, b: Q) => unknown): unknown =>
  cel.celMethod(name, DYN, [DYN], result, function (this: unknown, other: unknown) {
    const a = expect<Q>(this, QUANTITY_TYPE, name, other);
    if (!ints && typeof other === 'bigint') throw noOverload(name, this, other);
    return f(a, operand(other, name, this));
  });

const sign = (q: Q): bigint => (q.n > 0n ? 1n : q.n < 0n ? -1n : 0n);

export const quantityLibrary: unknown[] = [
  cel.celFunc('quantity', [STRING], DYN, (s: string) => quantityValue(parseQ(s))),
  cel.celFunc('isQuantity', [STRING], BOOL, (s: string) => isQuantity(s)),
  cel.celFunc('sign', [DYN], INT, (v: unknown) => sign(expect<Q>(v, QUANTITY_TYPE, 'sign'))),
  qMethod('sign', INT, sign),
  qMethod('isInteger', BOOL, (q) => asInt64(q) !== undefined),
  qMethod('asInteger', INT, (q) => {
    const v = asInt64(q);
    if (v === undefined) throw new Error('cannot convert value to integer');
    return v;
  }),
  qMethod('asApproximateFloat', DOUBLE, (q) => parseFloat(`${q.n}e${q.scale}`)),
  qBinary('isGreaterThan', BOOL, false, (a, b) => cmpQ(a, b) === 1),
  qBinary('isLessThan', BOOL, false, (a, b) => cmpQ(a, b) === -1),
  qBinary('compareTo', INT, false, (a, b) => BigInt(cmpQ(a, b))),
  qBinary('add', DYN, true, (a, b) => quantityValue(addQ(a, b, false))),
  qBinary('sub', DYN, true, (a, b) => quantityValue(addQ(a, b, true))),
];
