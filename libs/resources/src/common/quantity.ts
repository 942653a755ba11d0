/**
 * resource.Quantity parsing, enough to compare values (QoS class, requests against limits).
 * Values are held exactly as bigint nano-units (1 = 1e-9).
 */

/** The format upstream's decoder enforces; anything else fails decoding with this message. */
export const QUANTITY_FORMAT_MESSAGE = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const BINARY: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const NANO_EXP = 9;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Value in nano-units (rounded up), or null when `q` is not a valid quantity. */
export function parseQuantity(q: unknown): bigint | null {
  if (typeof q === 'number') q = String(q);
  if (typeof q !== 'string') return null;
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(q);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const [, sign, intPart, fracPart = '', suffix] = m;
  let exp10 = 0;
  let mult = 1n;
  if (Object.prototype.hasOwnProperty.call(BINARY, suffix)) mult = BINARY[suffix];
  else if (Object.prototype.hasOwnProperty.call(DECIMAL, suffix)) exp10 = DECIMAL[suffix];
  else {
    const e = /^[eE]([+-]?[0-9]+)$/.exec(suffix);
    if (!e) return null;
    exp10 = Number(e[1]);
  }
  // digits * 10^(exp10 - len(frac)) * mult, expressed in nano-units
  const digits = BigInt(`${intPart}${fracPart}` || '0');
  const shift = exp10 - fracPart.length + NANO_EXP;
  let v: bigint;
  if (shift >= 0) v = digits * pow10(shift) * mult;
  else {
    const d = pow10(-shift);
    const n = digits * mult;
    v = n / d + (n % d === 0n ? 0n : 1n);
  }
  return sign === '-' ? -v : v;
}

/** -1, 0 or 1; invalid quantities compare as 0. */
export function compareQuantities(a: unknown, b: unknown): number {
  const x = parseQuantity(a) ?? 0n;
  const y = parseQuantity(b) ?? 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}

export function isValidQuantity(q: unknown): boolean {
  return parseQuantity(q) !== null;
}
