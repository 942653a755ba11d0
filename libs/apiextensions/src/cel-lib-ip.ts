/**
 * The Kubernetes CEL IP library (k8s.io/apiserver/pkg/cel/library/ip.go): `ip(string)`, `isIP`,
 * `ip.isCanonical`, `string(ip)`, `family()`, `isUnspecified()`, `isLoopback()`,
 * `isLinkLocalMulticast()`, `isLinkLocalUnicast()`, `isGlobalUnicast()` and `==`, with Go's
 * netip.ParseAddr rules (no leading zeros in IPv4 octets, no zones, no IPv4-mapped IPv6).
 */
import { BOOL, cel, DYN, INT, opaque, opaqueMethod, STRING, parses } from './cel-lib-values';

export const IP_TYPE = 'net.IP';

/** A parsed address: 4 bytes (IPv4) or 16 bytes (IPv6). */
export interface Addr {
  bytes: number[];
  zone: string;
}

class ParseAddrError extends Error {
  constructor(input: string, msg: string, at?: string) {
    super(`ParseAddr(${JSON.stringify(input)}): ${msg}${at !== undefined ? ` (at ${JSON.stringify(at)})` : ''}`);
  }
}

function parseV4(s: string, input = s): number[] {
  const out: number[] = [];
  let val = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c >= '0' && c <= '9') {
      if (digits === 1 && val === 0) throw new ParseAddrError(input, 'IPv4 field has octet with leading zero');
      val = val * 10 + Number(c);
      digits++;
      if (val > 255) throw new ParseAddrError(input, 'IPv4 field has value >255');
    } else if (c === '.') {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') throw new ParseAddrError(input, 'IPv4 field must have at least one digit', s.slice(i));
      if (out.length === 3) throw new ParseAddrError(input, 'IPv4 address too long');
      out.push(val);
      val = 0;
      digits = 0;
    } else {
      throw new ParseAddrError(input, 'unexpected character', s.slice(i));
    }
  }
  if (out.length < 3) throw new ParseAddrError(input, 'IPv4 address too short');
  out.push(val);
  return out;
}

function parseV6(input: string): Addr {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct >= 0) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') throw new ParseAddrError(input, 'zone must be a non-empty string');
  }
  const groups: (number | 'ellipsis')[] = [];
  let tail4: number[] | undefined;
  let i = 0;
  if (s.startsWith('::')) {
    groups.push('ellipsis');
    i = 2;
  } else if (s.startsWith(':')) {
    throw new ParseAddrError(input, 'unexpected character, want colon', s);
  }
  while (i < s.length) {
    let j = i;
    while (j < s.length && /[0-9a-fA-F]/.test(s[j])) j++;
    if (j < s.length && s[j] === '.') {
      // embedded IPv4 in the last 32 bits
      tail4 = parseV4(s.slice(i), input);
      i = s.length;
      break;
    }
    if (j === i) throw new ParseAddrError(input, 'each colon-separated field must have at least one digit', s.slice(i));
    if (j - i > 4) throw new ParseAddrError(input, 'IPv6 field has value >=2^16', s.slice(i));
    groups.push(parseInt(s.slice(i, j), 16));
    i = j;
    if (i === s.length) break;
    if (s[i] !== ':') throw new ParseAddrError(input, 'unexpected character, want colon', s.slice(i));
    if (i === s.length - 1) throw new ParseAddrError(input, 'colon must be followed by more characters', s.slice(i));
    i++;
    if (s[i] === ':') {
      if (groups.includes('ellipsis')) throw new ParseAddrError(input, 'multiple :: in address', s.slice(i - 1));
      groups.push('ellipsis');
      i++;
    }
  }
  const words = groups.filter((g): g is number => g !== 'ellipsis');
  const total = words.length + (tail4 ? 2 : 0);
  const ellipsis = groups.indexOf('ellipsis');
  if (ellipsis < 0 && total !== 8) throw new ParseAddrError(input, 'address string too short');
  if (ellipsis >= 0 && total > 7) throw new ParseAddrError(input, 'the :: must expand to at least one field of zeros');
  const full: number[] = [];
  for (const g of groups) {
    if (g === 'ellipsis') for (let k = 0; k < 8 - total; k++) full.push(0);
    else full.push(g);
  }
  const bytes: number[] = [];
  for (const w of full) bytes.push(w >> 8, w & 0xff);
  if (tail4) bytes.push(...tail4);
  return { bytes, zone };
}

