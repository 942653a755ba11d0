/**
 * Canonical Quantity strings as k8s.io/apimachinery's resource.Quantity.String() writes the two
 * kinds metrics-server produces: CPU as NewScaledQuantity(nanoCores, -9) in DecimalSI
 * (`123456789n`, `1500u`, `5m`, `2`) and memory as NewQuantity(bytes, BinarySI) (`1234Ki`, `8Mi`;
 * values below 1024 fall back to DecimalSI, e.g. `1k`).
 */

const DECIMAL_SUFFIXES: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIXES = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** removeInt64Factors: strip trailing factors of `base`, counting them. */
function removeFactors(value: bigint, base: bigint): { amount: bigint; times: number } {
  let amount = value < 0n ? -value : value;
  let times = 0;
  while (amount >= base && amount % base === 0n) {
    amount /= base;
    times++;
  }
  return { amount: value < 0n ? -amount : amount, times };
}

/** int64Amount{value, scale}.AsCanonicalBytes + the DecimalSI suffix. */
export function formatDecimalSI(value: bigint, scale: number): string {
  if (value === 0n) return '0';
  const { amount: a, times } = removeFactors(value, 10n);
  let amount = a;
  let exponent = scale + times;
  const mod = ((exponent % 3) + 3) % 3;
  if (mod === 1) {
    amount *= 10n;
    exponent -= 1;
  } else if (mod === 2) {
    amount *= 100n;
    exponent -= 2;
  }
  const suffix = DECIMAL_SUFFIXES[exponent];
  return suffix === undefined ? `${amount}e${exponent}` : `${amount}${suffix}`;
}

/** NewQuantity(bytes, BinarySI).String() */
export function formatBinarySI(value: bigint): string {
  if (value === 0n) return '0';
  if (value > -1024n && value < 1024n) return formatDecimalSI(value, 0);
  const { amount, times } = removeFactors(value, 1024n);
  if (times >= BINARY_SUFFIXES.length) return formatDecimalSI(value, 0);
  return `${amount}${BINARY_SUFFIXES[times]}`;
}

/** CPU usage in nanocores (NewScaledQuantity(n, resource.Nano), DecimalSI). */
export function cpuQuantity(nanoCores: number | bigint): string {
  return formatDecimalSI(BigInt(typeof nanoCores === 'number' ? Math.max(0, Math.trunc(nanoCores)) : nanoCores), -9);
}

/** Memory in bytes (BinarySI). */
export function memoryQuantity(bytes: number | bigint): string {
  return formatBinarySI(BigInt(typeof bytes === 'number' ? Math.max(0, Math.trunc(bytes)) : bytes));
}
