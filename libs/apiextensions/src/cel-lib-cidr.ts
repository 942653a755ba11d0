/**
 * The Kubernetes CEL CIDR library (k8s.io/apiserver/pkg/cel/library/cidr.go): `cidr(string)`,
 * `isCIDR`, `string(cidr)`, `containsIP(ip|string)`, `containsCIDR(cidr|string)`, `ip()`,
 * `masked()`, `prefixLength()` and `==`, with Go's netip.ParsePrefix rules.
 */
import { Addr, addrString, IP_TYPE, ipValue, is4, is4In6, parseAddr, parseIPAddr } from './cel-lib-ip';
import { BOOL, cel, DYN, expect, INT, opaque, opaqueValue, STRING, noOverload, opaqueMethod, parses } from './cel-lib-values';

export const CIDR_TYPE = 'net.CIDR';

export interface Prefix {
  addr: Addr;
  bits: number;
}

/** Go's netip.ParsePrefix. */
function parsePrefix(s: string): Prefix {
  const fail = (msg: string): Error => new Error(`netip.ParsePrefix(${JSON.stringify(s)}): ${msg}`);
  const slash = s.lastIndexOf('/');
  if (slash < 0) throw fail('no \'/\'');
  let addr: Addr;
  try {
    addr = parseAddr(s.slice(0, slash));
  } catch (e) {
    throw fail((e as Error).message);
  }
  if (addr.zone !== '') throw fail('IPv6 zones cannot be present in a prefix');
  const bitsStr = s.slice(slash + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(bitsStr) || bitsStr.length > 3) throw fail(`bad bits after slash: ${JSON.stringify(bitsStr)}`);
  const bits = Number(bitsStr);
  if (bits > (is4(addr) ? 32 : 128)) throw fail('prefix length out of range');
  return { addr, bits };
}

/** parseCIDR of cidr.go (no IPv4-mapped IPv6 addresses). */
export function parseCIDR(raw: string): Prefix {
  let p: Prefix;
  try {
    p = parsePrefix(raw);
  } catch (e) {
    throw new Error(`network address parse error during conversion from string: ${(e as Error).message}`);
  }
  if (is4In6(p.addr)) throw new Error(`IPv4-mapped IPv6 address ${JSON.stringify(raw)} is not allowed`);
  return p;
}

export function isCIDR(s: string): boolean {
  return parses(parseCIDR, s);
}

function maskBytes(bytes: number[], bits: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
}

const masked = (p: Prefix): Prefix => ({ addr: { bytes: maskBytes(p.addr.bytes, p.bits), zone: '' }, bits: p.bits });
const prefixString = (p: Prefix): string => `${addrString(p.addr)}/${p.bits}`;
const sameBytes = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

export const cidrValue = (p: Prefix): unknown => opaque(CIDR_TYPE, prefixString(p), p);

function stringToCIDR(s: string): Prefix {
  try {
    return parseCIDR(s);
  } catch (e) {
    throw new Error(`network address parse error during conversion from string: ${(e as Error).message}`);
  }
}

/** netip.Prefix.Contains */
function contains(p: Prefix, a: Addr): boolean {
  if (is4(p.addr) !== is4(a) || a.zone !== '') return false;
  return sameBytes(maskBytes(a.bytes, p.bits), maskBytes(p.addr.bytes, p.bits));
}

/** cidrContainsCIDR as upstream: Masked() == PrefixFrom(other.Addr(), bits) and bits <= other.bits. */
function containsCIDR(p: Prefix, o: Prefix): boolean {
  const m = masked(p);
  return is4(m.addr) === is4(o.addr) && sameBytes(m.addr.bytes, o.addr.bytes) && p.bits <= o.bits;
}

const cidrMethod = (name: string, result: unknown, f: (p: Prefix) => unknown): unknown => opaqueMethod(CIDR_TYPE, name, result, f);

export const cidrLibrary: unknown[] = [
  cel.celFunc('cidr', [STRING], DYN, (s: string) => cidrValue(stringToCIDR(s))),
  cel.celFunc('isCIDR', [STRING], BOOL, (s: string) => isCIDR(s)),
  cel.celMethod('containsIP', DYN, [DYN], BOOL, function (this: unknown, other: unknown) {
    const p = expect<Prefix>(this, CIDR_TYPE, 'containsIP', other);
    const a = typeof other === 'string' ? parseIPAddr(other) : opaqueValue<Addr>(other, IP_TYPE);
    if (!a) throw noOverload('containsIP', this, other);
    return contains(p, a);
  }),
  cel.celMethod('containsCIDR', DYN, [DYN], BOOL, function (this: unknown, other: unknown) {
    const p = expect<Prefix>(this, CIDR_TYPE, 'containsCIDR', other);
    const o = typeof other === 'string' ? stringToCIDR(other) : opaqueValue<Prefix>(other, CIDR_TYPE);
    if (!o) throw noOverload('containsCIDR', this, other);
    return containsCIDR(p, o);
  }),
  cidrMethod('ip', DYN, (p) => ipValue(p.addr)),
  cidrMethod('masked', DYN, (p) => cidrValue(masked(p))),
  cidrMethod('prefixLength', INT, (p) => BigInt(p.bits)),
];