/** Go's netip.ParseAddr; throws with Go's messages. */
export function parseAddr(s: string): Addr {
  for (const c of s) {
    if (c === '.') return { bytes: parseV4(s), zone: '' };
    if (c === ':') return parseV6(s);
    if (c === '%') throw new ParseAddrError(s, 'missing IPv6 address');
  }
  throw new ParseAddrError(s, 'unable to parse IP');
}

export const is4 = (a: Addr): boolean => a.bytes.length === 4;
export const is4In6 = (a: Addr): boolean => a.bytes.length === 16 && a.bytes.slice(0, 10).every((b) => b === 0) && a.bytes[10] === 0xff && a.bytes[11] === 0xff;

/** netip.Addr.String(): dotted IPv4, RFC 5952 IPv6. */
export function addrString(a: Addr): string {
  if (is4(a)) return a.bytes.join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((a.bytes[i] << 8) | a.bytes[i + 1]);
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let out = '';
  if (is4In6(a)) return `::ffff:${a.bytes.slice(12).join('.')}${a.zone ? `%${a.zone}` : ''}`;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      out += '::';
      i += bestLen - 1;
      continue;
    }
    if (out !== '' && !out.endsWith(':')) out += ':';
    out += words[i].toString(16);
  }
  return out + (a.zone ? `%${a.zone}` : '');
}

/** parseIPAddr of ip.go: ParseAddr, then no zone and no IPv4-mapped IPv6. */
export function parseIPAddr(raw: string): Addr {
  let a: Addr;
  try {
    a = parseAddr(raw);
  } catch (e) {
    throw new Error(`IP Address ${JSON.stringify(raw)} parse error during conversion from string: ${(e as Error).message}`);
  }
  if (a.zone !== '') throw new Error(`IP address ${JSON.stringify(raw)} with zone value is not allowed`);
  if (is4In6(a)) throw new Error(`IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`);
  return a;
}

export function isIP(s: string): boolean {
  return parses(parseIPAddr, s);
}

export const ipValue = (a: Addr): unknown => opaque(IP_TYPE, addrString(a), a);

const isUnspecified = (a: Addr): boolean => a.bytes.every((b) => b === 0);
const isLoopback = (a: Addr): boolean => (is4(a) ? a.bytes[0] === 127 : a.bytes.slice(0, 15).every((b) => b === 0) && a.bytes[15] === 1);
const isMulticast = (a: Addr): boolean => (is4(a) ? (a.bytes[0] & 0xf0) === 0xe0 : a.bytes[0] === 0xff);
const isLinkLocalMulticast = (a: Addr): boolean =>
  is4(a) ? a.bytes[0] === 224 && a.bytes[1] === 0 && a.bytes[2] === 0 : a.bytes[0] === 0xff && (a.bytes[1] & 0x0f) === 0x02;
const isLinkLocalUnicast = (a: Addr): boolean => (is4(a) ? a.bytes[0] === 169 && a.bytes[1] === 254 : a.bytes[0] === 0xfe && (a.bytes[1] & 0xc0) === 0x80);
function isGlobalUnicast(a: Addr): boolean {
  if (is4(a) && (isUnspecified(a) || a.bytes.every((b) => b === 255))) return false;
  return !isUnspecified(a) && !isLoopback(a) && !isMulticast(a) && !isLinkLocalUnicast(a);
}

const ipMethod = (name: string, result: unknown, f: (a: Addr) => unknown): unknown => opaqueMethod(IP_TYPE, name, result, f);

export const ipLibrary: unknown[] = [
  cel.celFunc('ip', [STRING], DYN, (s: string) => ipValue(parseIPAddr(s))),
  cel.celFunc('isIP', [STRING], BOOL, (s: string) => isIP(s)),
  cel.celFunc('ip.isCanonical', [STRING], BOOL, (s: string) => addrString(parseIPAddr(s)) === s),
  ipMethod('family', INT, (a) => (is4(a) ? 4n : 6n)),
  ipMethod('isUnspecified', BOOL, isUnspecified),
  ipMethod('isLoopback', BOOL, isLoopback),
  ipMethod('isLinkLocalMulticast', BOOL, isLinkLocalMulticast),
  ipMethod('isLinkLocalUnicast', BOOL, isLinkLocalUnicast),
  ipMethod('isGlobalUnicast', BOOL, isGlobalUnicast),
];
