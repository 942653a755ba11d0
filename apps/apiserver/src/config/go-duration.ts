/**
 * Go's time.ParseDuration / Duration.String, in milliseconds (fractions allowed: "1.5us" = 0.0015).
 * Error texts match Go's, since they surface in flag errors and in `?timeout=` rejections.
 */
import { goQuote } from './go-strconv';

const NS_PER_UNIT: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

/** Parse a Go duration ("1m0s", "30s", "500ms", "1h", "-1.5h") to milliseconds. */
export function parseGoDuration(input: string): number {
  const invalid = () => new DurationError(`time: invalid duration ${goQuote(input)}`);
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw invalid();
  let totalNs = 0;
  while (s !== '') {
    const num = /^([0-9]*)(\.([0-9]*))?/.exec(s);
    if (!num || !(s[0] === '.' || (s[0] >= '0' && s[0] <= '9'))) throw invalid();
    const pre = num[1] !== '';
    const post = num[3] !== undefined && num[3] !== '';
    if (!pre && !post) throw invalid();
    s = s.slice(num[0].length);
    let i = 0;
    while (i < s.length && s[i] !== '.' && !(s[i] >= '0' && s[i] <= '9')) i++;
    if (i === 0) throw new DurationError(`time: missing unit in duration ${goQuote(input)}`);
    const unit = s.slice(0, i);
    s = s.slice(i);
    const perUnit = NS_PER_UNIT[unit];
    if (perUnit === undefined) throw new DurationError(`time: unknown unit ${goQuote(unit)} in duration ${goQuote(input)}`);
    const value = Number(`${num[1] || '0'}.${num[3] ?? '0'}`);
    totalNs += value * perUnit;
  }
  if (totalNs > 9223372036854775807) throw invalid();
  const ms = totalNs / 1e6;
  return neg ? -ms : ms;
}

function trimFraction(n: number, digits: number): string {
  return n.toFixed(digits).replace(/\.?0+$/, '');
}

/** Go's Duration.String() for a value in milliseconds: "1m0s", "5m0s", "500ms", "1h0m0s", "0s". */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const sign = ns < 0 ? '-' : '';
  ns = Math.abs(ns);
  if (ns < 1e9) {
    if (ns < 1e3) return `${sign}${ns}ns`;
    if (ns < 1e6) return `${sign}${trimFraction(ns / 1e3, 3)}µs`;
    return `${sign}${trimFraction(ns / 1e6, 6)}ms`;
  }
  const h = Math.floor(ns / 3600e9);
  ns -= h * 3600e9;
  const m = Math.floor(ns / 60e9);
  ns -= m * 60e9;
  const sec = trimFraction(ns / 1e9, 9);
  if (h > 0) return `${sign}${h}h${m}m${sec}s`;
  if (m > 0) return `${sign}${m}m${sec}s`;
  return `${sign}${sec}s`;
}
