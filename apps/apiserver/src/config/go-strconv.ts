/**
 * The parts of Go's strconv (and its error texts) that flag parsing needs, so flag errors read
 * exactly like kube-apiserver's (pflag wraps these messages).
 */

/** Go's %q for a plain string: double-quoted with Go escapes (JSON escaping matches for typical input). */
export function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's %q for a []string: `["a" "b"]`. */
export function goQuoteSlice(items: string[]): string {
  return `[${items.map(goQuote).join(' ')}]`;
}

export class NumError extends Error {
  constructor(fn: string, input: string, reason: 'invalid syntax' | 'value out of range') {
    super(`strconv.${fn}: parsing ${goQuote(input)}: ${reason}`);
    this.name = 'NumError';
  }
}

const DIGITS: Record<number, RegExp> = {
  2: /^[01]+$/,
  8: /^[0-7]+$/,
  10: /^[0-9]+$/,
  16: /^[0-9a-fA-F]+$/,
};

/** Underscores are only legal with a base prefix, each one between digits (Go's underscoreOK). */
function stripUnderscores(digits: string, prefixed: boolean): string | null {
  if (!digits.includes('_')) return digits;
  if (!prefixed || digits.includes('__') || digits.endsWith('_')) return null;
  return digits.replace(/_/g, '');
}

function parseUnsignedDigits(fn: string, orig: string, s: string, base: number): bigint {
  if (s === '') throw new NumError(fn, orig, 'invalid syntax');
  let b = base;
  let body = s;
  let prefixed = false;
  if (base === 0) {
    b = 10;
    if (s[0] === '0') {
      if (s.length >= 3 && /[bB]/.test(s[1])) {
        b = 2;
        body = s.slice(2);
        prefixed = true;
      } else if (s.length >= 3 && /[oO]/.test(s[1])) {
        b = 8;
        body = s.slice(2);
        prefixed = true;
      } else if (s.length >= 3 && /[xX]/.test(s[1])) {
        b = 16;
        body = s.slice(2);
        prefixed = true;
      } else if (s.length > 1) {
        b = 8;
        body = s.slice(1);
        prefixed = true;
      }
    }
  }
  const digits = base === 0 ? stripUnderscores(body, prefixed) : body;
  if (digits === null || digits === '' || !DIGITS[b].test(digits)) throw new NumError(fn, orig, 'invalid syntax');
  const prefix = b === 16 ? '0x' : b === 8 ? '0o' : b === 2 ? '0b' : '';
  return BigInt(prefix + digits);
}

/** strconv.ParseInt(s, base, bitSize) (base 0 = infer from prefix, as pflag's int flags do). */
export function parseGoInt(s: string, base = 0, bitSize = 64): number {
  let body = s;
  let neg = false;
  if (body.startsWith('+') || body.startsWith('-')) {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  const mag = parseUnsignedDigits('ParseInt', s, body, base);
  const limit = 1n << BigInt(bitSize - 1);
  if ((!neg && mag >= limit) || (neg && mag > limit)) throw new NumError('ParseInt', s, 'value out of range');
  return Number(neg ? -mag : mag);
}

/** strconv.ParseUint(s, base, bitSize). */
export function parseGoUint(s: string, base = 0, bitSize = 64): number {
  const mag = parseUnsignedDigits('ParseUint', s, s, base);
  if (mag >= 1n << BigInt(bitSize)) throw new NumError('ParseUint', s, 'value out of range');
  return Number(mag);
}

/** strconv.Atoi(s): base 10, no prefixes. */
export function parseGoAtoi(s: string): number {
  try {
    return parseGoInt(s, 10, 64);
  } catch (e) {
    if (e instanceof NumError) throw new NumError('Atoi', s, e.message.endsWith('out of range') ? 'value out of range' : 'invalid syntax');
    throw e;
  }
}

/** strconv.ParseBool. */
export function parseGoBool(s: string): boolean {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'TRUE':
    case 'true':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'FALSE':
    case 'false':
    case 'False':
      return false;
    default:
      throw new NumError('ParseBool', s, 'invalid syntax');
  }
}
